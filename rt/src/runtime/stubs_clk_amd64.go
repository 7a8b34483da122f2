// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import "unsafe"

// Instructions Go cannot express, in sys_clk_amd64.s. All are ABI0 leaf
// functions that run on the caller's stack with interrupts as they were.

func clkInb(port uint16) uint8

func clkOutb(port uint16, v uint8)

func clkOutl(port uint16, v uint32)

func clkRdtsc() uint64
func clkRdmsr(msr uint32) uint64
func clkWrmsr(msr uint32, v uint64)
func clkCpuid(eax, ecx uint32) (a, b, c, d uint32)
func clkRdrand() (v uint64, ok bool)
func clkReadCR0() uint64
func clkReadCR2() uint64
func clkReadCR3() uintptr
func clkReadCR4() uint64
func clkWriteCR4(v uint64)
func clkWriteCR3(v uintptr)
func clkInvlpg(va uintptr)
func clkLoadGDT(base unsafe.Pointer, limit uint16)
func clkLoadIDT(base unsafe.Pointer, limit uint16)
func clkLoadTR(sel uint16)
func clkSti()
func clkCli()
func clkHlt()
func clkPause()

// clkHaltUntilInterrupt halts unless *seq already differs from old; it
// returns after the next interrupt with interrupts enabled.
//
//go:noescape
func clkHaltUntilInterrupt(seq *uint32, old uint32)

// clkSwitch saves the running thread's context in from and resumes to.
//
//go:noescape
func clkSwitch(from, to *clkThread)

// clkThreadStart is where a new thread first runs; see clkThreadCreate.
func clkThreadStart()

// clkVecBase is the first of the interrupt and exception entry stubs.
func clkVecBase()

// clkIntrSave turns interrupts off and returns the flags from before;
// clkIntrRestore turns them back on if they were.
func clkIntrSave() uintptr
func clkIntrRestore(flags uintptr)

// clkAPTrampoline is the real-mode start-up code that clkStartCPUs copies
// to clkTrampoline (smp_clk_amd64.s); clkAPEntry is where it lands in long
// mode, with DI the *clkCPU.
func clkAPTrampoline()
func clkAPEntry()

// clkIdleStart is where the boot CPU's idle thread first runs; see
// clkIdleInit.
func clkIdleStart()
