//go:build clk

#include "textflag.h"

// func rawSyscall(num, a0, a1, a2, a3, a4, a5 uint64) (errno, val uint64)
//
// The kernel preserves every register but RCX and R11, which SYSCALL
// itself overwrites with the return address and the flags.
TEXT ·rawSyscall(SB),NOSPLIT,$0-72
	MOVQ	num+0(FP), AX
	MOVQ	a0+8(FP), DI
	MOVQ	a1+16(FP), SI
	MOVQ	a2+24(FP), DX
	MOVQ	a3+32(FP), R10
	MOVQ	a4+40(FP), R8
	MOVQ	a5+48(FP), R9
	SYSCALL
	MOVQ	AX, errno+56(FP)
	MOVQ	DX, val+64(FP)
	RET
