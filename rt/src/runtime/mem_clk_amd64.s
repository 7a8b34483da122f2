// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The first touch of the anonymous window (mem_clk.go).

#include "textflag.h"
#include "fpu_clk_amd64.h"

// func clkDemandFault(addr uintptr) bool
//
// The page-fault stub calls it, ABI0, on the CPU's exception stack with
// interrupts off, to back the page holding addr, and then retries the
// faulting instruction. Go code clobbers vector registers (the ABI0
// wrapper zeroes X15, memclr clears with it), but the interrupted code,
// which may be any code at all, still needs them: memmove holds up to
// 256 bytes in X0-X15 (or YMM0-YMM15) between its loads and its stores.
// So the FPU and vector state is saved around clkDemandBack and restored
// for the retry (clkFPUSave); the general registers are the stub's to
// save.
//
// The save area is carved from the stack by hand: as a declared frame it
// would break the linker's bound on nosplit call chains, which guards
// goroutine stacks, while this runs on the 16 KiB exception stack.
TEXT runtime·clkDemandFault(SB),NOSPLIT|NOFRAME,$0-9
	MOVQ	addr+0(FP), AX	// FP offsets hold only while SP is unmoved
	MOVQ	SP, BX
	// 0(SP) and 8(SP): clkDemandBack's argument and result; 16(SP): the
	// stack pointer to return with; 24(SP): the result, kept across the
	// restore; 64(SP): the FPU save area, 64-byte aligned.
	SUBQ	$(64+FPU_AREA), SP
	ANDQ	$~63, SP
	MOVQ	BX, 16(SP)
	MOVQ	AX, 0(SP)
	LEAQ	64(SP), DI
	CALL	runtime·clkFPUSave(SB)
	CALL	runtime·clkDemandBack(SB)
	MOVBLZX	8(SP), AX
	MOVQ	AX, 24(SP)
	LEAQ	64(SP), DI
	CALL	runtime·clkFPURestore(SB)
	MOVQ	24(SP), AX
	MOVQ	16(SP), SP
	MOVB	AX, ret+8(FP)
	RET
