// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

// The runtime's interface to the clk kernel.
//
// The kernel's arch package pulls these with //go:linkname (package sdk
// pulls clkSyscall, the SYSCALL instruction of user programs); the
// directives here permit it. The set is deliberately small: boot information, memory
// and interrupt counters, waiting for an interrupt, the I/O APICs' registers
// (which the interrupt stubs share), and a hook to extend
// exception reports, and ring 3 (enteruser_clk_amd64.go): address spaces and
// running user threads. Everything else the kernel does with hardware it
// does in its own packages.

//go:linkname clkIRQWait
//go:linkname clkIRQCountOf
//go:linkname clkBootLoader
//go:linkname clkBootCmdline
//go:linkname clkBootMemRange
//go:linkname clkBootInitrd
//go:linkname clkBootRSDP
//go:linkname clkMemUsage
//go:linkname clkSetTrapHook
//go:linkname clkClockRates
//go:linkname clkBootFramebuffer
//go:linkname clkCPUList
//go:linkname clkSendInterrupt
//go:linkname clkSendNMI
//go:linkname clkIOAPICRead
//go:linkname clkIOAPICWrite
//go:linkname clkIOAPICUnmask
//go:linkname clkSetLevelLine
//go:linkname clkThreadStackLow
//go:linkname clkUserEnter
//go:linkname clkUserSpaceNew
//go:linkname clkUserMap
//go:linkname clkUserMapPhys
//go:linkname clkContigAlloc
//go:linkname clkContigFree
//go:linkname clkUserLookup
//go:linkname clkUserProtect
//go:linkname clkUserUnmap
//go:linkname clkUserSpaceFree
//go:linkname clkClockFactors
//go:linkname clkSyscall

// clkIRQCountOf reports how many interrupts vector v has taken.
func clkIRQCountOf(v uint8) uint64 {
	return atomic.Load64(&clkIRQCount[v])
}

// clkBootLoader names the loader that started the machine.
func clkBootLoader() string {
	switch clkBoot.loader {
	case clkLoaderPVH:
		return "pvh"
	case clkLoaderMultiboot2:
		return "multiboot2"
	}
	return "unknown"
}

// clkBootCmdline returns the raw boot command line.
func clkBootCmdline() string {
	return string(clkBoot.cmdline[:clkBoot.ncmdline])
}

// clkBootMemRange returns entry i of the loader's memory map (E820 types).
func clkBootMemRange(i int) (base, size uint64, kind uint32, ok bool) {
	if i < 0 || i >= clkBoot.nmem {
		return 0, 0, 0, false
	}
	r := clkBoot.mem[i]
	return r.base, r.size, r.kind, true
}

// clkBootInitrd returns the physical range of the initial RAM disk.
func clkBootInitrd() (base, size uint64) {
	return clkBoot.initrdBase, clkBoot.initrdSize
}

// clkBootRSDP returns the ACPI RSDP as the loader gave it: a copy, and the
// firmware's physical address when known.
func clkBootRSDP() (rsdp [36]byte, addr uint64) {
	return clkBoot.rsdp, clkBoot.rsdpAddr
}

// clkMemUsage reports RAM as the loader described it and as the runtime
// uses it, in bytes.
func clkMemUsage() (total, used, free uint64) {
	return clkMemTotal, clkMemInUse.Load(), clkFreeBytes()
}

// clkSetTrapHook installs a function that describes the faulting
// instruction of an exception frame for the report.
func clkSetTrapHook(h func(frame unsafe.Pointer, text []byte) int) {
	clkTrapHook = h
}

// clkClockRates returns the measured TSC and local APIC timer rates.
func clkClockRates() (tscHz, lapicHz uint64) {
	return clkTSCHz, clkLAPICHz
}

// clkBootFramebuffer describes the linear framebuffer the loader set up;
// addr is 0 when there is none.
func clkBootFramebuffer() (addr uint64, pitch, width, height uint32, bpp uint8) {
	fb := &clkBoot.fb
	return fb.addr, fb.pitch, fb.width, fb.height, fb.bpp
}

// clkCPUList writes the local APIC IDs of the CPUs that run into ids, the
// boot CPU first, and returns how many there are.
func clkCPUList(ids []uint32) int {
	n := 0
	for i := uint32(0); i < clkNCPU && n < len(ids); i++ {
		if i == 0 || atomic.Load(&clkCPUs[i].online) != 0 {
			ids[n] = clkCPUs[i].apicID
			n++
		}
	}
	return n
}

// clkSendInterrupt sends a fixed interrupt on vector to the CPU whose local
// APIC ID is apicID. The runtime's own vectors (exceptions, the timer and
// the IPIs) are refused.
func clkSendInterrupt(apicID uint32, vector uint8) bool {
	if vector < clkVecFirstIRQ || vector == clkVecTimer || vector >= clkVecWake {
		return false
	}
	clkSendIPI(apicID, vector)
	return true
}

// clkSendNMI sends a non-maskable interrupt to the CPU whose local APIC
// ID is apicID. The runtime only counts NMIs (clkNMIEntry), in
// clkIRQCountOf(vecNMI).
func clkSendNMI(apicID uint32) {
	clkSendICR(apicID, icrNMI)
}

// clkThreadStackLow returns the low end of the calling thread's g0 stack
// and whether the thread is the program's first. The probe program
// (programs/probe) writes below it to check the guard page.
func clkThreadStackLow() (lo uintptr, first bool) {
	mp := getg().m
	return mp.g0.stack.lo, mp == &m0
}

// clkClockFactors returns how nanotime turns the TSC into nanoseconds,
// ((tsc-tscBase)*tscMult)>>32, and the wall clock's offset from it, for
// user programs, whose runtime reads the TSC itself (userpersonality_clk_amd64.go).
func clkClockFactors() (tscBase, tscMult uint64, wallBase int64) {
	return clkTSCBase, clkTSCMult, clkWallBase
}
