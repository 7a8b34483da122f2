// Command farfault is a kernel that reads an address far from nil where
// nothing is mapped, in a goroutine that recovers, as Linux programs may:
//
//	farfault          plain read: Go makes it the fatal error "unexpected
//	                  fault address", exit status 2; recover cannot catch it
//	farfault -panic   after debug.SetPanicOnFault(true), the read is a
//	                  run-time panic that recover catches, whose error has
//	                  an Addr method giving the address
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"unsafe"
)

// The architecture package adds the disassembled instruction to a report.
import _ "clk/arch/x86_64"

// farAddress is canonical and far from nil. clk maps nothing there (it lies
// between the runtime's address-space window and the canonical hole), and a
// static Linux program almost surely nothing either.
const farAddress = 0x7f5500000000

func main() {
	panicOnFault := flag.Bool("panic", false, "debug.SetPanicOnFault(true) first")
	flag.Parse()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if *panicOnFault {
			debug.SetPanicOnFault(true)
		}
		defer func() {
			r := recover()
			fmt.Printf("farfault: recovered: %v\n", r)
			if a, ok := r.(interface{ Addr() uintptr }); ok {
				fmt.Printf("farfault: fault address %#x\n", a.Addr())
			}
		}()
		fmt.Printf("farfault: reading %#x\n", uintptr(farAddress))
		p := (*byte)(unsafe.Pointer(uintptr(farAddress)))
		fmt.Printf("farfault: read %d\n", *p)
	}()
	<-done
	fmt.Println("farfault: still running")
	os.Exit(0)
}
