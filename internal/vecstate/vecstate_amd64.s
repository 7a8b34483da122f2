#include "textflag.h"

// func hold(load, want, got *[Words]uint64, rounds int) int
//
// ABI0: clobbers every YMM register (the ABI wrapper restores X15 for Go)
// and AX, BX, CX, DX, SI, DI, R8. Each round stores YMM0-YMM15 into got
// and counts the words that differ from want; the first round with a
// difference ends the loop.
TEXT ·hold(SB),NOSPLIT,$0-40
	MOVQ	load+0(FP), SI
	MOVQ	want+8(FP), DI
	MOVQ	got+16(FP), BX
	MOVQ	rounds+24(FP), CX
	VMOVDQU	0(SI), Y0
	VMOVDQU	32(SI), Y1
	VMOVDQU	64(SI), Y2
	VMOVDQU	96(SI), Y3
	VMOVDQU	128(SI), Y4
	VMOVDQU	160(SI), Y5
	VMOVDQU	192(SI), Y6
	VMOVDQU	224(SI), Y7
	VMOVDQU	256(SI), Y8
	VMOVDQU	288(SI), Y9
	VMOVDQU	320(SI), Y10
	VMOVDQU	352(SI), Y11
	VMOVDQU	384(SI), Y12
	VMOVDQU	416(SI), Y13
	VMOVDQU	448(SI), Y14
	VMOVDQU	480(SI), Y15
	XORQ	AX, AX
round:
	VMOVDQU	Y0, 0(BX)
	VMOVDQU	Y1, 32(BX)
	VMOVDQU	Y2, 64(BX)
	VMOVDQU	Y3, 96(BX)
	VMOVDQU	Y4, 128(BX)
	VMOVDQU	Y5, 160(BX)
	VMOVDQU	Y6, 192(BX)
	VMOVDQU	Y7, 224(BX)
	VMOVDQU	Y8, 256(BX)
	VMOVDQU	Y9, 288(BX)
	VMOVDQU	Y10, 320(BX)
	VMOVDQU	Y11, 352(BX)
	VMOVDQU	Y12, 384(BX)
	VMOVDQU	Y13, 416(BX)
	VMOVDQU	Y14, 448(BX)
	VMOVDQU	Y15, 480(BX)
	XORQ	R8, R8
word:
	MOVQ	(BX)(R8*8), DX
	CMPQ	DX, (DI)(R8*8)
	JEQ	same
	INCQ	AX
same:
	INCQ	R8
	CMPQ	R8, $64
	JNE	word
	TESTQ	AX, AX
	JNZ	done
	DECQ	CX
	JNZ	round
done:
	VZEROUPPER
	MOVQ	AX, ret+32(FP)
	RET

// func avxUsable() bool
//
// CPUID.1:ECX bit 27 (OSXSAVE) and bit 28 (AVX), then XGETBV(0): bits 1
// and 2 (SSE and AVX state enabled).
TEXT ·avxUsable(SB),NOSPLIT,$0-1
	MOVL	$1, AX
	XORL	CX, CX
	CPUID
	MOVL	CX, BX
	ANDL	$(1<<27|1<<28), BX
	CMPL	BX, $(1<<27|1<<28)
	JNE	no
	XORL	CX, CX
	XGETBV
	ANDL	$6, AX
	CMPL	AX, $6
	JNE	no
	MOVB	$1, ret+0(FP)
	RET
no:
	MOVB	$0, ret+0(FP)
	RET
