// Command protection is a kernel that breaks the protection of its own
// memory, or of a user address space's, in one of five ways, named by its
// argument:
//
//	write-text     write to the machine code of a function (read-only)
//	write-rodata   write to the bytes of a string constant (read-only)
//	exec-heap      call code placed in a heap object (not executable)
//	read-user      read a user page through its user address (SMAP)
//	exec-user      call a user page's code at its user address (SMEP)
//
// Each must end in the CPU exception report (a page fault on a present page)
// and a non-zero status, never in changed memory or code run from data.
package main

import (
	"os"
	"reflect"
	"unsafe"

	// The architecture package adds the disassembled instruction to
	// the report, and runs the user thread of read-user and exec-user.
	x86 "clk/arch/x86_64"
)

//go:noinline
func target() int { return 42 }

// constant lives in the read-only data of the image.
const constant = "read-only bytes"

func main() {
	if len(os.Args) != 2 {
		println("usage: protection write-text | write-rodata | exec-heap | read-user | exec-user")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "write-text":
		pc := reflect.ValueOf(target).Pointer()
		println("protection: writing to the text of main.target at", unsafe.Pointer(pc))
		// A function's code address made a pointer, only to show that
		// the write is refused.
		*(*byte)(unsafe.Pointer(pc)) = 0xcc
		println("protection: the write went through; target() =", target())
	case "write-rodata":
		s := constant
		p := unsafe.StringData(s)
		println("protection: writing to a string constant at", unsafe.Pointer(p))
		// Strings are immutable; the bytes of a constant are in
		// read-only data, which the write must not change.
		*p = 'R'
		println("protection: the write went through:", s)
	case "exec-heap":
		code := make([]byte, 16)
		code[0] = 0xc3 // RET
		// A func value is a pointer to a word holding the code address;
		// build one that points at the heap object.
		word := &struct{ pc uintptr }{uintptr(unsafe.Pointer(&code[0]))}
		f := *(*func())(unsafe.Pointer(&word))
		println("protection: calling heap data at", unsafe.Pointer(&code[0]))
		f()
		println("protection: the heap data ran")
	case "read-user":
		va := userSpace()
		println("protection: reading the user page at", pointerAt(va))
		// A user address, read from the kernel: what SMAP forbids.
		v := *(*byte)(pointerAt(va))
		println("protection: the read went through:", v)
	case "exec-user":
		va := userSpace()
		word := &struct{ pc uintptr }{va}
		f := *(*func())(unsafe.Pointer(&word))
		println("protection: calling the user page at", pointerAt(va))
		f()
		println("protection: the user code ran")
	default:
		println("protection: unknown mode", os.Args[1])
		os.Exit(2)
	}
}

// userCode is mov eax, 1; syscall; ret: a user thread's first syscall,
// and, called from the kernel, a function that returns.
var userCode = []byte{0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3}

// userSpace makes an address space whose code page holds userCode, runs a
// thread there to its syscall, which leaves the space loaded on this CPU,
// and returns the code page's user address.
func userSpace() uintptr {
	const code, stack = x86.UserBase + 0x100000, x86.UserBase + 0x300000
	as, err := x86.NewAddressSpace()
	if err != nil {
		panic(err)
	}
	page, err := as.Map(code, false, true)
	if err != nil {
		panic(err)
	}
	copy(page, userCode)
	if _, err := as.Map(stack, true, false); err != nil {
		panic(err)
	}
	c := x86.NewUserContext(as, code, stack+x86.PageSize)
	for c.Run() != x86.VecSyscall {
	}
	return code
}

// pointerAt returns addr, which is no Go object, as a pointer; the
// conversion goes through memory so that it is not taken for arithmetic
// on a Go pointer.
func pointerAt(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}
