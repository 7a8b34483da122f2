// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import (
	"runtime"
	"sync"
	"unsafe"
)

// A ring-3 program's transport to the file system service: channel_call
// on the handle its environment names (fsEnv, CLK_FS), made with the
// runtime's SYSCALL instruction. The kernel has no such instruction to
// call itself with; it installs its own transport (clkMountService).

// userMode reports whether the program runs in ring 3. It is
// runtime.syscall_userMode, pushed via linkname.
func userMode() bool

// rawSyscall is runtime.clkSyscall, the user personality's SYSCALL
// instruction: RAX num, then RDI, RSI, RDX, R10, R8, R9; it returns RAX
// (the status) and RDX. Pulled via linkname: package syscall cannot
// import the runtime, which exports it for this (export_clk.go).
//
//go:linkname rawSyscall runtime.clkSyscall
//go:noescape
func rawSyscall(num, a0, a1, a2, a3, a4, a5 uint64) (status, val uint64)

// The scheduler's side of a blocking call, pulled via linkname as package
// syscall pulls them on Linux.
//
//go:linkname runtime_entersyscall runtime.entersyscall
func runtime_entersyscall()

//go:linkname runtime_exitsyscall runtime.exitsyscall
func runtime_exitsyscall()

// mountFromEnv mounts the file system service when the environment of a
// ring-3 program names its channel to it.
func mountFromEnv() {
	if !userMode() {
		return
	}
	v, ok := Getenv(fsEnv)
	if !ok || v == "" {
		return
	}
	h, ok := parseHandle(v)
	if !ok {
		print("syscall: ", fsEnv, "=", v, ": not a handle\n")
		return
	}
	if err := clkMountService(channelCall(h)); err != nil {
		print("syscall: mounting ", fsMount, ": ", err.Error(), "\n")
	}
}

// parseHandle parses a handle value as CLK_HANDLES writes them: in
// hexadecimal after 0x, or in decimal; 0 is no handle.
func parseHandle(s string) (uint32, bool) {
	base, digits := uint64(10), s
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, digits = 16, s[2:]
	}
	if digits == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d := unhex(digits[i])
		if d < 0 || uint64(d) >= base {
			return 0, false
		}
		v = v*base + uint64(d)
		if v > 1<<32-1 {
			return 0, false
		}
	}
	return uint32(v), v != 0
}

// msgDesc is a message descriptor as channel_call reads and writes it
// (clk/abi's MsgDesc): the kernel's fields in order, each at its natural
// alignment.
type msgDesc struct {
	typ        uint32
	txid       uint32
	data       uint64
	dataLen    uint32
	handlesLen uint32
	handles    uint64
}

// The layout above is the kernel's: these fail to compile otherwise.
var (
	_ [unsafe.Sizeof(msgDesc{}) - clkMsgDescSize]struct{}
	_ [clkMsgDescSize - unsafe.Sizeof(msgDesc{})]struct{}
)

// callDescs are the descriptors of one call. They come from callDescPool,
// so that they are on the heap, where nothing moves while the kernel
// holds their addresses.
type callDescs struct{ w, r msgDesc }

var callDescPool = sync.Pool{New: func() any { return new(callDescs) }}

// channelCall returns a transport that makes channel_call on handle h,
// waiting for the reply without a deadline: the service answers or its
// channel closes.
func channelCall(h uint32) func(typ uint32, req, resp []byte) (int, Errno) {
	return func(typ uint32, req, resp []byte) (int, Errno) {
		d := callDescPool.Get().(*callDescs)
		d.w = msgDesc{typ: typ, data: sliceAddr(req), dataLen: uint32(len(req))}
		d.r = msgDesc{data: sliceAddr(resp), dataLen: uint32(min(len(resp), clkMaxData))}
		// unsafe.Pointer: the kernel reads d.w and writes d.r by address;
		// d lives on the heap and stays live until it returns to the pool.
		st := blockingSyscall(clkSysChannelCall, uint64(h),
			uint64(uintptr(unsafe.Pointer(&d.w))), uint64(uintptr(unsafe.Pointer(&d.r))), clkDeadlineNever)
		runtime.KeepAlive(req)
		runtime.KeepAlive(resp)
		rtyp, n := d.r.typ, int(d.r.dataLen)
		*d = callDescs{}
		callDescPool.Put(d)
		if st != 0 || rtyp != typ || n > len(resp) {
			return 0, EIO
		}
		return n, 0
	}
}

// sliceAddr returns the address of b's bytes for a descriptor. The caller
// keeps b live (runtime.KeepAlive) until the kernel is done with it; b is
// on the heap (an fsMsg), so it does not move.
func sliceAddr(b []byte) uint64 {
	// unsafe.Pointer: the kernel takes user memory by address.
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// blockingSyscall makes a syscall that may wait, telling the scheduler
// first, as Syscall does on Linux: the thread's other goroutines run on
// another thread meanwhile, and the garbage collector does not wait for
// this one.
//
// Nosplit: the stack must not move between entersyscall and exitsyscall.
//
//go:nosplit
func blockingSyscall(num, a0, a1, a2, a3 uint64) (status uint64) {
	runtime_entersyscall()
	status, _ = rawSyscall(num, a0, a1, a2, a3, 0, 0)
	runtime_exitsyscall()
	return status
}
