// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The kernel entering and leaving ring 3; see enteruser_clk_amd64.go.
// Every offset is the compiler's (go_asm.h): clkUserCtx_*, clkUserCPU_*
// and, for the frame at the start of a context, clkTrapFrame_*.

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"
#include "trapframe_clk_amd64.h"

// Loads and stores through GS, which the Go assembler does not spell:
// GS_CTX_DI is MOVQ GS:clkUserCPU_ctx, DI; GS_SI_CTX is the store of SI
// there; GS_DI_SCRATCH is MOVQ DI, GS:clkUserCPU_scratch and
// GS_SCRATCH_AX the load of AX from there; GS_FPU_AX is MOVQ
// GS:clkUserCPU_fpu, AX and GS_BX_FPU the store of BX there.
#define GS_CTX_DI BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x3c; BYTE $0x25; LONG $clkUserCPU_ctx
#define GS_SI_CTX BYTE $0x65; BYTE $0x48; BYTE $0x89; BYTE $0x34; BYTE $0x25; LONG $clkUserCPU_ctx
#define GS_DI_SCRATCH BYTE $0x65; BYTE $0x48; BYTE $0x89; BYTE $0x3c; BYTE $0x25; LONG $clkUserCPU_scratch
#define GS_SCRATCH_AX BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25; LONG $clkUserCPU_scratch
#define GS_FPU_AX BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25; LONG $clkUserCPU_fpu
#define GS_BX_FPU BYTE $0x65; BYTE $0x48; BYTE $0x89; BYTE $0x1c; BYTE $0x25; LONG $clkUserCPU_fpu

// The MXCSR field of the FXSAVE area, which is also the legacy region of
// the XSAVE area (Intel SDM Vol. 1, table 10-2 and 13.4.1).
#define FX_MXCSR 24

// func clkUserRun(ctx *clkUserCtx) uint64
//
// Interrupts go off here and come back on when ring 3 has been left again:
// in between nothing may see this CPU half switched. clkUserGo enters ring
// 3 and never returns by itself; the exit paths (clkUserReturn) resume at
// its return address with the goroutine's stack, BP and FS base restored
// and the vector in AX.
TEXT runtime·clkUserRun(SB),NOSPLIT,$0-16
	MOVQ	ctx+0(FP), SI
	CLI
	CALL	clkUserGo<>(SB)
	MOVQ	AX, ret+8(FP)
	STI
	RET

// clkUserGo loads the context at SI and returns to ring 3 in it. It runs
// on the goroutine's stack with interrupts off; its SP, which points at
// the return address into clkUserRun, is what the exit paths restore.
TEXT clkUserGo<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	SP, clkUserCtx_ksp(SI)
	MOVQ	BP, clkUserCtx_kbp(SI)
	// Save the kernel's FS base, which points into the M's TLS block
	// (settls), and load the user's.
	get_tls(CX)
	MOVQ	g(CX), AX
	MOVQ	g_m(AX), AX
	LEAQ	(m_tls+8)(AX), AX
	MOVQ	AX, clkUserCtx_kfs(SI)
	MOVL	$const_msrFSBase, CX
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
	// this CPU's x87 state is still its own (the CPU's owner is its
	// fpuid, which no other context ever has); then only clear the
	// vector registers (the kernel's data), all 256 bits of each with
	// AVX on, and restore MXCSR.
	LEAQ	(clkUserCtx_fx+63)(SI), DI
	ANDQ	$~63, DI
	MOVQ	clkUserCtx_fpuid(SI), BX
	SWAPGS
	GS_SI_CTX
	GS_FPU_AX
	GS_BX_FPU
	SWAPGS
	CMPQ	clkUserCtx_fxvalid(SI), $0
	JNE	fxfull
	CMPQ	AX, BX
	JNE	fxfull
	CMPB	runtime·clkXSave(SB), $0
	JEQ	sse
	VZEROALL
	JMP	mxcsr
sse:
	PXOR	X0, X0; PXOR X1, X1; PXOR X2, X2; PXOR X3, X3
	PXOR	X4, X4; PXOR X5, X5; PXOR X6, X6; PXOR X7, X7
	PXOR	X8, X8; PXOR X9, X9; PXOR X10, X10; PXOR X11, X11
	PXOR	X12, X12; PXOR X13, X13; PXOR X14, X14; PXOR X15, X15
mxcsr:
	LDMXCSR	FX_MXCSR(DI)
	JMP	fxdone
fxfull:
	CALL	runtime·clkFPURestore(SB)	// the area at DI; SI survives
fxdone:
	// After a SYSCALL, return with SYSRET: RCX and R11 are the
	// syscall's to clobber, and RIP follows a SYSCALL instruction, so it
	// is canonical.
	CMPQ	(clkUserCtx_frame+clkTrapFrame_vector)(SI), $const_clkVecSyscall
	JEQ	sysret
	// Otherwise copy the frame to this stack, with ring 3's selectors
	// and flags ring 3 may have, and return into it.
	SUBQ	$clkTrapFrame__size, SP
	MOVQ	SP, DI
	ADDQ	$clkUserCtx_frame, SI
	MOVQ	$(clkTrapFrame__size/8), CX
	CLD
	REP;	MOVSQ
	MOVQ	$const_clkUserCS, clkTrapFrame_cs(SP)
	MOVQ	$const_clkUserDS, clkTrapFrame_ss(SP)
	MOVQ	clkTrapFrame_rflags(SP), AX
	ANDQ	$const_rflagsUser, AX
	ORQ	$const_rflagsAlways, AX
	MOVQ	AX, clkTrapFrame_rflags(SP)
	RESTORE_REGS_IRET
sysret:
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rip)(SI), CX
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rflags)(SI), R11
	ANDQ	$const_rflagsUser, R11
	ORQ	$const_rflagsAlways, R11
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r15)(SI), R15
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r14)(SI), R14
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r13)(SI), R13
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r12)(SI), R12
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r10)(SI), R10
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r9)(SI), R9
	MOVQ	(clkUserCtx_frame+clkTrapFrame_r8)(SI), R8
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rbp)(SI), BP
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rdi)(SI), DI
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rdx)(SI), DX
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rbx)(SI), BX
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rax)(SI), AX
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rsp)(SI), SP
	MOVQ	(clkUserCtx_frame+clkTrapFrame_rsi)(SI), SI
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
	ADDQ	$clkUserCtx_frame, DI
	MOVQ	SP, SI
	MOVQ	$(clkTrapFrame__size/8), CX
	CLD
	REP;	MOVSQ
	SUBQ	$(clkUserCtx_frame+clkTrapFrame__size), DI
	MOVQ	CR2, AX
	MOVQ	AX, clkUserCtx_cr2(DI)
	MOVQ	DI, BX
	LEAQ	(clkUserCtx_fx+63)(BX), DI
	ANDQ	$~63, DI
	CALL	runtime·clkFPUSave(SB)	// below the frame, on the interrupt stack
	MOVQ	BX, DI
	MOVQ	$1, clkUserCtx_fxvalid(DI)
	// Ring 3 may have set RFLAGS.AC, which an exception or interrupt
	// keeps and which would lift SMAP for the kernel: clear it, on this
	// CPU's interrupt stack, never the user's. POPFQ keeps IF off.
	// (SYSCALL clears it through FMASK: the syscall exit need not.)
	PUSHFQ
	ANDQ	$~const_rflagsAC, (SP)
	POPFQ
	JMP	clkUserReturn<>(SB)

// clkSyscallEntry is the SYSCALL target: RCX holds the user's RIP, R11
// its RFLAGS, RSP is still the user's stack and interrupts are off
// (FMASK). Nothing is pushed: the registers go straight into the context.
TEXT runtime·clkSyscallEntry(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	GS_DI_SCRATCH
	GS_CTX_DI
	SWAPGS
	MOVQ	R15, (clkUserCtx_frame+clkTrapFrame_r15)(DI)
	MOVQ	R14, (clkUserCtx_frame+clkTrapFrame_r14)(DI)
	MOVQ	R13, (clkUserCtx_frame+clkTrapFrame_r13)(DI)
	MOVQ	R12, (clkUserCtx_frame+clkTrapFrame_r12)(DI)
	MOVQ	R11, (clkUserCtx_frame+clkTrapFrame_r11)(DI)
	MOVQ	R10, (clkUserCtx_frame+clkTrapFrame_r10)(DI)
	MOVQ	R9, (clkUserCtx_frame+clkTrapFrame_r9)(DI)
	MOVQ	R8, (clkUserCtx_frame+clkTrapFrame_r8)(DI)
	MOVQ	BP, (clkUserCtx_frame+clkTrapFrame_rbp)(DI)
	MOVQ	SI, (clkUserCtx_frame+clkTrapFrame_rsi)(DI)
	MOVQ	DX, (clkUserCtx_frame+clkTrapFrame_rdx)(DI)
	MOVQ	CX, (clkUserCtx_frame+clkTrapFrame_rcx)(DI)
	MOVQ	BX, (clkUserCtx_frame+clkTrapFrame_rbx)(DI)
	MOVQ	AX, (clkUserCtx_frame+clkTrapFrame_rax)(DI)
	MOVQ	$const_clkVecSyscall, (clkUserCtx_frame+clkTrapFrame_vector)(DI)
	MOVQ	$0, (clkUserCtx_frame+clkTrapFrame_errcode)(DI)
	MOVQ	CX, (clkUserCtx_frame+clkTrapFrame_rip)(DI)
	MOVQ	$const_clkUserCS, (clkUserCtx_frame+clkTrapFrame_cs)(DI)
	MOVQ	R11, (clkUserCtx_frame+clkTrapFrame_rflags)(DI)
	MOVQ	SP, (clkUserCtx_frame+clkTrapFrame_rsp)(DI)
	MOVQ	$const_clkUserDS, (clkUserCtx_frame+clkTrapFrame_ss)(DI)
	SWAPGS
	GS_SCRATCH_AX
	SWAPGS
	MOVQ	AX, (clkUserCtx_frame+clkTrapFrame_rdi)(DI)
	LEAQ	(clkUserCtx_fx+63)(DI), AX
	ANDQ	$~63, AX
	STMXCSR	FX_MXCSR(AX)
	MOVQ	$0, clkUserCtx_fxvalid(DI)
	JMP	clkUserReturn<>(SB)

// clkUserReturn finishes leaving ring 3 for the context at DI, whose FPU
// state is saved: give the kernel its MXCSR, restore its FS base and the
// goroutine's stack, and return the vector in AX from clkUserGo to
// clkUserRun, with interrupts still off.
TEXT clkUserReturn<>(SB),NOSPLIT|NOFRAME,$0
	LDMXCSR	clkKernelMXCSR<>(SB)
	MOVQ	DI, BX
	MOVQ	clkUserCtx_kfs(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_msrFSBase, CX
	WRMSR
	MOVQ	clkUserCtx_ksp(BX), SP
	MOVQ	clkUserCtx_kbp(BX), BP
	MOVQ	(clkUserCtx_frame+clkTrapFrame_vector)(BX), AX
	RET

// The MXCSR Go code runs with: every exception masked, round to nearest.
DATA	clkKernelMXCSR<>+0(SB)/4, $0x1f80
GLOBL	clkKernelMXCSR<>(SB), RODATA, $4
