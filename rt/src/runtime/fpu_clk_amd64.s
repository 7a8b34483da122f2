// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Saving and restoring the FPU and vector state; see fpu_clk_amd64.go.

#include "textflag.h"
#include "fpu_clk_amd64.h"

// XSAVE_MASK is clkXCR0: the state components XSAVE and XRSTOR move.
#define XSAVE_MASK 7
// The XSAVE header follows the 512-byte legacy region (Intel SDM Vol. 1,
// 13.4.2): XSTATE_BV, XCOMP_BV, then reserved bytes that XRSTOR wants 0.
#define XSAVE_HEADER 512

// func clkXsetbv(xcr uint32, v uint64)
TEXT runtime·clkXsetbv(SB),NOSPLIT,$0-16
	MOVL	xcr+0(FP), CX
	MOVQ	v+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	XSETBV
	RET

// clkFPUSave saves the calling CPU's FPU and vector state into the area at
// DI: FPU_AREA bytes, 64-byte aligned. Of the header, which XRSTOR checks,
// XSAVE writes only the XSTATE_BV bits of the components it saves and
// keeps the other bits and bytes as it finds them (Intel SDM Vol. 1,
// 13.7): the areas on the gsignal and exception stacks hold whatever the
// stack held before, and a stray bit above XSAVE_MASK there makes the
// XRSTOR fault. So the whole header is zeroed first. Any stack, any
// interrupt state; clobbers AX and DX (XSAVE's mask), keeps the vector
// registers.
TEXT runtime·clkFPUSave(SB),NOSPLIT|NOFRAME,$0
	CMPB	runtime·clkXSave(SB), $0
	JEQ	fx
	MOVQ	$0, (XSAVE_HEADER+0)(DI)
	MOVQ	$0, (XSAVE_HEADER+8)(DI)
	MOVQ	$0, (XSAVE_HEADER+16)(DI)
	MOVQ	$0, (XSAVE_HEADER+24)(DI)
	MOVQ	$0, (XSAVE_HEADER+32)(DI)
	MOVQ	$0, (XSAVE_HEADER+40)(DI)
	MOVQ	$0, (XSAVE_HEADER+48)(DI)
	MOVQ	$0, (XSAVE_HEADER+56)(DI)
	MOVL	$XSAVE_MASK, AX
	XORL	DX, DX
	XSAVE64	(DI)
	RET
fx:
	FXSAVE64	(DI)
	RET

// clkFPURestore loads the state clkFPUSave saved at DI (or an area of the
// same form the kernel wrote: arch/x86_64's fresh thread). Any stack, any
// interrupt state; clobbers AX and DX.
TEXT runtime·clkFPURestore(SB),NOSPLIT|NOFRAME,$0
	CMPB	runtime·clkXSave(SB), $0
	JEQ	fx
	MOVL	$XSAVE_MASK, AX
	XORL	DX, DX
	XRSTOR64	(DI)
	RET
fx:
	FXRSTOR64	(DI)
	RET
