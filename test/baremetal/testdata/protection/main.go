// Command protection is a kernel that breaks the protection of its own
// memory in one of three ways, named by its argument:
//
//	write-text     write to the machine code of a function (read-only)
//	write-rodata   write to the bytes of a string constant (read-only)
//	exec-heap      call code placed in a heap object (not executable)
//
// Each must end in the CPU exception report (a page fault on a present page)
// and a non-zero status, never in changed memory or code run from data.
package main

import (
	"os"
	"reflect"
	"unsafe"
)

// The architecture package adds the disassembled instruction to the report.
import _ "clk/arch/x86_64"

//go:noinline
func target() int { return 42 }

// constant lives in the read-only data of the image.
const constant = "read-only bytes"

func main() {
	if len(os.Args) != 2 {
		println("usage: protection write-text | write-rodata | exec-heap")
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
	default:
		println("protection: unknown mode", os.Args[1])
		os.Exit(2)
	}
}
