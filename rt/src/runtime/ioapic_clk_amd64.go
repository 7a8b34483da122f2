// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

// Level-triggered interrupt lines.
//
// A device that interrupts through an I/O APIC line in level mode (PCI
// INTx) holds the line until its driver acknowledges the device, which on
// clk happens in a goroutine, long after the interrupt stub has returned.
// Once the stub signals end of interrupt the I/O APIC sees the line still
// asserted and interrupts again: the CPU would do nothing else. So for the
// vectors the kernel marks level-triggered (clkSetLevelLine) the stub masks
// the line in its I/O APIC before the end of interrupt, and the kernel
// unmasks it once the driver has taken the interrupt.
//
// An I/O APIC is reached through an index register and a data window
// (82093AA data sheet, 3.0): selecting and then accessing are two steps
// which must not interleave with another CPU's, or with the stub's on this
// CPU. clkIOAPICLock serializes them: the stub takes it with interrupts off
// (an interrupt gate), and the kernel's accessors turn interrupts off
// before taking it, so that the stub never spins on a lock its own CPU
// holds.

// I/O APIC registers: the index, the data window, and the mask bit of a
// redirection entry's low word.
const (
	ioapicRegSel = 0x00
	ioapicWin    = 0x10
	ioapicMasked = 1 << 16
)

var clkIOAPICLock uint32

// clkLevelLine is, per vector, the level-triggered line it comes from: the
// address of its I/O APIC's registers and the index of the line's
// redirection entry's low word. base is 0 for every other vector. The
// stub reads base and, if it is set, reg (interrupt stub offsets:
// trap_clk_amd64.s).
type clkLevelLineEntry struct {
	base uintptr
	reg  uint32
	_    uint32
}

var clkLevelLine [256]clkLevelLineEntry

// Nosplit: holds a spin lock with interrupts off.
//
//go:nosplit
func clkIOAPICLockAcquire() uintptr {
	flags := clkIntrSave()
	for !atomic.Cas(&clkIOAPICLock, 0, 1) {
		clkPause()
	}
	return flags
}

// Nosplit: as clkIOAPICLockAcquire.
//
//go:nosplit
func clkIOAPICLockRelease(flags uintptr) {
	atomic.Store(&clkIOAPICLock, 0)
	clkIntrRestore(flags)
}

// clkIOAPICRead reads indirect register reg of the I/O APIC at base.
//
//go:nosplit
func clkIOAPICRead(base uintptr, reg uint32) uint32 {
	flags := clkIOAPICLockAcquire()
	atomic.Store((*uint32)(unsafe.Pointer(base+ioapicRegSel)), reg)
	v := atomic.Load((*uint32)(unsafe.Pointer(base + ioapicWin)))
	clkIOAPICLockRelease(flags)
	return v
}

// clkIOAPICWrite writes v to indirect register reg of the I/O APIC at
// base.
//
//go:nosplit
func clkIOAPICWrite(base uintptr, reg, v uint32) {
	flags := clkIOAPICLockAcquire()
	atomic.Store((*uint32)(unsafe.Pointer(base+ioapicRegSel)), reg)
	atomic.Store((*uint32)(unsafe.Pointer(base+ioapicWin)), v)
	clkIOAPICLockRelease(flags)
}

// clkIOAPICUnmask clears the mask bit of the redirection entry whose low
// word is reg, in one step under the lock: the stub may set the bit at any
// time.
//
//go:nosplit
func clkIOAPICUnmask(base uintptr, reg uint32) {
	flags := clkIOAPICLockAcquire()
	atomic.Store((*uint32)(unsafe.Pointer(base+ioapicRegSel)), reg)
	win := (*uint32)(unsafe.Pointer(base + ioapicWin))
	atomic.Store(win, atomic.Load(win)&^ioapicMasked)
	clkIOAPICLockRelease(flags)
}

// clkSetLevelLine makes the stub of vector v mask the line whose
// redirection entry's low word is reg, in the I/O APIC at base, before
// each end of interrupt; base 0 stops it. Vectors the runtime owns are
// refused.
func clkSetLevelLine(v uint8, base uintptr, reg uint32) bool {
	if v < clkVecFirstIRQ || v == clkVecTimer || v >= clkVecWake {
		return false
	}
	e := &clkLevelLine[v]
	// The stub reads base first: set reg before base, clear base first.
	flags := clkIOAPICLockAcquire()
	if base == 0 {
		atomic.Storeuintptr(&e.base, 0)
		e.reg = 0
	} else {
		e.reg = reg
		atomic.Storeuintptr(&e.base, base)
	}
	clkIOAPICLockRelease(flags)
	return true
}
