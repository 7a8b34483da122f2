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

// reportInstruction adds the faulting instruction to the runtime's
// exception report. It runs on the gsignal stack of a CPU that will halt
// right after, so it only reads kernel text and prints.
func reportInstruction(frame unsafe.Pointer) {
	f := (*TrapFrame)(frame)
	lo := uint64(uintptr(unsafe.Pointer(&textStart)))
	hi := uint64(uintptr(unsafe.Pointer(&textEnd)))
	if f.RIP < lo || f.RIP >= hi {
		println("  instruction: pc is outside kernel text")
		return
	}
	n := maxInstLen
	if rest := hi - f.RIP; rest < uint64(n) {
		n = int(rest)
	}
	code := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(f.RIP))), n)
	text, err := Disassemble(code, f.RIP, symbolize)
	if err != nil {
		println("  instruction:", err.Error())
		return
	}
	println("  instruction:", text)
}

func symbolize(addr uint64) (string, uint64) {
	fn := runtime.FuncForPC(uintptr(addr))
	if fn == nil {
		return "", 0
	}
	return fn.Name(), uint64(fn.Entry())
}
