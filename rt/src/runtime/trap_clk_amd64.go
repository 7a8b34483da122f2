// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/goarch"
	"unsafe"
)

// CPU exceptions.
//
// The stub of an exception vector (vectors_clk_amd64.s) and its entry path
// (trap_clk_amd64.s) save the general registers and the FPU and vector
// state of the interrupted context, switch to the current M's gsignal stack, as a Unix
// signal delivery would, and call clkTrap.
//
// An exception in a goroutine's own Go code that Go defines as a run-time
// panic (an integer divide by zero, a nil pointer dereference) becomes one:
// clkTrap makes the interrupted context call sigpanic, as the signal handler
// does on Unix, and the goroutine may recover. Every other exception is
// fatal to the whole system: clkTrap prints a report (vector, error code,
// registers, control registers, the Go stack of the goroutine that faulted,
// and whatever the kernel adds through clkTrapHook, such as the faulting
// instruction disassembled) and halts. A write to read-only kernel memory is
// always fatal.

// clkTrapFrame is the stack layout the entry paths build: the general
// registers, then the vector and error code the stub pushed, then the
// frame the CPU pushed. It is the one definition of the layout: the
// assembly uses the compiler's offsets of it (go_asm.h, through
// trapframe_clk_amd64.h), a user thread's context (clkUserCtx) starts
// with one, and arch/x86_64's TrapFrame, which the kernel sees, is checked
// against it by a test there.
type clkTrapFrame struct {
	r15, r14, r13, r12, r11, r10, r9, r8 uint64
	rbp, rdi, rsi, rdx, rcx, rbx, rax    uint64
	vector, errcode                      uint64
	rip, cs, rflags, rsp, ss             uint64
}

// The frame's tail is built by the hardware and the stubs, not by Go:
// from the vector up, each word where the stub or the CPU pushed it, and
// nothing after SS. A uintptr constant that would be negative does not
// compile, so each line fails the build when its field moves.
const (
	_ = -(unsafe.Offsetof(clkTrapFrame{}.errcode) - unsafe.Offsetof(clkTrapFrame{}.vector) - 1*8)
	_ = -(unsafe.Offsetof(clkTrapFrame{}.rip) - unsafe.Offsetof(clkTrapFrame{}.vector) - 2*8)
	_ = -(unsafe.Offsetof(clkTrapFrame{}.cs) - unsafe.Offsetof(clkTrapFrame{}.vector) - 3*8)
	_ = -(unsafe.Offsetof(clkTrapFrame{}.rflags) - unsafe.Offsetof(clkTrapFrame{}.vector) - 4*8)
	_ = -(unsafe.Offsetof(clkTrapFrame{}.rsp) - unsafe.Offsetof(clkTrapFrame{}.vector) - 5*8)
	_ = -(unsafe.Offsetof(clkTrapFrame{}.ss) - unsafe.Offsetof(clkTrapFrame{}.vector) - 6*8)
	_ = -(unsafe.Sizeof(clkTrapFrame{}) - unsafe.Offsetof(clkTrapFrame{}.vector) - 7*8)
)

var (
	// clkTrapHook, when set (by the kernel, through export_clk.go),
	// describes the faulting instruction of frame into text and returns the
	// length written. It may allocate, so it is only called when the
	// interrupted M was not allocating or holding runtime locks.
	clkTrapHook func(frame unsafe.Pointer, text []byte) int

	clkTrapNested bool
	clkTrapText   [160]byte

	// clkTrapRecords keeps the last exceptions turned into panics, so that
	// a panic nobody recovers can still show the CPU's view of the fault.
	clkTrapRecords    [8]clkTrapRecord
	clkTrapRecordNext uint32
)

type clkTrapRecord struct {
	gp    uintptr // the *g that faulted, as an integer: never followed
	pc    uintptr
	frame clkTrapFrame
	cr2   uint64
	text  [160]byte
	ntext int
}

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

// Exception vectors (Intel SDM Vol. 3A, 6.15) and the page-fault error
// code's bits.
const (
	vecDivide       = 0
	vecGP           = 13
	vecPageFault    = 14
	pfPresent       = 1 << 0
	pfWrite         = 1 << 1
	pfFetch         = 1 << 4
	clkNilPageLimit = 0x1000

	// si_code values sigpanic and tracebacks know from Unix.
	clkFPEIntDiv  = 1
	clkSEGVMapErr = 1
	clkSEGVAccErr = 2
)

// clkTrap runs on the gsignal stack of the M whose CPU took the exception
// at f, with gp the goroutine that was running. When it returns, the stub
// resumes the (possibly redirected) frame.
func clkTrap(f *clkTrapFrame, gp *g) {
	// CR2 first: describing the fault below may allocate, and a first
	// touch of the anonymous window is a page fault of its own, served
	// on the way, that leaves its address in CR2.
	cr2 := clkReadCR2()
	if !clkTrapNested && clkTrapToPanic(f, gp, cr2) {
		return
	}
	if clkTrapNested {
		clkTrapEarly(f)
	}
	clkTrapNested = true

	n := clkDescribe(f, gp, clkTrapText[:])
	print("\n")
	clkPrintTrap(f, cr2, clkTrapText[:n])
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

// clkDescribe asks the kernel's hook to describe the faulting instruction.
func clkDescribe(f *clkTrapFrame, gp *g, text []byte) int {
	h := clkTrapHook
	if h == nil || gp == nil || gp.m == nil || gp.m.mallocing != 0 || gp.m.locks != 0 {
		return 0
	}
	n := h(unsafe.Pointer(f), text)
	if n < 0 || n > len(text) {
		return 0
	}
	return n
}

// clkPrintTrap prints the CPU's view of an exception.
func clkPrintTrap(f *clkTrapFrame, cr2 uint64, text []byte) {
	print("\nclk: CPU exception ", f.vector, " (", clkExceptionName(f.vector), ")")
	print(" error code ", hex(f.errcode), "\n")
	if f.vector == 14 {
		print("  page fault at address ", hex(cr2), " (")
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
		if f.cs&3 == 0 && cr2 >= clkUserBase && cr2 < clkUserTop {
			print("  the kernel touched a user page through its user address (SMAP/SMEP):\n")
			print("  user memory is reached only through the kernel's map of its frames\n")
		}
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
	print("  cr0 ", hex(clkReadCR0()), " cr2 ", hex(cr2), " cr3 ", hex(clkReadCR3()), " cr4 ", hex(clkReadCR4()), "\n")

	if len(text) > 0 {
		print("  instruction: ")
		gwrite(text)
		print("\n")
	}

}

// clkDescribeFault describes the faulting instruction of gp's latest
// exception for its report. sigpanic calls it, on gp's stack, where the
// kernel's hook may allocate.
func clkDescribeFault(gp *g) {
	for i := range clkTrapRecords {
		r := &clkTrapRecords[i]
		if r.gp == uintptr(unsafe.Pointer(gp)) && r.pc == gp.sigpc && r.ntext == 0 {
			r.ntext = clkDescribe(&r.frame, gp, r.text[:])
			return
		}
	}
}

// clkPrintPanicTrap adds the CPU report to the death of a goroutine whose
// fatal panic began as a CPU exception; dopanic_m calls it.
func clkPrintPanicTrap(gp *g) {
	for i := range clkTrapRecords {
		r := &clkTrapRecords[i]
		if r.gp == uintptr(unsafe.Pointer(gp)) && r.pc == gp.sigpc {
			clkPrintTrap(&r.frame, r.cr2, r.text[:r.ntext])
			return
		}
	}
}

// clkTrapEarly reports an exception that came before the runtime could
// print, or while it was reporting one. It must not need a g.
//
// Nosplit: runs before the runtime has a g or stack bounds.
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

// clkTrapToPanic turns the exception into a call of sigpanic in gp if Go
// makes it a run-time panic, and reports whether it did; cr2 is the
// faulting address of a page fault.
func clkTrapToPanic(f *clkTrapFrame, gp *g, cr2 uint64) bool {
	if gp == nil || gp.m == nil || gp != gp.m.curg || gp.throwsplit || f.cs&3 != 0 {
		return false
	}
	pc := uintptr(f.rip)
	if !findfunc(pc).valid() {
		return false
	}
	var sig uint32
	var code, addr uintptr
	switch f.vector {
	case vecDivide:
		sig, code = _SIGFPE, clkFPEIntDiv
	case vecPageFault:
		addr = uintptr(cr2)
		sig, code = _SIGSEGV, clkSEGVMapErr
		if f.errcode&pfPresent != 0 {
			// A protection violation: writing kernel text or
			// read-only data, or executing data. A panic only for
			// a goroutine that asked for one with
			// debug.SetPanicOnFault, as on Unix.
			if !gp.paniconfault {
				return false
			}
			code = clkSEGVAccErr
		}
	default:
		return false
	}
	r := &clkTrapRecords[clkTrapRecordNext%uint32(len(clkTrapRecords))]
	clkTrapRecordNext++
	// The instruction is described later, by sigpanic on gp's own stack
	// (clkDescribeFault): the kernel's hook allocates, and an allocation
	// here, on the gsignal stack while gp is stopped at the fault, is
	// charged to gp and broke it (a goroutine later ran on a stack the
	// runtime had moved).
	r.gp, r.pc, r.frame, r.cr2 = uintptr(unsafe.Pointer(gp)), pc, *f, uint64(addr)
	r.ntext = 0

	clkCallSigpanic(f, gp, sig, code, addr)
	return true
}

// clkCallSigpanic makes the instruction at f.rip look like a call of
// sigpanic0, which sets up g and X15 and jumps to sigpanic, as the Unix
// signal path's preparePanic does; sigpanic then raises what sig, code and
// addr say.
//
// No write barriers: its callers (clkTrap, clkTick, clkUserFaultPanic) run in
// the faulting M's place, as a signal handler does.
//
//go:nowritebarrierrec
func clkCallSigpanic(f *clkTrapFrame, gp *g, sig uint32, code, addr uintptr) {
	pc := uintptr(f.rip)
	gp.sig, gp.sigcode0, gp.sigcode1, gp.sigpc = sig, code, addr, pc
	sp := uintptr(f.rsp)
	if shouldPushSigpanic(gp, pc, *(*uintptr)(unsafe.Pointer(sp))) {
		sp -= goarch.PtrSize
		*(*uintptr)(unsafe.Pointer(sp)) = pc
		f.rsp = uint64(sp)
	}
	f.rip = uint64(abi.FuncPCABI0(sigpanic0))
}
