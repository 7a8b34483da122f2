package main

import "unsafe"

// parkThread is the entry point of the threads threadstorm starts
// (park_amd64.s); it is never called from Go.
func parkThread()

// parkThreadPC is parkThread's entry address, for thread_create.
var parkThreadPC uintptr

// userByte returns the byte at a user address that a syscall returned.
func userByte(addr uint64) *byte {
	// Reinterpret the integer as a pointer, rather than convert it, so
	// that the conversion is not taken for arithmetic on a Go pointer.
	return *(**byte)(unsafe.Pointer(&addr))
}
