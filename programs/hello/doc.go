// Hello is the smallest ring-3 program: it prints its process id and its
// arguments on its console and exits with status 0.
//
// Usage:
//
//	hello [arg ...]
package main
