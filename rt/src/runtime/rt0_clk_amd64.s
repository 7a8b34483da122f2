// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The way in. Both loaders (PVH through the ELF note, Multiboot2 through the
// header; see cmd/link/internal/ld/elfclkboot.go) enter _rt0_amd64_clk in 32-bit
// protected mode with paging off, flat segments and interrupts off; EBX holds
// the physical address of their boot information and, under Multiboot2, EAX
// holds its magic number. The code below identity-maps the first 4 GiB, turns
// on long mode and continues in _rt0_amd64_clk64, which enters the ordinary
// Go start-up path (rt0_go).
//
// The Go assembler only writes 64-bit code. The 32-bit part therefore uses
// only instructions whose encoding means the same in both modes: no REX
// prefixes, no 64-bit operands, and no RIP-relative addressing except once,
// on purpose: in 32-bit mode "LEAL sym(SB), AX" (8D 05 disp32) yields the
// displacement itself, and adding the address of the next instruction, found
// with CALL/POP, gives the absolute address of sym whatever the load address.

#include "go_asm.h"
#include "textflag.h"

// The image is linked to run at 1 MiB (cmd/link ClkLoadAddr). Its first
// page holds the ELF headers, which nothing reads once we run: the CALL/POP
// below borrows a few bytes there as a stack.
#define CLK_LOAD_ADDR	0x100000
#define SCRATCH_SP	(CLK_LOAD_ADDR+0x40)

#define BOOT_STACK	(64*1024)

// Control registers and EFER, Intel SDM Vol. 3A 2.5 and 2.2.1.
#define CR0_MP		0x2
#define CR0_EM		0x4
#define CR0_NE		0x20
#define CR0_WP		0x10000
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define CR4_OSFXSR	0x200
#define CR4_OSXMMEXCPT	0x400
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define EFER_NXE	0x800
// Page-table entry bits: present, writable, 2 MiB page.
#define PTE_PW		0x3
#define PTE_PWS		0x83

TEXT _rt0_amd64_clk(SB),NOSPLIT|NOFRAME,$0
	CLI
	MOVL	AX, DI
	MOVL	BX, SI
	MOVL	$SCRATCH_SP, SP
	BYTE	$0xe8; LONG $0	// CALL to the next instruction
	POPQ	BP		// BP = address of this 1-byte POP
	LEAL	clkBootTab<>(SB), AX	// 6 bytes: AX = clkBootTab - (BP+7)
	LEAL	7(BP)(AX*1), BP	// BP = &clkBootTab

	MOVL	0(BP), AX
	MOVL	DI, 0(AX)	// clkBootMagic
	MOVL	8(BP), AX
	MOVL	SI, 0(AX)	// clkBootInfo

	// Page tables: PML4, PDPT and four page directories, 4 KiB aligned
	// inside clkBootPages.
	MOVL	16(BP), BX
	ADDL	$4095, BX
	ANDL	$-4096, BX
	MOVL	BX, DI
	XORL	AX, AX
	MOVL	$(6*1024), CX
	CLD
	REP;	STOSL
	LEAL	(0x1000+PTE_PW)(BX), AX
	MOVL	AX, 0(BX)
	LEAL	(0x2000+PTE_PW)(BX), AX
	MOVL	AX, 0x1000(BX)
	LEAL	(0x3000+PTE_PW)(BX), AX
	MOVL	AX, 0x1008(BX)
	LEAL	(0x4000+PTE_PW)(BX), AX
	MOVL	AX, 0x1010(BX)
	LEAL	(0x5000+PTE_PW)(BX), AX
	MOVL	AX, 0x1018(BX)
	LEAL	0x2000(BX), DI
	MOVL	$PTE_PWS, AX
	MOVL	$2048, CX
pd:
	MOVL	AX, 0(DI)
	ADDL	$0x200000, AX
	ADDL	$8, DI
	DECL	CX
	JNZ	pd

	MOVL	BX, CR3
	MOVL	CR4, AX
	ORL	$(CR4_PAE|CR4_OSFXSR|CR4_OSXMMEXCPT), AX
	MOVL	AX, CR4
	MOVL	$MSR_EFER, CX
	RDMSR
	ORL	$(EFER_LME|EFER_NXE), AX
	WRMSR
	MOVL	CR0, AX
	ANDL	$~CR0_EM, AX
	ORL	$(CR0_PG|CR0_WP|CR0_NE|CR0_MP|1), AX
	MOVL	AX, CR0

	// Long mode is active (in compatibility mode); load a GDT with a
	// 64-bit code segment and far-return into it.
	MOVL	24(BP), AX
	LGDT	0(AX)
	MOVL	32(BP), AX
	PUSHQ	$8		// 6A 08: push the code selector
	PUSHQ	AX		// 50: push the 64-bit entry
	BYTE	$0xcb		// LRET (32-bit operand size)

// _rt0_amd64_clk64 runs in 64-bit mode on the borrowed scratch stack.
TEXT _rt0_amd64_clk64(SB),NOSPLIT|NOFRAME,$0
	MOVL	$0x10, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	XORL	AX, AX
	MOVW	AX, FS
	MOVW	AX, GS
	LEAQ	clkBootStack<>+BOOT_STACK(SB), SP
	XORL	DI, DI	// argc and argv: sysargs builds them from the command line
	XORL	SI, SI
	JMP	runtime·rt0_go(SB)

// Absolute addresses for the 32-bit code.
DATA	clkBootTab<>+0(SB)/8, $runtime·clkBootMagic(SB)
DATA	clkBootTab<>+8(SB)/8, $runtime·clkBootInfo(SB)
DATA	clkBootTab<>+16(SB)/8, $clkBootPages<>(SB)
DATA	clkBootTab<>+24(SB)/8, $clkBootGDTR<>(SB)
DATA	clkBootTab<>+32(SB)/8, $_rt0_amd64_clk64(SB)
GLOBL	clkBootTab<>(SB), RODATA, $40

// Null, 64-bit code (0x08) and data (0x10) descriptors.
DATA	clkBootGDT<>+0(SB)/8, $0
DATA	clkBootGDT<>+8(SB)/8, $0x00af9a000000ffff
DATA	clkBootGDT<>+16(SB)/8, $0x00cf92000000ffff
GLOBL	clkBootGDT<>(SB), RODATA, $24

DATA	clkBootGDTR<>+0(SB)/2, $23
DATA	clkBootGDTR<>+2(SB)/8, $clkBootGDT<>(SB)
GLOBL	clkBootGDTR<>(SB), RODATA, $16

GLOBL	clkBootPages<>(SB), NOPTR, $(7*4096)
GLOBL	clkBootStack<>(SB), NOPTR, $BOOT_STACK
