#include "textflag.h"

// The instructions ring 3 must not execute, each in a function of its own
// so that the Go compiler cannot reorder or drop them.

// func cli()
TEXT ·cli(SB),NOSPLIT,$0-0
	CLI
	RET

// func hlt()
TEXT ·hlt(SB),NOSPLIT,$0-0
	HLT
	RET

// func wrmsr(msr uint32, value uint64)
TEXT ·wrmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	MOVQ	value+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	RET

// func callAddr(addr uintptr)
TEXT ·callAddr(SB),NOSPLIT,$0-8
	MOVQ	addr+0(FP), AX
	CALL	AX
	RET

// func divideByZero() uint64
TEXT ·divideByZero(SB),NOSPLIT,$0-8
	MOVQ	$1, AX
	XORQ	DX, DX
	XORQ	CX, CX
	DIVQ	CX
	MOVQ	AX, ret+0(FP)
	RET
