// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import "unsafe"

// The runtime's side of packages syscall, os and crypto/internal/sysrand on
// clk, which run in the same image with no system call boundary.

// Package os calls sigpipe when a write to standard output or error fails
// with EPIPE. os_clk.go defines it to do nothing: the console never fails.
//
//go:linkname os_sigpipe os.sigpipe

// Package syscall reads the wall clock through syscall_now (os_clk.go).
//
//go:linkname syscall_now syscall.now

// syscall_userMode reports whether the program runs in ring 3, where
// package syscall reaches the file system service with channel_call
// through clkSyscall; the kernel has no SYSCALL path to itself.
//
//go:linkname syscall_userMode syscall.userMode
func syscall_userMode() bool {
	return clkUserMode
}

// syscall_consoleWrite writes b to the console for package syscall's
// descriptors 1 and 2.
//
//go:linkname syscall_consoleWrite syscall.consoleWrite
func syscall_consoleWrite(b []byte) {
	if len(b) > 0 {
		// unsafe.Pointer: write1 takes the bytes by address; b stays live across the call.
		write1(2, unsafe.Pointer(&b[0]), int32(len(b)))
	}
}

// sysrand_getRandom fills b for crypto/rand.
//
//go:linkname sysrand_getRandom crypto/internal/sysrand.getRandom
func sysrand_getRandom(b []byte) {
	readRandom(b)
}
