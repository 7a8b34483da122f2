// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Entering and leaving ring 3; see ring3_clk_amd64.go.

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"

#define MSR_FS_BASE 0xc0000100
#define FRAME_WORDS 22
#define FRAME_SIZE (FRAME_WORDS*8)

// Offsets in clkTrapFrame.
#define F_RAX 112
#define F_VECTOR 120
#define F_ERRCODE 128
#define F_RIP 136
#define F_CS 144
#define F_RFLAGS 152
#define F_RSP 160
#define F_SS 168

// Loads and stores through GS, which the Go assembler does not spell:
// GS_CTX_DI is MOVQ GS:0, DI (clkUserCPU.ctx); GS_SI_CTX is MOVQ SI, GS:0;
// GS_DI_SCRATCH is MOVQ DI, GS:8 and GS_SCRATCH_AX is MOVQ GS:8, AX.
#define GS_CTX_DI BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x3c; BYTE $0x25; LONG $0
#define GS_SI_CTX BYTE $0x65; BYTE $0x48; BYTE $0x89; BYTE $0x34; BYTE $0x25; LONG $0
#define GS_DI_SCRATCH BYTE $0x65; BYTE $0x48; BYTE $0x89; BYTE $0x3c; BYTE $0x25; LONG $8
#define GS_SCRATCH_AX BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25; LONG $8
// GS_FPU_AX is MOVQ GS:16, AX and GS_SI_FPU MOVQ SI, GS:16 (clkUserCPU.fpu).
#define GS_FPU_AX BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25; LONG $16
#define GS_SI_FPU BYTE $0x65; BYTE $0x48; BYTE $0x89; BYTE $0x34; BYTE $0x25; LONG $16

// The FXSAVE area's MXCSR field.
#define FX_MXCSR 24

// func clkUserRun(ctx *clkUserCtx) uint64
//
// Interrupts go off here and come back on in clkUserReturn, where the
// goroutine's stack, BP and FS base are restored: in between nothing may
// see this CPU half switched.
TEXT runtime·clkUserRun(SB),NOSPLIT,$0-16
	MOVQ	ctx+0(FP), SI
	CLI
	MOVQ	SP, clkUserCtx_ksp(SI)
	MOVQ	BP, clkUserCtx_kbp(SI)
	// Save the kernel's FS base, which points into the M's TLS block
	// (settls), and load the user's.
	get_tls(CX)
	MOVQ	g(CX), AX
	MOVQ	g_m(AX), AX
	LEAQ	(m_tls+8)(AX), AX
	MOVQ	AX, clkUserCtx_kfs(SI)
	MOVL	$MSR_FS_BASE, CX
	MOVQ	clkUserCtx_fsbase(SI), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	// Its address space, unless already loaded.
	MOVQ	clkUserCtx_cr3(SI), AX
	MOVQ	CR3, BX
	CMPQ	AX, BX
	JEQ	loaded
	MOVQ	AX, CR3
loaded:
	// The FPU: restore all of it unless the thread left by SYSCALL and
	// this CPU's x87 state is still its own; then only clear the vector
	// registers (the kernel's data) and restore MXCSR.
	LEAQ	(clkUserCtx_fx+15)(SI), DI
	ANDQ	$~15, DI
	SWAPGS
	GS_SI_CTX
	GS_FPU_AX
	GS_SI_FPU
	SWAPGS
	CMPQ	clkUserCtx_fxvalid(SI), $0
	JNE	fxfull
	CMPQ	AX, SI
	JNE	fxfull
	PXOR	X0, X0; PXOR X1, X1; PXOR X2, X2; PXOR X3, X3
	PXOR	X4, X4; PXOR X5, X5; PXOR X6, X6; PXOR X7, X7
	PXOR	X8, X8; PXOR X9, X9; PXOR X10, X10; PXOR X11, X11
	PXOR	X12, X12; PXOR X13, X13; PXOR X14, X14; PXOR X15, X15
	LDMXCSR	FX_MXCSR(DI)
	JMP	fxdone
fxfull:
	FXRSTOR64	(DI)
fxdone:
	// After a SYSCALL, return with SYSRET: RCX and R11 are the
	// syscall's to clobber, and RIP follows a SYSCALL instruction, so it
	// is canonical.
	CMPQ	F_VECTOR(SI), $const_clkVecSyscall
	JEQ	sysret
	// Otherwise copy the frame to this stack, with ring 3's selectors
	// and flags ring 3 may have, and return into it.
	SUBQ	$FRAME_SIZE, SP
	MOVQ	SP, DI
	MOVQ	$FRAME_WORDS, CX
	CLD
	REP;	MOVSQ
	MOVQ	$const_clkUserCS, F_CS(SP)
	MOVQ	$const_clkUserDS, F_SS(SP)
	MOVQ	F_RFLAGS(SP), AX
	ANDQ	$const_rflagsUser, AX
	ORQ	$const_rflagsAlways, AX
	MOVQ	AX, F_RFLAGS(SP)
	POPQ	R15; POPQ R14; POPQ R13; POPQ R12; POPQ R11; POPQ R10; POPQ R9; POPQ R8
	POPQ	BP; POPQ DI; POPQ SI; POPQ DX; POPQ CX; POPQ BX; POPQ AX
	ADDQ	$16, SP
	IRETQ
sysret:
	MOVQ	F_RIP(SI), CX
	MOVQ	F_RFLAGS(SI), R11
	ANDQ	$const_rflagsUser, R11
	ORQ	$const_rflagsAlways, R11
	MOVQ	0(SI), R15
	MOVQ	8(SI), R14
	MOVQ	16(SI), R13
	MOVQ	24(SI), R12
	MOVQ	40(SI), R10
	MOVQ	48(SI), R9
	MOVQ	56(SI), R8
	MOVQ	64(SI), BP
	MOVQ	72(SI), DI
	MOVQ	88(SI), DX
	MOVQ	104(SI), BX
	MOVQ	F_RAX(SI), AX
	MOVQ	F_RSP(SI), SP
	MOVQ	80(SI), SI
	// SYSRETQ (REX.W 0F 07): the Go assembler's SYSRET is the 32-bit
	// form. Interrupts come back on with R11's IF.
	BYTE	$0x48; BYTE $0x0f; BYTE $0x07

// clkUserExit is where the vector stubs go for an exception or interrupt
// taken in ring 3, with the complete frame (clkTrapFrame) at SP on the
// CPU's interrupt stack and interrupts off: copy it into the thread's
// context and return from clkUserRun.
TEXT runtime·clkUserExit(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	GS_CTX_DI
	SWAPGS
	MOVQ	SP, SI
	MOVQ	$FRAME_WORDS, CX
	CLD
	REP;	MOVSQ
	SUBQ	$FRAME_SIZE, DI
	MOVQ	CR2, AX
	MOVQ	AX, clkUserCtx_cr2(DI)
	LEAQ	(clkUserCtx_fx+15)(DI), AX
	ANDQ	$~15, AX
	FXSAVE64	(AX)
	MOVQ	$1, clkUserCtx_fxvalid(DI)
	JMP	clkUserReturn<>(SB)

// clkSyscallEntry is the SYSCALL target: RCX holds the user's RIP, R11
// its RFLAGS, RSP is still the user's stack and interrupts are off
// (FMASK). Nothing is pushed: the registers go straight into the context.
TEXT runtime·clkSyscallEntry(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	GS_DI_SCRATCH
	GS_CTX_DI
	SWAPGS
	MOVQ	R15, 0(DI)
	MOVQ	R14, 8(DI)
	MOVQ	R13, 16(DI)
	MOVQ	R12, 24(DI)
	MOVQ	R11, 32(DI)
	MOVQ	R10, 40(DI)
	MOVQ	R9, 48(DI)
	MOVQ	R8, 56(DI)
	MOVQ	BP, 64(DI)
	MOVQ	SI, 80(DI)
	MOVQ	DX, 88(DI)
	MOVQ	CX, 96(DI)
	MOVQ	BX, 104(DI)
	MOVQ	AX, F_RAX(DI)
	MOVQ	$const_clkVecSyscall, F_VECTOR(DI)
	MOVQ	$0, F_ERRCODE(DI)
	MOVQ	CX, F_RIP(DI)
	MOVQ	$const_clkUserCS, F_CS(DI)
	MOVQ	R11, F_RFLAGS(DI)
	MOVQ	SP, F_RSP(DI)
	MOVQ	$const_clkUserDS, F_SS(DI)
	SWAPGS
	GS_SCRATCH_AX
	SWAPGS
	MOVQ	AX, 72(DI)	// RDI
	LEAQ	(clkUserCtx_fx+15)(DI), AX
	ANDQ	$~15, AX
	STMXCSR	FX_MXCSR(AX)
	MOVQ	$0, clkUserCtx_fxvalid(DI)
	JMP	clkUserReturn<>(SB)

// clkUserReturn finishes leaving ring 3 for the context at DI, whose FPU
// state is saved: give the kernel its MXCSR, restore its FS base and the
// goroutine's stack, and return the vector from clkUserRun with
// interrupts back on.
TEXT clkUserReturn<>(SB),NOSPLIT|NOFRAME,$0
	LDMXCSR	clkKernelMXCSR<>(SB)
	MOVQ	DI, BX
	MOVQ	clkUserCtx_kfs(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$MSR_FS_BASE, CX
	WRMSR
	MOVQ	clkUserCtx_ksp(BX), SP
	MOVQ	clkUserCtx_kbp(BX), BP
	MOVQ	F_VECTOR(BX), AX
	MOVQ	AX, 16(SP)	// clkUserRun's result
	STI
	RET

// The MXCSR Go code runs with: every exception masked, round to nearest.
DATA	clkKernelMXCSR<>+0(SB)/4, $0x1f80
GLOBL	clkKernelMXCSR<>(SB), RODATA, $4
