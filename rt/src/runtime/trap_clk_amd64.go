// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import "unsafe"

// CPU exceptions.
//
// The stub of an exception vector (vectors_clk_amd64.s) saves the general
// registers under the CPU's frame on the exception IST stack, then switches
// to the current M's gsignal stack, as a Unix signal handler would, and calls
// clkTrap. An exception is fatal to the whole system: clkTrap prints a report
// (vector, error code, registers, CR2, the Go stack of the goroutine that
// faulted, and whatever the kernel adds through clkTrapHook, such as the
// faulting instruction disassembled) and halts.

// clkTrapFrame is the stack layout the stubs build: general registers in
// reverse push order, then vector and error code, then the CPU's frame.
type clkTrapFrame struct {
	r15, r14, r13, r12, r11, r10, r9, r8 uint64
	rbp, rdi, rsi, rdx, rcx, rbx, rax    uint64
	vector, errcode                      uint64
	rip, cs, rflags, rsp, ss             uint64
}

var (
	clkTrapCurFrame *clkTrapFrame // set by the stub
	clkTrapG        *g            // the goroutine that was running

	// clkTrapHook, when set (by the kernel, through export_clk.go), is
	// called with the frame after the runtime's report, to add to it.
	clkTrapHook func(frame unsafe.Pointer)

	clkTrapNested bool
)

var clkExceptionNames = [...]string{
	0: "divide error", 1: "debug", 2: "NMI", 3: "breakpoint", 4: "overflow",
	5: "bound range exceeded", 6: "invalid opcode", 7: "device not available",
	8: "double fault", 10: "invalid TSS", 11: "segment not present",
	12: "stack-segment fault", 13: "general protection fault", 14: "page fault",
	16: "x87 floating-point error", 17: "alignment check", 18: "machine check",
	19: "SIMD floating-point error", 20: "virtualization exception",
	21: "control protection exception",
}

func clkExceptionName(v uint64) string {
	if v < uint64(len(clkExceptionNames)) && clkExceptionNames[v] != "" {
		return clkExceptionNames[v]
	}
	return "exception"
}

// clkTrap runs on the gsignal stack of the M whose CPU took the exception.
func clkTrap() {
	f := clkTrapCurFrame
	if clkTrapNested {
		clkTrapEarly(f)
	}
	clkTrapNested = true
	gp := clkTrapG

	print("\nclk: CPU exception ", f.vector, " (", clkExceptionName(f.vector), ")")
	print(" error code ", hex(f.errcode), "\n")
	if f.vector == 14 {
		print("  page fault at address ", hex(clkReadCR2()), " (")
		if f.errcode&1 == 0 {
			print("not present")
		} else {
			print("protection")
		}
		if f.errcode&2 != 0 {
			print(", write")
		} else {
			print(", read")
		}
		if f.errcode&16 != 0 {
			print(", instruction fetch")
		}
		print(")\n")
	}
	fn := findfunc(uintptr(f.rip))
	print("  pc ", hex(f.rip))
	if fn.valid() {
		print(" in ", funcname(fn), "+", hex(uintptr(f.rip)-fn.entry()))
	}
	print("\n")
	print("  rax ", hex(f.rax), " rbx ", hex(f.rbx), " rcx ", hex(f.rcx), " rdx ", hex(f.rdx), "\n")
	print("  rsi ", hex(f.rsi), " rdi ", hex(f.rdi), " rbp ", hex(f.rbp), " rsp ", hex(f.rsp), "\n")
	print("  r8  ", hex(f.r8), " r9  ", hex(f.r9), " r10 ", hex(f.r10), " r11 ", hex(f.r11), "\n")
	print("  r12 ", hex(f.r12), " r13 ", hex(f.r13), " r14 ", hex(f.r14), " r15 ", hex(f.r15), "\n")
	print("  rip ", hex(f.rip), " cs ", hex(f.cs), " rflags ", hex(f.rflags), " ss ", hex(f.ss), "\n")
	print("  cr0 ", hex(clkReadCR0()), " cr2 ", hex(clkReadCR2()), " cr3 ", hex(clkReadCR3()), " cr4 ", hex(clkReadCR4()), "\n")

	if h := clkTrapHook; h != nil {
		h(unsafe.Pointer(f))
	}

	if gp != nil {
		print("\ngoroutine ", gp.goid, " [running]:\n")
		tracebacktrap(uintptr(f.rip), uintptr(f.rsp), 0, gp)
		if gp.m != nil && gp.m.curg != nil && gp.m.curg != gp {
			print("\ngoroutine ", gp.m.curg.goid, " (the M's user goroutine):\n")
			traceback1(^uintptr(0), ^uintptr(0), 0, gp.m.curg, 0)
		}
	}
	print("\nclk: halted\n")
	clkExit(2)
}

// clkTrapEarly reports an exception that came before the runtime could
// print, or while it was reporting one. It must not need a g.
//
//go:nosplit
func clkTrapEarly(f *clkTrapFrame) {
	clkConsoleString("\nclk: early CPU exception ")
	clkConsoleHex(f.vector)
	clkConsoleString(" error ")
	clkConsoleHex(f.errcode)
	clkConsoleString(" rip ")
	clkConsoleHex(f.rip)
	clkConsoleString(" rsp ")
	clkConsoleHex(f.rsp)
	clkConsoleString(" cr2 ")
	clkConsoleHex(clkReadCR2())
	clkConsoleString("\n")
	clkExit(2)
}
