// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The user personality's entry points; see userpersonality_clk_amd64.go.

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"

// _rt0_amd64_clk_user is a user program's first instruction. The kernel
// starts it as System V does a static program: RSP at argc, then argv,
// envp and an auxiliary vector.
TEXT _rt0_amd64_clk_user(SB),NOSPLIT|NOFRAME,$0
	MOVB	$1, runtime·clkUserMode(SB)
	MOVQ	0(SP), DI	// argc
	LEAQ	8(SP), SI	// argv
	JMP	runtime·rt0_go(SB)

// func clkSyscall(num, a1, a2, a3, a4, a5, a6 uint64) (status, val uint64)
//
// Only a ring-3 program makes syscalls: in the kernel, SYSCALL would enter
// the kernel's own syscall entry from ring 0, which expects ring 3's
// state, so there the call fails with ENOSYS.
TEXT runtime·clkSyscall(SB),NOSPLIT,$0-72
	CMPB	runtime·clkUserMode(SB), $0
	JNE	user
	MOVQ	$const_clkENOSYS, status+56(FP)
	MOVQ	$0, val+64(FP)
	RET
user:
	MOVQ	num+0(FP), AX
	MOVQ	a1+8(FP), DI
	MOVQ	a2+16(FP), SI
	MOVQ	a3+24(FP), DX
	MOVQ	a4+32(FP), R10
	MOVQ	a5+40(FP), R8
	MOVQ	a6+48(FP), R9
	SYSCALL
	MOVQ	AX, status+56(FP)
	MOVQ	DX, val+64(FP)
	RET

// clkUserFault: the kernel resumes a faulting thread here (fault_entry)
// with RDI the vector, RSI the fault address, RDX the faulting RIP and RSP
// as at the fault, which the goroutine's stack has room below for a small
// nosplit call. clkUserFaultPanic says where to go on.
TEXT runtime·clkUserFault(SB),NOSPLIT|NOFRAME,$0
	MOVQ	SP, CX
	SUBQ	$64, SP
	ANDQ	$~15, SP
	MOVQ	DI, 0(SP)
	MOVQ	SI, 8(SP)
	MOVQ	DX, 16(SP)
	MOVQ	CX, 24(SP)
	CALL	runtime·clkUserFaultPanic(SB)
	MOVQ	32(SP), AX	// new PC
	MOVQ	40(SP), SP	// new SP
	JMP	AX

// clkUserThreadStart: RDI is the new thread's *m and FS already points
// at its TLS (thread_create). Make g0 current and run mstart.
TEXT runtime·clkUserThreadStart(SB),NOSPLIT|NOFRAME|TOPFRAME,$0
	MOVQ	m_g0(DI), DX
	get_tls(CX)
	MOVQ	DX, g(CX)
	MOVQ	DX, R14
	MOVQ	$0, BP
	CALL	runtime·mstart(SB)
	CALL	runtime·abort(SB)
	RET
