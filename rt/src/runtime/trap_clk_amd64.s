// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Interrupt and exception entry: what the vector stubs jump to. The stubs
// themselves (vectors_clk_amd64.s, generated) push an error code (0 where
// the CPU pushes none) and the vector number, so that every entry path
// sees the same frame, clkTrapFrame (trapframe_clk_amd64.h).
//
// Interrupts (vectors 32 and up) run no Go code: clkIntrEntry latches the
// vector in clkIRQPending, counts it, bumps clkIRQSeq, signals end of
// interrupt to the local APIC and returns. Goroutines learn of the interrupt
// from the netpoller (netpoll_clk.go).
//
// Exceptions (vectors 0-31) but the NMI go to clkTrapEntry, which saves
// every general register, resolves first touches of demand-zero memory,
// and otherwise calls clkTrap on the M's gsignal stack. The NMI goes to
// clkNMIEntry, which only counts it.
//
// All stubs run on an IST stack with interrupts off (interrupt gates).

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"
#include "trapframe_clk_amd64.h"
#include "fpu_clk_amd64.h"

// Offsets from the vector the stub pushed, for the paths that look at the
// frame before SAVE_REGS: the saved CS, and the size of the stub's part.
#define STUB_CS (clkTrapFrame_cs-clkTrapFrame_vector)
#define STUB_SIZE (clkTrapFrame_rip-clkTrapFrame_vector)

// clkIntrEntry serves every interrupt vector without an entry path of its
// own (devices, the wake IPI), on the CPU's interrupt stack with SP at the
// vector the stub pushed and interrupts off. It clobbers nothing unless
// the interrupt came from ring 3, which it leaves through clkUserExit.
TEXT runtime·clkIntrEntry(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	MOVQ	16(SP), AX	// the vector, above the two pushes
	CMPQ	AX, $const_clkVecSpurious
	JEQ	out
	// A level-triggered line is masked in its I/O APIC before the end of
	// interrupt, and before the interrupt is latched: once it is, another
	// CPU may wake the driver, whose acknowledgement unmasks the line
	// (ioapic_clk_amd64.go).
	PUSHQ	CX
	MOVQ	AX, BX
	SHLQ	$4, BX	// clkLevelLineEntry is 16 bytes
	LEAQ	runtime·clkLevelLine(SB), CX
	ADDQ	CX, BX
	CMPQ	0(BX), $0
	JEQ	edge
	PUSHQ	DX
lock:
	MOVL	$1, DX
	XCHGL	DX, runtime·clkIOAPICLock(SB)
	TESTL	DX, DX
	JZ	locked
	PAUSE
	JMP	lock
locked:
	MOVQ	0(BX), CX	// the I/O APIC's registers, read again under the lock
	TESTQ	CX, CX
	JZ	unlock
	MOVL	8(BX), DX
	MOVL	DX, const_ioapicRegSel(CX)
	MOVL	const_ioapicWin(CX), DX
	ORL	$const_ioapicMasked, DX
	MOVL	DX, const_ioapicWin(CX)
unlock:
	MOVL	$0, runtime·clkIOAPICLock(SB)
	POPQ	DX
edge:
	POPQ	CX
	LOCK
	BTSQ	AX, runtime·clkIRQPending(SB)
	LEAQ	runtime·clkIRQCount(SB), BX
	LOCK
	INCQ	(BX)(AX*8)
	LOCK
	INCL	runtime·clkIRQSeq(SB)
	CMPQ	AX, $const_clkVecPICBase
	JAE	out	// masked legacy PIC: a spurious interrupt, no EOI
	MOVQ	runtime·clkLAPICBase(SB), BX
	MOVL	$0, const_lapicEOI(BX)
out:
	POPQ	BX
	POPQ	AX
	TESTQ	$3, STUB_CS(SP)	// taken in ring 3?
	JNZ	user
	ADDQ	$STUB_SIZE, SP
	IRETQ
user:
	SAVE_REGS
	JMP	runtime·clkUserExit(SB)

// clkTickEntry is clkIntrEntry for the timer vector, plus the preemption
// check. Like a signal delivery it saves the general registers and the
// FPU and vector state and runs clkTick(frame, g) on the M's gsignal stack. The frame is
// first copied from the CPU's interrupt stack to the top of the gsignal
// stack: clkTick may switch this CPU to another thread (clkTickYield), and
// the interrupt stack belongs to the CPU, the gsignal stack to the M. The
// stub then returns from the copy, through the (possibly redirected) frame.
//
// gsignal stack, from its top down: the frame copy (clkTrapFrame__size
// bytes), then, 64-byte aligned: 0(SP) and 8(SP) the arguments, 16(SP)
// the frame, 24(SP) the interrupted g, 32(SP) the gsignal g, 64(SP) the
// FPU save area (fpu_clk_amd64.go).
#define GSIG_LOCALS (64+FPU_AREA)

// CALL_ON_GSIGNAL copies the frame at SP to the top of the gsignal stack
// in DX (the gsignal g of the M whose goroutine AX was interrupted), saves
// the FPU and vector state below it, runs fn(frame, g) there with g set to
// gsignal, restores that state and g, and leaves SP at the copy, which fn
// may have redirected. Shared by the tick, the preemption IPI and fatal
// exceptions; it clobbers every general register but R12-R15 and BP.
#define CALL_ON_GSIGNAL(fn) \
	MOVQ	(g_stack+stack_hi)(DX), DI; \
	ANDQ	$~15, DI; \
	SUBQ	$clkTrapFrame__size, DI; \
	MOVQ	DI, BX; \
	MOVQ	SP, SI; \
	MOVQ	$(clkTrapFrame__size/8), CX; \
	REP;	MOVSQ; \
	MOVQ	BX, SP; \
	SUBQ	$GSIG_LOCALS, SP; \
	ANDQ	$~63, SP; \
	MOVQ	BX, 16(SP); \
	MOVQ	AX, 24(SP); \
	MOVQ	DX, 32(SP); \
	MOVQ	BX, 0(SP); \
	MOVQ	AX, 8(SP); \
	LEAQ	64(SP), DI; \
	CALL	runtime·clkFPUSave(SB); \
	MOVQ	32(SP), DX; \
	get_tls(CX); \
	MOVQ	DX, g(CX); \
	MOVQ	DX, R14; \
	CALL	fn; \
	LEAQ	64(SP), DI; \
	CALL	runtime·clkFPURestore(SB); \
	get_tls(CX); \
	MOVQ	24(SP), AX; \
	MOVQ	AX, g(CX); \
	MOVQ	16(SP), SP

// SIGNAL_LIKE_ENTRY is the body of the timer stub and of the preemption
// IPI's: latch and count vec, signal end of interrupt, and run fn(frame, g)
// as described above.
#define SIGNAL_LIKE_ENTRY(vec, fn) \
	SAVE_REGS; \
	MOVQ	$vec, AX; \
	LOCK; \
	BTSQ	AX, runtime·clkIRQPending(SB); \
	LOCK; \
	INCQ	runtime·clkIRQCount+((vec)*8)(SB); \
	LOCK; \
	INCL	runtime·clkIRQSeq(SB); \
	MOVQ	runtime·clkLAPICBase(SB), BX; \
	MOVL	$0, const_lapicEOI(BX); \
	TESTQ	$3, clkTrapFrame_cs(SP); \
	JZ	kernel; \
	JMP	runtime·clkUserExit(SB); \
kernel: \
	CLD; \
	MOVL	$const_msrFSBase, CX; \
	RDMSR; \
	SHLQ	$32, DX; \
	ORQ	DX, AX; \
	JZ	tickdone; \
	get_tls(CX); \
	MOVQ	g(CX), AX; \
	TESTQ	AX, AX; \
	JZ	tickdone; \
	MOVQ	g_m(AX), BX; \
	TESTQ	BX, BX; \
	JZ	tickdone; \
	MOVQ	m_gsignal(BX), DX; \
	TESTQ	DX, DX; \
	JZ	tickdone; \
	CMPQ	AX, DX; \
	JEQ	tickdone; \
	CALL_ON_GSIGNAL(fn); \
tickdone: RESTORE_REGS_IRET

TEXT runtime·clkTickEntry(SB),NOSPLIT|NOFRAME,$0
	SIGNAL_LIKE_ENTRY(const_clkVecTimer, runtime·clkTick(SB))

// clkPreemptEntry serves the preemption IPI (preemptM): clkTick's check
// for the goroutine, now instead of at the next tick.
TEXT runtime·clkPreemptEntry(SB),NOSPLIT|NOFRAME,$0
	SIGNAL_LIKE_ENTRY(const_clkVecPreempt, runtime·clkPreemptIPI(SB))

// clkShootdownEntry serves the TLB shootdown IPI (smp_clk_amd64.go):
// reload CR3, which drops every non-global TLB entry, and tell the
// shooting CPU.
TEXT runtime·clkShootdownEntry(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	MOVQ	CR3, AX
	// In ring 0 the kernel's own tables do: drop any user space, which
	// may be about to be freed (clkUserSpaceFree). The one ring 3 runs
	// in is alive.
	TESTQ	$3, (16+STUB_CS)(SP)	// the saved CS, above the two pushes
	JNZ	reload
	MOVQ	runtime·clkKernelCR3(SB), AX
reload:
	MOVQ	AX, CR3
	LOCK
	INCQ	runtime·clkIRQCount+(const_clkVecShootdown*8)(SB)
	LOCK
	DECL	runtime·clkShootPending(SB)
	MOVQ	runtime·clkLAPICBase(SB), BX
	MOVL	$0, const_lapicEOI(BX)
	POPQ	BX
	POPQ	AX
	ADDQ	$STUB_SIZE, SP
	IRETQ

// clkNMIEntry serves the NMI on its own interrupt stack, wherever it
// lands: in ring 3, in Go code, or inside the entry windows of ring 3
// (enteruser_clk_amd64.s), where FS, GS and even RSP may be the user's.
// So it trusts none of them and touches no register: it counts the NMI
// and returns, and the interrupted code, ring 3 included, goes on as if
// nothing happened. (INCQ changes flags; IRETQ restores them.)
TEXT runtime·clkNMIEntry(SB),NOSPLIT|NOFRAME,$0
	LOCK
	INCQ	runtime·clkIRQCount+(const_vecNMI*8)(SB)
	ADDQ	$STUB_SIZE, SP
	IRETQ

// clkTrapEntry saves the general registers and, unless the exception is a
// first touch of demand-zero memory, runs clkTrap(frame, g) on the M's
// gsignal stack with a copy of the frame and the FPU and vector state, as
// the tick does (CALL_ON_GSIGNAL).
TEXT runtime·clkTrapEntry(SB),NOSPLIT|NOFRAME,$0
	TESTQ	$3, STUB_CS(SP)	// from ring 3, the thread's goroutine decides
	JZ	kernel
	SAVE_REGS
	JMP	runtime·clkUserExit(SB)
kernel:
	SAVE_REGS
	MOVQ	SP, BX	// the frame
	CLD
	// A machine check or double fault may come inside the entry windows
	// of ring 3, where the FS base is the user's: report it without
	// trusting FS for a g.
	CMPQ	clkTrapFrame_vector(SP), $const_vecMachineChk
	JEQ	notls
	CMPQ	clkTrapFrame_vector(SP), $const_vecDoubleFault
	JEQ	notls
	// Without TLS there is no g: report without one.
	MOVL	$const_msrFSBase, CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	JZ	notls
	// A page fault in the anonymous window is a first touch: back the
	// page and retry the instruction.
	CMPQ	clkTrapFrame_vector(SP), $const_vecPageFault
	JNE	fatal
	MOVQ	CR2, AX
	SUBQ	$16, SP
	MOVQ	AX, 0(SP)
	CALL	runtime·clkDemandFault(SB)
	MOVB	8(SP), AX
	ADDQ	$16, SP
	TESTB	AL, AL
	JZ	fatal
resume:
	RESTORE_REGS_IRET
fatal:
	MOVQ	SP, BX
	get_tls(CX)
	MOVQ	g(CX), AX
	TESTQ	AX, AX
	JZ	early
	MOVQ	g_m(AX), SI
	TESTQ	SI, SI
	JZ	early
	MOVQ	m_gsignal(SI), DX
	TESTQ	DX, DX
	JZ	early
	CMPQ	AX, DX
	JEQ	early	// an exception while handling one
	// Run clkTrap on the gsignal stack with a copy of the frame, as the
	// tick does: a fault taken while clkTrap runs (the first touch of a
	// page of the anonymous window, which the report's allocations can
	// make) enters on this CPU's exception stack again, from its top, and
	// would write over a frame left there. clkTrap may redirect the copy.
	CALL_ON_GSIGNAL(runtime·clkTrap(SB))
	JMP	resume
notls:
	// Give the ABI wrapper of clkTrapEarly a TLS slot that reads as g == nil.
	LEAQ	clkEarlyTLS<>+8(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_msrFSBase, CX
	WRMSR
early:
	MOVQ	BX, SP
	SUBQ	$16, SP
	ANDQ	$~15, SP
	MOVQ	BX, 0(SP)
	CALL	runtime·clkTrapEarly(SB)
hang:
	CLI
	HLT
	JMP	hang

GLOBL	clkEarlyTLS<>(SB), NOPTR, $16
