#include "textflag.h"

// ABI0 leaves: one load or store of the register's width at addr, which
// the compiler can neither merge, split nor drop. Any stack, any state:
// they touch only AX, BX and the register.

TEXT ·mmioRead8(SB),NOSPLIT,$0-9
	MOVQ	addr+0(FP), BX
	MOVB	(BX), AX
	MOVB	AX, ret+8(FP)
	RET

TEXT ·mmioRead16(SB),NOSPLIT,$0-10
	MOVQ	addr+0(FP), BX
	MOVW	(BX), AX
	MOVW	AX, ret+8(FP)
	RET

TEXT ·mmioRead32(SB),NOSPLIT,$0-12
	MOVQ	addr+0(FP), BX
	MOVL	(BX), AX
	MOVL	AX, ret+8(FP)
	RET

TEXT ·mmioWrite8(SB),NOSPLIT,$0-9
	MOVQ	addr+0(FP), BX
	MOVB	v+8(FP), AX
	MOVB	AX, (BX)
	RET

TEXT ·mmioWrite16(SB),NOSPLIT,$0-10
	MOVQ	addr+0(FP), BX
	MOVW	v+8(FP), AX
	MOVW	AX, (BX)
	RET

TEXT ·mmioWrite32(SB),NOSPLIT,$0-12
	MOVQ	addr+0(FP), BX
	MOVL	v+8(FP), AX
	MOVL	AX, (BX)
	RET
