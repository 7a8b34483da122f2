// Fetch downloads a URL with net/http's client into a file, and prints
// its size and sha256: a ring-3 program whose package net reaches the
// network service. Host names are not looked up (clk has no resolver):
// the URL names an IPv4 address.
//
// Usage:
//
//	fetch URL FILE
package main
