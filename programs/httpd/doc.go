// Httpd serves /disk over HTTP with net/http: a ring-3 program whose
// package net reaches the network service (CLK_NET) and whose package os
// reaches the file system service (CLK_FS), both unchanged.
//
// Usage:
//
//	httpd [-addr :80] [-root /disk]
package main
