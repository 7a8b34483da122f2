// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

// Interrupting a goroutine.
//
// Go has no way to stop a goroutine from outside, and on Unix none is
// needed: a runaway program is a process the kernel can kill. On clk a
// runaway goroutine (an actor spinning in `for {}`) shares the kernel's
// address space, so the runtime offers the one sound way in: the goroutine
// panics, on its own stack, at the next asynchronous safe point the timer
// tick finds it at, exactly as if the instruction there had faulted. Its
// deferred calls run and a recover in it sees the value, so the code that
// started it can report the stop and free what it held.
//
// A goroutine that is blocked is not woken: whoever blocks it (a channel,
// a lock) must be closed or released by the caller. A goroutine that runs
// runtime code or holds runtime locks is only interrupted once it is back
// in ordinary Go code. The requester may also name a mask word: while it
// is not zero the interrupt waits. Code that takes locks on the
// goroutine's behalf (an actor runtime's mailbox) raises the mask around
// them, so that no interrupt lands between taking a lock and deferring
// its release.

// clkSigInterrupt is the gp.sig that makes sigpanic raise the interrupt.
const clkSigInterrupt = 0x100

// The pending interrupts, one slot each: the goroutine's goid and the
// value to panic with. The tick reads goids with interrupts off and only
// atomically; the values are only touched from ordinary goroutine context
// under clkInterruptLock.
var (
	clkInterruptLock mutex
	clkInterruptGoid [16]atomic.Uint64
	clkInterruptVal  [16]any
	// clkInterruptMask holds each pending interrupt's mask word (a
	// *uint32, or nil), kept as a pointer so that the GC keeps it alive.
	clkInterruptMask [16]unsafe.Pointer
)

// clkGoroutineToken identifies the calling goroutine for
// clkInterruptGoroutine. Tokens are goroutine IDs: never reused, so a stale
// token never reaches a later goroutine.
//
//go:linkname clkGoroutineToken
func clkGoroutineToken() uint64 {
	return getg().goid
}

// clkInterruptGoroutine makes the goroutine token names panic with v at its
// next asynchronous safe point at which *mask (if mask is not nil) is zero.
// It reports false if that goroutine has exited or too many interrupts are
// pending.
//
//go:linkname clkInterruptGoroutine
func clkInterruptGoroutine(token uint64, v any, mask *uint32) bool {
	if token == 0 || token == getg().goid {
		return false
	}
	if !clkGoroutineAlive(token) {
		return false
	}
	clkInterruptForget()
	lock(&clkInterruptLock)
	defer unlock(&clkInterruptLock)
	free := -1
	for i := range clkInterruptGoid {
		switch clkInterruptGoid[i].Load() {
		case token:
			clkInterruptVal[i] = v
			clkInterruptMask[i] = unsafe.Pointer(mask)
			return true
		case 0:
			if free < 0 {
				free = i
			}
		}
	}
	if free < 0 {
		return false
	}
	clkInterruptVal[free] = v
	clkInterruptMask[free] = unsafe.Pointer(mask)
	clkInterruptGoid[free].Store(token)
	return true
}

// clkInterruptPending reports whether gp has an interrupt waiting that its
// mask lets through now.
//
// Nosplit: clkTick calls it on the gsignal stack, which cannot grow.
//
//go:nosplit
func clkInterruptPending(gp *g) bool {
	for i := range clkInterruptGoid {
		if clkInterruptGoid[i].Load() == gp.goid {
			m := (*uint32)(atomic.Loadp(unsafe.Pointer(&clkInterruptMask[i])))
			return m == nil || atomic.Load(m) == 0
		}
	}
	return false
}

// clkInterruptTake removes and returns gp's pending interrupt value.
func clkInterruptTake(gp *g) any {
	lock(&clkInterruptLock)
	defer unlock(&clkInterruptLock)
	for i := range clkInterruptGoid {
		if clkInterruptGoid[i].Load() == gp.goid {
			v := clkInterruptVal[i]
			clkInterruptVal[i] = nil
			clkInterruptMask[i] = nil
			clkInterruptGoid[i].Store(0)
			return v
		}
	}
	return nil
}

// clkInterruptForget frees the slots of goroutines that exited before
// their interrupt was delivered.
func clkInterruptForget() {
	for i := range clkInterruptGoid {
		id := clkInterruptGoid[i].Load()
		if id == 0 || clkGoroutineAlive(id) {
			continue
		}
		lock(&clkInterruptLock)
		if clkInterruptGoid[i].Load() == id {
			clkInterruptVal[i] = nil
			clkInterruptMask[i] = nil
			clkInterruptGoid[i].Store(0)
		}
		unlock(&clkInterruptLock)
	}
}

// clkGoroutineAlive reports whether the goroutine with ID goid exists.
func clkGoroutineAlive(goid uint64) bool {
	alive := false
	forEachG(func(gp *g) {
		if gp.goid == goid && readgstatus(gp)&^_Gscan != _Gdead {
			alive = true
		}
	})
	return alive
}
