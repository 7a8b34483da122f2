// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Starting the other CPUs (smp_clk_amd64.go).

#include "go_asm.h"
#include "go_tls.h"
#include "textflag.h"

// clkAPTrampoline is never run where it is linked: clkStartCPUs copies its
// bytes to physical 0x8000 (clkTrampoline) and fills in the parameters at
// +0xe0..+0x108; a CPU woken by a start-up IPI with vector 8 runs it in
// real mode at 0x800:0. The Go assembler writes only 64-bit code, so each
// instruction is spelled as bytes, with its disassembly beside it.
TEXT runtime·clkAPTrampoline(SB),NOSPLIT|NOFRAME,$0
	// Real mode, loaded at 0x8000: DS=0, load the GDT below, set CR0.PE.
	BYTE $0xfa	// +0x00 cli
	BYTE $0x31; BYTE $0xc0	// +0x01 xor ax,ax
	BYTE $0x8e; BYTE $0xd8	// +0x03 mov ds,ax
	BYTE $0x66; BYTE $0x0f; BYTE $0x01; BYTE $0x16; BYTE $0x80; BYTE $0x80	// +0x05 o32 lgdt [0x8080]
	BYTE $0x0f; BYTE $0x20; BYTE $0xc0	// +0x0b mov eax,cr0
	BYTE $0x66; BYTE $0x83; BYTE $0xc8; BYTE $0x01	// +0x0e or eax,byte +0x1
	BYTE $0x0f; BYTE $0x22; BYTE $0xc0	// +0x12 mov cr0,eax
	BYTE $0x66; BYTE $0xea; BYTE $0x20; BYTE $0x80; BYTE $0x00; BYTE $0x00; BYTE $0x08; BYTE $0x00	// +0x15 jmp dword 0x8:0x8020
	BYTE $0x90; BYTE $0x90; BYTE $0x90	// to +0x20
	// 32-bit protected mode: the boot CPU's CR4, CR3, EFER and CR0, so
	// paging goes on in long mode; then a far jump to 64-bit code.
	BYTE $0xb8; BYTE $0x10; BYTE $0x00; BYTE $0x00; BYTE $0x00	// +0x20 mov eax,0x10
	BYTE $0x8e; BYTE $0xd8	// +0x25 mov ds,eax
	BYTE $0x8e; BYTE $0xc0	// +0x27 mov es,eax
	BYTE $0x8e; BYTE $0xd0	// +0x29 mov ss,eax
	BYTE $0xa1; BYTE $0xe4; BYTE $0x80; BYTE $0x00; BYTE $0x00	// +0x2b mov eax,[0x80e4]
	BYTE $0x0f; BYTE $0x22; BYTE $0xe0	// +0x30 mov cr4,eax
	BYTE $0xa1; BYTE $0xe0; BYTE $0x80; BYTE $0x00; BYTE $0x00	// +0x33 mov eax,[0x80e0]
	BYTE $0x0f; BYTE $0x22; BYTE $0xd8	// +0x38 mov cr3,eax
	BYTE $0xb9; BYTE $0x80; BYTE $0x00; BYTE $0x00; BYTE $0xc0	// +0x3b mov ecx,0xc0000080
	BYTE $0xa1; BYTE $0xe8; BYTE $0x80; BYTE $0x00; BYTE $0x00	// +0x40 mov eax,[0x80e8]
	BYTE $0x31; BYTE $0xd2	// +0x45 xor edx,edx
	BYTE $0x0f; BYTE $0x30	// +0x47 wrmsr
	BYTE $0xa1; BYTE $0xec; BYTE $0x80; BYTE $0x00; BYTE $0x00	// +0x49 mov eax,[0x80ec]
	BYTE $0x0f; BYTE $0x22; BYTE $0xc0	// +0x4e mov cr0,eax
	BYTE $0xea; BYTE $0x60; BYTE $0x80; BYTE $0x00; BYTE $0x00; BYTE $0x18; BYTE $0x00	// +0x51 jmp 0x18:0x8060
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90	// to +0x60
	// 64-bit mode: the stack, the *clkCPU in DI, on to clkAPEntry.
	BYTE $0x48; BYTE $0x8b; BYTE $0x24; BYTE $0x25; BYTE $0xf0; BYTE $0x80; BYTE $0x00; BYTE $0x00	// +0x60 mov rsp,[0x80f0]
	BYTE $0x48; BYTE $0x8b; BYTE $0x3c; BYTE $0x25; BYTE $0x00; BYTE $0x81; BYTE $0x00; BYTE $0x00	// +0x68 mov rdi,[0x8100]
	BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25; BYTE $0xf8; BYTE $0x80; BYTE $0x00; BYTE $0x00	// +0x70 mov rax,[0x80f8]
	BYTE $0xff; BYTE $0xe0	// +0x78 jmp rax
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90	// to +0x80
	// +0x80: the GDTR operand: limit, then the 32-bit base of the GDT.
	BYTE $0x1f; BYTE $0x00; BYTE $0xc0; BYTE $0x80; BYTE $0x00; BYTE $0x00; BYTE $0x00; BYTE $0x00
	QUAD $0; QUAD $0; QUAD $0; QUAD $0; QUAD $0; QUAD $0; QUAD $0
	// +0xc0: the GDT: null, 32-bit code (0x08), data (0x10), 64-bit code
	// (0x18), flat (Vol. 3A 3.4.5).
	QUAD $0
	QUAD $0x00cf9a000000ffff
	QUAD $0x00cf92000000ffff
	QUAD $0x00af9a000000ffff
	// +0xe0: CR3, CR4, EFER, CR0 (32 bits each), then the stack pointer,
	// the 64-bit entry and its argument (64 bits each).
	QUAD $0; QUAD $0; QUAD $0; QUAD $0; QUAD $0

// clkAPEntry: the trampoline jumps here in 64-bit mode, interrupts off, on
// the CPU's idle stack, DI = *clkCPU. Set the data segments and TLS (FS
// points at cpu.tls[1], whose g slot holds &cpu.g) and run clkAPMain.
TEXT runtime·clkAPEntry(SB),NOSPLIT|NOFRAME|TOPFRAME,$0
	MOVQ	DI, BX
	MOVL	$const_clkKernelDS, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	XORL	AX, AX
	MOVW	AX, FS
	MOVW	AX, GS
	LEAQ	(clkCPU_tls+8)(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_msrFSBase, CX
	WRMSR
	LEAQ	clkCPU_g(BX), R14
	MOVQ	$0, BP
	SUBQ	$16, SP
	MOVQ	BX, 0(SP)
	CALL	runtime·clkAPMain(SB)
	CALL	runtime·abort(SB)
	RET

// clkIdleStart: the first switch to the boot CPU's idle thread returns
// here with 0(SP) the *clkCPU (clkIdleInit).
TEXT runtime·clkIdleStart(SB),NOSPLIT|NOFRAME|TOPFRAME,$0
	MOVQ	0(SP), BX
	get_tls(CX)
	MOVQ	g(CX), R14
	MOVQ	$0, BP
	SUBQ	$16, SP
	MOVQ	BX, 0(SP)
	CALL	runtime·clkIdleMain(SB)
	CALL	runtime·abort(SB)
	RET
