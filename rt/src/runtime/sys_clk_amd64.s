// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Privileged instructions for the clk runtime. Unless noted, each routine is
// an ABI0 leaf: arguments on the stack as declared in stubs_clk_amd64.go,
// any general register clobbered, interrupts left as they were.

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"

// settls(DI) points FS at the M's TLS block; g lives at -8(FS) as in ELF TLS.
TEXT runtime·settls(SB),NOSPLIT,$0
	ADDQ	$8, DI
	CMPB	runtime·clkUserMode(SB), $0
	JEQ	kernel
	// A user program asks the kernel (thread_set_fs).
	MOVQ	$const_clkSysThreadSetFS, AX
	SYSCALL
	RET
kernel:
	MOVQ	DI, AX
	MOVQ	DI, DX
	SHRQ	$32, DX
	MOVL	$const_msrFSBase, CX
	WRMSR
	RET

TEXT runtime·clkInb(SB),NOSPLIT,$0-9
	MOVW	port+0(FP), DX
	INB
	MOVB	AX, ret+8(FP)
	RET

TEXT runtime·clkOutb(SB),NOSPLIT,$0-3
	MOVW	port+0(FP), DX
	MOVB	v+2(FP), AX
	OUTB
	RET

TEXT runtime·clkOutl(SB),NOSPLIT,$0-8
	MOVW	port+0(FP), DX
	MOVL	v+4(FP), AX
	OUTL
	RET

TEXT runtime·clkRdtsc(SB),NOSPLIT,$0-8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT runtime·clkRdmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+8(FP)
	RET

TEXT runtime·clkWrmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	MOVQ	v+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	RET

TEXT runtime·clkCpuid(SB),NOSPLIT,$0-24
	MOVL	eax+0(FP), AX
	MOVL	ecx+4(FP), CX
	CPUID
	MOVL	AX, a+8(FP)
	MOVL	BX, b+12(FP)
	MOVL	CX, c+16(FP)
	MOVL	DX, d+20(FP)
	RET

// clkRdrand: RDRAND RAX sets CF when the value is valid.
TEXT runtime·clkRdrand(SB),NOSPLIT,$0-9
	BYTE	$0x48; BYTE $0x0f; BYTE $0xc7; BYTE $0xf0 // RDRAND AX
	SETCS	BX
	MOVQ	AX, v+0(FP)
	MOVB	BX, ok+8(FP)
	RET

TEXT runtime·clkReadCR0(SB),NOSPLIT,$0-8
	MOVQ	CR0, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT runtime·clkReadCR2(SB),NOSPLIT,$0-8
	MOVQ	CR2, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT runtime·clkReadCR3(SB),NOSPLIT,$0-8
	MOVQ	CR3, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT runtime·clkReadCR4(SB),NOSPLIT,$0-8
	MOVQ	CR4, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT runtime·clkWriteCR4(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR4
	RET

TEXT runtime·clkWriteCR3(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR3
	RET

TEXT runtime·clkInvlpg(SB),NOSPLIT,$0-8
	MOVQ	va+0(FP), AX
	INVLPG	(AX)
	RET

// clkLoadGDT loads the GDT and reloads CS, DS, ES and SS from it. FS and GS
// are left alone: reloading FS would reset the FS base that holds g.
// The pseudo-descriptor is built in clkDescPtr; callers run one at a time
// (boot, or a CPU coming up).
TEXT runtime·clkLoadGDT(SB),NOSPLIT|NOFRAME,$0-10
	MOVQ	base+0(FP), AX
	MOVW	limit+8(FP), BX
	MOVW	BX, runtime·clkDescPtr(SB)
	MOVQ	AX, runtime·clkDescPtr+2(SB)
	LGDT	runtime·clkDescPtr(SB)
	MOVQ	$const_clkKernelDS, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	// Return to the caller by a far return, which reloads CS.
	POPQ	AX
	PUSHQ	$const_clkKernelCS
	PUSHQ	AX
	BYTE	$0x48; BYTE $0xcb // LRETQ

TEXT runtime·clkLoadIDT(SB),NOSPLIT|NOFRAME,$0-10
	MOVQ	base+0(FP), AX
	MOVW	limit+8(FP), BX
	MOVW	BX, runtime·clkDescPtr(SB)
	MOVQ	AX, runtime·clkDescPtr+2(SB)
	LIDT	runtime·clkDescPtr(SB)
	RET

TEXT runtime·clkLoadTR(SB),NOSPLIT,$0-2
	MOVW	sel+0(FP), AX
	LTR	AX
	RET

TEXT runtime·clkSti(SB),NOSPLIT,$0
	STI
	RET

TEXT runtime·clkCli(SB),NOSPLIT,$0
	CLI
	RET

TEXT runtime·clkHlt(SB),NOSPLIT,$0
	HLT
	RET

TEXT runtime·clkPause(SB),NOSPLIT,$0
	PAUSE
	RET

// clkHaltUntilInterrupt(seq *uint32, old uint32): STI takes effect after
// the next instruction, so no interrupt can slip in between the check and
// the HLT and leave the CPU asleep with work to do.
TEXT runtime·clkHaltUntilInterrupt(SB),NOSPLIT,$0-12
	MOVQ	seq+0(FP), AX
	MOVL	old+8(FP), BX
	CLI
	CMPL	(AX), BX
	JNE	done
	STI
	HLT
	RET
done:
	STI
	RET

// clkSwitch(from, to *clkThread) saves the flags, SP and BP in from, loads
// to's FS base and stack, and returns on to's stack with to's flags: into
// to's own earlier call of clkSwitch, or into clkThreadStart or
// clkIdleStart for a new thread. Interrupts are off in between, so that
// no tick sees one thread's TLS on another's stack.
TEXT runtime·clkSwitch(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	from+0(FP), AX
	MOVQ	to+8(FP), BX
	PUSHFQ
	CLI
	MOVQ	SP, clkThread_sp(AX)
	MOVQ	BP, clkThread_bp(AX)
	MOVQ	clkThread_fsbase(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_msrFSBase, CX
	WRMSR
	MOVQ	clkThread_bp(BX), BP
	MOVQ	clkThread_sp(BX), SP
	POPFQ
	RET

// clkThreadStart: 0(SP) is the new thread's *m. FS already points at its
// TLS. Make g0 current, finish the switch, and run mstart, which never
// returns.
TEXT runtime·clkThreadStart(SB),NOSPLIT|NOFRAME|TOPFRAME,$0
	MOVQ	0(SP), AX
	MOVQ	m_g0(AX), DX
	get_tls(CX)
	MOVQ	DX, g(CX)
	MOVQ	DX, R14
	MOVQ	$0, BP
	CALL	runtime·clkThreadBegin(SB)
	CALL	runtime·mstart(SB)
	CALL	runtime·abort(SB)
	RET

TEXT runtime·clkIntrSave(SB),NOSPLIT,$0-8
	PUSHFQ
	POPQ	AX
	CLI
	MOVQ	AX, ret+0(FP)
	RET

TEXT runtime·clkIntrRestore(SB),NOSPLIT,$0-8
	MOVQ	flags+0(FP), AX
	TESTQ	$0x200, AX	// IF
	JZ	off
	STI
off:
	RET
