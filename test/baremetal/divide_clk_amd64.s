//go:build clk

#include "textflag.h"

// func divide() uint64: 1 / 0 with DIV, which raises #DE.
TEXT ·divide(SB),NOSPLIT,$0-8
	MOVQ	$1, AX
	XORQ	DX, DX
	XORQ	CX, CX
	DIVQ	CX
	MOVQ	AX, ret+0(FP)
	RET
