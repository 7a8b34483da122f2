package sdk

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"clk/abi"
)

// Backend makes one syscall: num is the call number (RAX), a the
// arguments in the order RDI, RSI, RDX, R10, R8, R9. It returns the
// status (RAX: 0 or an abi.Errno) and the value (RDX).
//
// On GOOS=clk the default backend executes the SYSCALL instruction in a
// ring-3 program; in the kernel, which has no ring to call down to, it
// fails every call with abi.ENOSYS. Code linked into the kernel installs
// kernel/syscalls' Direct instead, which calls the kernel's dispatcher;
// other systems have no default, and every call fails with abi.ENOSYS
// until a backend is installed.
type Backend func(num uint64, a [6]uint64) (errno uint64, val uint64)

// backend is the installed Backend; nil means defaultBackend.
var backend atomic.Pointer[Backend]

// SetBackend installs b as the way every call of this package reaches the
// kernel; nil restores the default. It is meant to be called once, before
// the first call: calls already under way finish on the backend they
// started with.
func SetBackend(b Backend) {
	if b == nil {
		backend.Store(nil)
		return
	}
	backend.Store(&b)
}

// Syscall makes syscall num with arguments a through the installed
// backend and returns the value (RDX) and the status (RAX), 0 on success.
// It is the raw form, for calls this package has no function for and for
// testing the kernel; pointers passed in a must point to memory on the Go
// heap that stays alive until Syscall returns (see the package
// documentation).
func Syscall(num uint64, a [6]uint64) (val uint64, errno abi.Errno) {
	b := defaultBackend
	if p := backend.Load(); p != nil {
		b = *p
	}
	if b == nil {
		return 0, abi.ENOSYS
	}
	e, v := b(num, a)
	return v, abi.Errno(e)
}

// call makes syscall num and returns its value and, on failure, an *Error.
func call(num uint64, a0, a1, a2, a3, a4, a5 uint64) (uint64, error) {
	v, e := Syscall(num, [6]uint64{a0, a1, a2, a3, a4, a5})
	if e != 0 {
		return v, errorOf(num, e)
	}
	return v, nil
}

// escape exists to be written by nothing: storing into it, under a
// condition the compiler cannot rule out, makes every pointer passed to
// addr escape to the heap.
var escape struct {
	enabled bool
	p       unsafe.Pointer
}

// addr turns a pointer into a syscall argument. The kernel receives the
// address as a number, which neither keeps the memory alive nor follows
// it when a goroutine stack moves; so addr makes the compiler put the
// memory on the heap, which never moves, and callers keep it alive with
// runtime.KeepAlive until the call returns.
func addr(p unsafe.Pointer) uint64 {
	if escape.enabled {
		escape.p = p
	}
	return uint64(uintptr(p))
}

// bytesAddr returns the address of b's first byte, or 0 for an empty b.
func bytesAddr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return addr(unsafe.Pointer(unsafe.SliceData(b)))
}

// handlesAddr returns the address of hs's first value, or 0 for an empty hs.
func handlesAddr(hs []Handle) uint64 {
	if len(hs) == 0 {
		return 0
	}
	return addr(unsafe.Pointer(unsafe.SliceData(hs)))
}

// keepAlive keeps b's memory alive up to this point.
func keepAlive(b []byte, hs []Handle) {
	runtime.KeepAlive(b)
	runtime.KeepAlive(hs)
}
