//go:build clk

package x86

import (
	"runtime"
	"unsafe"
)

func init() {
	setTrapHook(reportInstruction)
}

// Kernel text, from the linker.
//
//go:linkname textStart runtime.text
var textStart byte

//go:linkname textEnd runtime.etext
var textEnd byte

// reportInstruction describes the faulting instruction for the runtime's
// exception report, writing into text. It runs on the gsignal stack of the
// CPU that took the exception, and only reads kernel text.
func reportInstruction(frame unsafe.Pointer, text []byte) int {
	f := (*TrapFrame)(frame)
	lo := uint64(uintptr(unsafe.Pointer(&textStart)))
	hi := uint64(uintptr(unsafe.Pointer(&textEnd)))
	if f.RIP < lo || f.RIP >= hi {
		return copy(text, "pc is outside kernel text")
	}
	n := maxInstLen
	if rest := hi - f.RIP; rest < uint64(n) {
		n = int(rest)
	}
	code := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(f.RIP))), n)
	desc, err := Disassemble(code, f.RIP, symbolize)
	if err != nil {
		return copy(text, err.Error())
	}
	return copy(text, desc)
}

func symbolize(addr uint64) (string, uint64) {
	fn := runtime.FuncForPC(uintptr(addr))
	if fn == nil {
		return "", 0
	}
	return fn.Name(), uint64(fn.Entry())
}
