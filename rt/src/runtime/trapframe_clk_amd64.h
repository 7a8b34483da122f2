// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Building and unwinding a clkTrapFrame (trap_clk_amd64.go) on the stack.
// Include after go_asm.h: every offset is the compiler's (clkTrapFrame_*),
// so the Go type is the one definition of the layout.
//
// The frame's tail is not ours to order: the vector stub pushes the error
// code and the vector, and below them the CPU pushed RIP, CS, RFLAGS, RSP
// and SS; trap_clk_amd64.go checks at compile time that the type agrees.

// SAVE_REGS turns the stub's stack, SP at the vector, into a whole frame:
// it makes room for the general registers below the vector and stores
// them. SP then points at the frame. Flags are clobbered (the CPU saved
// RFLAGS in the frame).
#define SAVE_REGS \
	SUBQ	$clkTrapFrame_vector, SP; \
	MOVQ	AX, clkTrapFrame_rax(SP); \
	MOVQ	BX, clkTrapFrame_rbx(SP); \
	MOVQ	CX, clkTrapFrame_rcx(SP); \
	MOVQ	DX, clkTrapFrame_rdx(SP); \
	MOVQ	SI, clkTrapFrame_rsi(SP); \
	MOVQ	DI, clkTrapFrame_rdi(SP); \
	MOVQ	BP, clkTrapFrame_rbp(SP); \
	MOVQ	R8, clkTrapFrame_r8(SP); \
	MOVQ	R9, clkTrapFrame_r9(SP); \
	MOVQ	R10, clkTrapFrame_r10(SP); \
	MOVQ	R11, clkTrapFrame_r11(SP); \
	MOVQ	R12, clkTrapFrame_r12(SP); \
	MOVQ	R13, clkTrapFrame_r13(SP); \
	MOVQ	R14, clkTrapFrame_r14(SP); \
	MOVQ	R15, clkTrapFrame_r15(SP)

// RESTORE_REGS_IRET resumes the frame at SP: it loads the general
// registers, drops everything below the CPU's part and returns from the
// interrupt.
#define RESTORE_REGS_IRET \
	MOVQ	clkTrapFrame_r15(SP), R15; \
	MOVQ	clkTrapFrame_r14(SP), R14; \
	MOVQ	clkTrapFrame_r13(SP), R13; \
	MOVQ	clkTrapFrame_r12(SP), R12; \
	MOVQ	clkTrapFrame_r11(SP), R11; \
	MOVQ	clkTrapFrame_r10(SP), R10; \
	MOVQ	clkTrapFrame_r9(SP), R9; \
	MOVQ	clkTrapFrame_r8(SP), R8; \
	MOVQ	clkTrapFrame_rbp(SP), BP; \
	MOVQ	clkTrapFrame_rdi(SP), DI; \
	MOVQ	clkTrapFrame_rsi(SP), SI; \
	MOVQ	clkTrapFrame_rdx(SP), DX; \
	MOVQ	clkTrapFrame_rcx(SP), CX; \
	MOVQ	clkTrapFrame_rbx(SP), BX; \
	MOVQ	clkTrapFrame_rax(SP), AX; \
	ADDQ	$clkTrapFrame_rip, SP; \
	IRETQ
