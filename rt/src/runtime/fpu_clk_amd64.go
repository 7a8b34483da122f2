// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

// The FPU and vector state: x87, SSE and, where the CPU has it, AVX.
//
// Go code in the kernel uses the vector registers freely (the compiler
// keeps X15 zero, memmove and crypto use AVX2 when internal/cpu finds it),
// so every path that interrupts code and runs other code before resuming
// it saves the whole state and puts it back: the tick, the preemption IPI
// and fatal exceptions (CALL_ON_GSIGNAL), the first touch of the anonymous
// window (clkDemandFault), and ring 3's exits and entries (clkUserExit,
// clkUserGo). They all call clkFPUSave and clkFPURestore on an area of
// clkFPUAreaSize bytes, 64-byte aligned.
//
// With XSAVE and AVX, clkFPUInit sets CR4.OSXSAVE and enables x87, SSE and
// AVX in XCR0 on every CPU; internal/cpu then finds AVX and AVX2 usable,
// in the kernel and in ring-3 programs alike, and the area is an XSAVE
// area of the standard form. Without them, or when CPUID says the enabled
// state needs more room than the area has, AVX stays off and the area is
// a 512-byte FXSAVE image. AVX-512 is not enabled: its 2.5 KiB of state
// would have to be carried through every switch.
//
// XSAVE, not XSAVEOPT: the latter skips state it believes unmodified
// since the last XRSTOR from the same address, which holds for a save
// area that one context owns, not for the areas on the gsignal and
// exception stacks, which many interruptions of many threads share.

const (
	// clkFPUAreaSize is the room of one save area: FPU_AREA in
	// fpu_clk_amd64.h. The XSAVE area of x87, SSE and AVX takes 832 bytes
	// (Intel SDM Vol. 1, 13.4 and 13.5.3).
	clkFPUAreaSize = 1024

	cpuid1ECXXSAVE  = 1 << 26 // CPUID.1:ECX, XSAVE and XSETBV
	cpuid1ECXAVX    = 1 << 28 // CPUID.1:ECX
	cpuidLeafXState = 0xd     // CPUID.0xD.0:EBX, the area size for XCR0's state
	cr4OSXSAVE      = 1 << 18 // Intel SDM Vol. 3A, 2.5
	// XCR0 bits (Intel SDM Vol. 1, 13.3): x87, SSE (XMM and MXCSR), AVX
	// (the upper halves of YMM). SSE must be on with AVX.
	xcr0X87 = 1 << 0
	xcr0SSE = 1 << 1
	xcr0AVX = 1 << 2
	// clkXCR0 is what clkFPUInit enables: XSAVE_MASK in fpu_clk_amd64.s.
	clkXCR0 = xcr0X87 | xcr0SSE | xcr0AVX
)

var (
	// clkXSave is 1 when every CPU saves its state with XSAVE and AVX is
	// on, 0 when the save areas are FXSAVE images. The boot CPU decides
	// it, before the others start, and they follow.
	clkXSave uint8
	// clkXSaveSize is the size CPUID gives for the XSAVE area of
	// clkXCR0, when clkXSave is 1.
	clkXSaveSize uint32
)

func clkXsetbv(xcr uint32, v uint64)
func clkFPUSave()
func clkFPURestore()

// clkFPUInit enables on the calling CPU the vector state the kernel
// saves: on the boot CPU it decides clkXSave, on the others it follows.
// It runs before internal/cpu looks at CPUID and XCR0.
//
// Nosplit: part of clkCPULoad, which a starting CPU runs before it has a g.
//
//go:nosplit
func clkFPUInit(boot bool) {
	if boot {
		_, _, c, _ := clkCpuid(1, 0)
		if c&(cpuid1ECXXSAVE|cpuid1ECXAVX) != cpuid1ECXXSAVE|cpuid1ECXAVX {
			return
		}
	} else if clkXSave == 0 {
		return
	}
	clkWriteCR4(clkReadCR4() | cr4OSXSAVE)
	clkXsetbv(0, clkXCR0)
	if !boot {
		return
	}
	if _, size, _, _ := clkCpuid(cpuidLeafXState, 0); size <= clkFPUAreaSize {
		clkXSave, clkXSaveSize = 1, size
		return
	}
	clkXsetbv(0, xcr0X87|xcr0SSE)
	clkWriteCR4(clkReadCR4() &^ cr4OSXSAVE)
}
