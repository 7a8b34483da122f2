//go:build clk

package sdk

import (
	"clk/abi"
	_ "unsafe"
) // for go:linkname

// defaultBackend executes the SYSCALL instruction.
var defaultBackend Backend = syscallInstruction

// syscallInstruction is the SYSCALL backend. A call that may block tells
// the Go scheduler first, as package syscall does, so that the thread's
// other goroutines run on another thread meanwhile and the garbage
// collector does not wait for this one; a call that cannot block skips
// that, which keeps the null syscall cheap. It is nosplit so that the
// stack, whose addresses the kernel may hold, cannot move between
// entersyscall and exitsyscall.
//
//go:nosplit
func syscallInstruction(num uint64, a [6]uint64) (errno, val uint64) {
	if !mayBlock(num, &a) {
		return rawSyscall(num, a[0], a[1], a[2], a[3], a[4], a[5])
	}
	entersyscall()
	errno, val = rawSyscall(num, a[0], a[1], a[2], a[3], a[4], a[5])
	exitsyscall()
	return errno, val
}

// mayBlock reports whether call num with arguments a can wait: the calls
// with a deadline, unless it is Now, and those that start a program.
//
//go:nosplit
func mayBlock(num uint64, a *[6]uint64) bool {
	switch num {
	case abi.SysChannelWrite, abi.SysChannelRead, abi.SysObjectWaitMany, abi.SysFutexWait:
		return a[2] != uint64(Now)
	case abi.SysIRQWait:
		return a[1] != uint64(Now)
	case abi.SysChannelCall, abi.SysClockSleep, abi.SysProcessSpawn:
		return true
	}
	return false
}

// rawSyscall executes SYSCALL with num in RAX and the arguments in RDI,
// RSI, RDX, R10, R8 and R9, and returns RAX and RDX: the user runtime's
// own syscall instruction, runtime.clkSyscall.
//
//go:linkname rawSyscall runtime.clkSyscall
//go:noescape
func rawSyscall(num, a0, a1, a2, a3, a4, a5 uint64) (errno, val uint64)

//go:linkname entersyscall runtime.entersyscall
func entersyscall()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()
