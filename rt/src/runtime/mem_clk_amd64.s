// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The first touch of the anonymous window (mem_clk.go).

#include "textflag.h"

// func clkDemandFault(addr uintptr) bool
//
// The page-fault stub calls it, ABI0, on the CPU's exception stack with
// interrupts off, to back the page holding addr, and then retries the
// faulting instruction. Go code clobbers vector registers (the ABI0
// wrapper zeroes X15, memclr clears with it), but the interrupted code,
// which may be any code at all, still needs them: memmove holds up to
// 256 bytes in X0-X15 between its loads and its stores. So the SSE state
// is saved around clkDemandBack and restored for the retry; the general
// registers are the stub's to save, and AVX is not enabled, so the FXSAVE
// area holds the whole vector state.
//
// The 512-byte area is carved from the stack by hand: as a declared frame
// it would break the linker's bound on nosplit call chains, which guards
// goroutine stacks, while this runs on the 16 KiB exception stack.
TEXT runtime·clkDemandFault(SB),NOSPLIT|NOFRAME,$0-9
	MOVQ	addr+0(FP), AX	// FP offsets hold only while SP is unmoved
	MOVQ	SP, BX
	// 0(SP) and 8(SP): clkDemandBack's argument and result; 16(SP): the
	// FXSAVE area, 16-byte aligned; 528(SP): the stack pointer to return
	// with.
	SUBQ	$544, SP
	ANDQ	$~15, SP
	MOVQ	BX, 528(SP)
	FXSAVE64	16(SP)
	MOVQ	AX, 0(SP)
	CALL	runtime·clkDemandBack(SB)
	MOVBLZX	8(SP), AX
	FXRSTOR64	16(SP)
	MOVQ	528(SP), SP
	MOVB	AX, ret+8(FP)
	RET
