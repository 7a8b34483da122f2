// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Interrupt and exception entry. Every IDT vector has a stub that pushes an
// error code (0 where the CPU pushes none) and its vector number, so that
// both entry paths see the same frame; see clkTrapFrame.
//
// Interrupts (vectors 32 and up) run no Go code: clkIntrEntry latches the
// vector in clkIRQPending, counts it, bumps clkIRQSeq, signals end of
// interrupt to the local APIC and returns. Goroutines learn of the interrupt
// from the netpoller (netpoll_clk.go).
//
// Exceptions (vectors 0-31) go to clkTrapEntry, which saves every general
// register, resolves first touches of demand-zero memory, and otherwise
// calls clkTrap on the M's gsignal stack.
//
// All stubs run on an IST stack with interrupts off (interrupt gates).

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"

#define MSR_FS_BASE 0xc0000100

// SAVE_REGS pushes the general registers in the order clkTrapFrame lists
// them in reverse; RESTORE_REGS_IRET pops them, drops the vector and error
// code, and returns from the interrupt.
#define SAVE_REGS \
	PUSHQ AX; PUSHQ BX; PUSHQ CX; PUSHQ DX; PUSHQ SI; PUSHQ DI; PUSHQ BP; \
	PUSHQ R8; PUSHQ R9; PUSHQ R10; PUSHQ R11; PUSHQ R12; PUSHQ R13; PUSHQ R14; PUSHQ R15
#define RESTORE_REGS_IRET \
	POPQ R15; POPQ R14; POPQ R13; POPQ R12; POPQ R11; POPQ R10; POPQ R9; POPQ R8; \
	POPQ BP; POPQ DI; POPQ SI; POPQ DX; POPQ CX; POPQ BX; POPQ AX; \
	ADDQ $16, SP; IRETQ

TEXT clkIntrEntry<>(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	MOVQ	16(SP), AX	// vector
	CMPQ	AX, $const_clkVecSpurious
	JEQ	out
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
	TESTQ	$3, 24(SP)	// the saved CS: taken in ring 3?
	JNZ	user
	ADDQ	$16, SP	// vector and error code
	IRETQ
user:
	SAVE_REGS
	JMP	runtime·clkUserExit(SB)

// clkTickEntry is clkIntrEntry for the timer vector, plus the preemption
// check. Like a signal delivery it saves the general registers and the SSE
// state and runs clkTick(frame, g) on the M's gsignal stack. The frame is
// first copied from the CPU's interrupt stack to the top of the gsignal
// stack: clkTick may switch this CPU to another thread (clkTickYield), and
// the interrupt stack belongs to the CPU, the gsignal stack to the M. The
// stub then returns from the copy, through the (possibly redirected) frame.
//
// gsignal stack, from its top down: the frame copy (clkFrameSize bytes),
// then, 16-byte aligned: 0(SP) and 8(SP) the arguments, 16(SP) the frame,
// 24(SP) the interrupted g, 32(SP) the 512-byte FXSAVE area.
#define clkFrameWords 22
#define clkFrameSize (clkFrameWords*8)
#define GSIG_LOCALS (32+512)

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
	TESTQ	$3, (18*8)(SP); \
	JZ	kernel; \
	JMP	runtime·clkUserExit(SB); \
kernel: \
	CLD; \
	MOVL	$MSR_FS_BASE, CX; \
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
	MOVQ	(g_stack+stack_hi)(DX), DI; \
	ANDQ	$~15, DI; \
	SUBQ	$clkFrameSize, DI; \
	MOVQ	DI, BX; \
	MOVQ	SP, SI; \
	MOVQ	$clkFrameWords, CX; \
	REP;	MOVSQ; \
	MOVQ	BX, SP; \
	SUBQ	$GSIG_LOCALS, SP; \
	ANDQ	$~15, SP; \
	FXSAVE64	32(SP); \
	MOVQ	BX, 16(SP); \
	MOVQ	AX, 24(SP); \
	MOVQ	BX, 0(SP); \
	MOVQ	AX, 8(SP); \
	get_tls(CX); \
	MOVQ	DX, g(CX); \
	MOVQ	DX, R14; \
	CALL	fn; \
	FXRSTOR64	32(SP); \
	get_tls(CX); \
	MOVQ	24(SP), AX; \
	MOVQ	AX, g(CX); \
	MOVQ	16(SP), SP; \
tickdone: RESTORE_REGS_IRET

TEXT clkTickEntry<>(SB),NOSPLIT|NOFRAME,$0
	SIGNAL_LIKE_ENTRY(const_clkVecTimer, runtime·clkTick(SB))

// clkPreemptEntry serves the preemption IPI (preemptM): clkTick's check
// for the goroutine, now instead of at the next tick.
TEXT clkPreemptEntry<>(SB),NOSPLIT|NOFRAME,$0
	SIGNAL_LIKE_ENTRY(const_clkVecPreempt, runtime·clkPreemptIPI(SB))

// clkShootdownEntry serves the TLB shootdown IPI (smp_clk_amd64.go):
// reload CR3, which drops every non-global TLB entry, and tell the
// shooting CPU.
TEXT clkShootdownEntry<>(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	MOVQ	CR3, AX
	// In ring 0 the kernel's own tables do: drop any user space, which
	// may be about to be freed (clkUserSpaceFree). The one ring 3 runs
	// in is alive.
	TESTQ	$3, 40(SP)	// the saved CS
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
	ADDQ	$16, SP	// vector and error code
	IRETQ

// clkTrapEntry saves the general registers and, unless the exception is a
// first touch of demand-zero memory, runs clkTrap(frame, g) on the M's
// gsignal stack with the SSE state saved there too (layout as for the
// tick, without the frame copy: clkTrap never switches threads, so the
// frame stays on the CPU's exception stack).
TEXT clkTrapEntry<>(SB),NOSPLIT|NOFRAME,$0
	TESTQ	$3, 24(SP)	// the saved CS: from ring 3, the thread's goroutine decides
	JZ	kernel
	SAVE_REGS
	JMP	runtime·clkUserExit(SB)
kernel:
	SAVE_REGS
	MOVQ	SP, BX	// the frame
	CLD
	// Without TLS there is no g: report without one.
	MOVL	$MSR_FS_BASE, CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	JZ	notls
	// A page fault in the anonymous window is a first touch: back the
	// page and retry the instruction.
	CMPQ	(15*8)(SP), $14
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
	MOVQ	(g_stack+stack_hi)(DX), SP
	SUBQ	$GSIG_LOCALS, SP
	ANDQ	$~15, SP
	FXSAVE64	32(SP)
	MOVQ	BX, 16(SP)
	MOVQ	AX, 24(SP)
	MOVQ	BX, 0(SP)
	MOVQ	AX, 8(SP)
	MOVQ	DX, g(CX)
	MOVQ	DX, R14
	CALL	runtime·clkTrap(SB)
	// clkTrap returned: resume the frame, which it may have redirected.
	FXRSTOR64	32(SP)
	get_tls(CX)
	MOVQ	24(SP), AX
	MOVQ	AX, g(CX)
	MOVQ	16(SP), SP
	JMP	resume
notls:
	// Give the ABI wrapper of clkTrapEarly a TLS slot that reads as g == nil.
	LEAQ	clkEarlyTLS<>+8(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$MSR_FS_BASE, CX
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

// The pushes are spelled as bytes so that the assembler's stack-depth
// accounting, which reads the 256 stubs as one straight line, stays out.
//
// clkVecBase: 256 stubs, one every clkVecStride bytes, in vector order;
// the IDT entry of vector v points at clkVecBase + v*clkVecStride.
TEXT runtime·clkVecBase(SB),NOSPLIT|NOFRAME,$0
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $1	// PUSHQ $1
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $2	// PUSHQ $2
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $3	// PUSHQ $3
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $4	// PUSHQ $4
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $5	// PUSHQ $5
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $6	// PUSHQ $6
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $7	// PUSHQ $7
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $8	// PUSHQ $8
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $9	// PUSHQ $9
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $10	// PUSHQ $10
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $11	// PUSHQ $11
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $12	// PUSHQ $12
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $13	// PUSHQ $13
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $14	// PUSHQ $14
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $15	// PUSHQ $15
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $16	// PUSHQ $16
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $17	// PUSHQ $17
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $18	// PUSHQ $18
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $19	// PUSHQ $19
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $20	// PUSHQ $20
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $21	// PUSHQ $21
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $22	// PUSHQ $22
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $23	// PUSHQ $23
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $24	// PUSHQ $24
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $25	// PUSHQ $25
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $26	// PUSHQ $26
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $27	// PUSHQ $27
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $28	// PUSHQ $28
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $29	// PUSHQ $29
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $30	// PUSHQ $30
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $31	// PUSHQ $31
	JMP	clkTrapEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $32	// PUSHQ $32
	JMP	clkTickEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $33	// PUSHQ $33
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $34	// PUSHQ $34
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $35	// PUSHQ $35
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $36	// PUSHQ $36
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $37	// PUSHQ $37
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $38	// PUSHQ $38
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $39	// PUSHQ $39
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $40	// PUSHQ $40
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $41	// PUSHQ $41
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $42	// PUSHQ $42
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $43	// PUSHQ $43
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $44	// PUSHQ $44
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $45	// PUSHQ $45
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $46	// PUSHQ $46
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $47	// PUSHQ $47
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $48	// PUSHQ $48
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $49	// PUSHQ $49
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $50	// PUSHQ $50
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $51	// PUSHQ $51
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $52	// PUSHQ $52
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $53	// PUSHQ $53
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $54	// PUSHQ $54
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $55	// PUSHQ $55
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $56	// PUSHQ $56
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $57	// PUSHQ $57
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $58	// PUSHQ $58
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $59	// PUSHQ $59
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $60	// PUSHQ $60
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $61	// PUSHQ $61
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $62	// PUSHQ $62
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $63	// PUSHQ $63
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $64	// PUSHQ $64
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $65	// PUSHQ $65
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $66	// PUSHQ $66
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $67	// PUSHQ $67
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $68	// PUSHQ $68
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $69	// PUSHQ $69
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $70	// PUSHQ $70
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $71	// PUSHQ $71
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $72	// PUSHQ $72
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $73	// PUSHQ $73
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $74	// PUSHQ $74
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $75	// PUSHQ $75
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $76	// PUSHQ $76
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $77	// PUSHQ $77
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $78	// PUSHQ $78
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $79	// PUSHQ $79
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $80	// PUSHQ $80
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $81	// PUSHQ $81
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $82	// PUSHQ $82
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $83	// PUSHQ $83
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $84	// PUSHQ $84
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $85	// PUSHQ $85
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $86	// PUSHQ $86
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $87	// PUSHQ $87
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $88	// PUSHQ $88
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $89	// PUSHQ $89
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $90	// PUSHQ $90
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $91	// PUSHQ $91
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $92	// PUSHQ $92
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $93	// PUSHQ $93
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $94	// PUSHQ $94
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $95	// PUSHQ $95
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $96	// PUSHQ $96
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $97	// PUSHQ $97
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $98	// PUSHQ $98
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $99	// PUSHQ $99
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $100	// PUSHQ $100
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $101	// PUSHQ $101
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $102	// PUSHQ $102
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $103	// PUSHQ $103
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $104	// PUSHQ $104
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $105	// PUSHQ $105
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $106	// PUSHQ $106
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $107	// PUSHQ $107
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $108	// PUSHQ $108
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $109	// PUSHQ $109
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $110	// PUSHQ $110
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $111	// PUSHQ $111
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $112	// PUSHQ $112
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $113	// PUSHQ $113
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $114	// PUSHQ $114
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $115	// PUSHQ $115
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $116	// PUSHQ $116
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $117	// PUSHQ $117
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $118	// PUSHQ $118
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $119	// PUSHQ $119
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $120	// PUSHQ $120
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $121	// PUSHQ $121
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $122	// PUSHQ $122
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $123	// PUSHQ $123
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $124	// PUSHQ $124
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $125	// PUSHQ $125
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $126	// PUSHQ $126
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x6a; BYTE $127	// PUSHQ $127
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $128	// PUSHQ $128
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $129	// PUSHQ $129
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $130	// PUSHQ $130
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $131	// PUSHQ $131
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $132	// PUSHQ $132
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $133	// PUSHQ $133
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $134	// PUSHQ $134
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $135	// PUSHQ $135
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $136	// PUSHQ $136
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $137	// PUSHQ $137
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $138	// PUSHQ $138
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $139	// PUSHQ $139
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $140	// PUSHQ $140
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $141	// PUSHQ $141
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $142	// PUSHQ $142
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $143	// PUSHQ $143
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $144	// PUSHQ $144
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $145	// PUSHQ $145
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $146	// PUSHQ $146
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $147	// PUSHQ $147
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $148	// PUSHQ $148
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $149	// PUSHQ $149
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $150	// PUSHQ $150
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $151	// PUSHQ $151
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $152	// PUSHQ $152
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $153	// PUSHQ $153
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $154	// PUSHQ $154
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $155	// PUSHQ $155
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $156	// PUSHQ $156
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $157	// PUSHQ $157
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $158	// PUSHQ $158
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $159	// PUSHQ $159
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $160	// PUSHQ $160
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $161	// PUSHQ $161
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $162	// PUSHQ $162
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $163	// PUSHQ $163
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $164	// PUSHQ $164
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $165	// PUSHQ $165
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $166	// PUSHQ $166
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $167	// PUSHQ $167
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $168	// PUSHQ $168
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $169	// PUSHQ $169
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $170	// PUSHQ $170
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $171	// PUSHQ $171
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $172	// PUSHQ $172
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $173	// PUSHQ $173
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $174	// PUSHQ $174
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $175	// PUSHQ $175
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $176	// PUSHQ $176
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $177	// PUSHQ $177
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $178	// PUSHQ $178
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $179	// PUSHQ $179
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $180	// PUSHQ $180
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $181	// PUSHQ $181
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $182	// PUSHQ $182
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $183	// PUSHQ $183
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $184	// PUSHQ $184
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $185	// PUSHQ $185
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $186	// PUSHQ $186
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $187	// PUSHQ $187
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $188	// PUSHQ $188
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $189	// PUSHQ $189
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $190	// PUSHQ $190
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $191	// PUSHQ $191
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $192	// PUSHQ $192
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $193	// PUSHQ $193
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $194	// PUSHQ $194
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $195	// PUSHQ $195
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $196	// PUSHQ $196
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $197	// PUSHQ $197
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $198	// PUSHQ $198
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $199	// PUSHQ $199
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $200	// PUSHQ $200
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $201	// PUSHQ $201
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $202	// PUSHQ $202
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $203	// PUSHQ $203
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $204	// PUSHQ $204
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $205	// PUSHQ $205
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $206	// PUSHQ $206
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $207	// PUSHQ $207
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $208	// PUSHQ $208
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $209	// PUSHQ $209
	JMP	clkShootdownEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $210	// PUSHQ $210
	JMP	clkPreemptEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $211	// PUSHQ $211
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $212	// PUSHQ $212
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $213	// PUSHQ $213
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $214	// PUSHQ $214
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $215	// PUSHQ $215
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $216	// PUSHQ $216
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $217	// PUSHQ $217
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $218	// PUSHQ $218
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $219	// PUSHQ $219
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $220	// PUSHQ $220
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $221	// PUSHQ $221
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $222	// PUSHQ $222
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $223	// PUSHQ $223
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $224	// PUSHQ $224
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $225	// PUSHQ $225
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $226	// PUSHQ $226
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $227	// PUSHQ $227
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $228	// PUSHQ $228
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $229	// PUSHQ $229
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $230	// PUSHQ $230
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $231	// PUSHQ $231
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $232	// PUSHQ $232
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $233	// PUSHQ $233
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $234	// PUSHQ $234
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $235	// PUSHQ $235
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $236	// PUSHQ $236
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $237	// PUSHQ $237
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $238	// PUSHQ $238
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $239	// PUSHQ $239
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $240	// PUSHQ $240
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $241	// PUSHQ $241
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $242	// PUSHQ $242
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $243	// PUSHQ $243
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $244	// PUSHQ $244
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $245	// PUSHQ $245
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $246	// PUSHQ $246
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $247	// PUSHQ $247
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $248	// PUSHQ $248
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $249	// PUSHQ $249
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $250	// PUSHQ $250
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $251	// PUSHQ $251
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $252	// PUSHQ $252
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $253	// PUSHQ $253
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $254	// PUSHQ $254
	JMP	clkIntrEntry<>(SB)
	PCALIGN	$16
	BYTE	$0x6a; BYTE $0	// PUSHQ $0
	BYTE	$0x68; LONG $255	// PUSHQ $255
	JMP	clkIntrEntry<>(SB)
