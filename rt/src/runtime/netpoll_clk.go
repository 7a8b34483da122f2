// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

// The netpoller on clk waits for interrupts, not file descriptors.
//
// A goroutine that serves a device parks in clkIRQWait on its vector. The
// interrupt stub latches the vector in clkIRQPending (and counts it); when
// the scheduler polls, netpoll hands back the goroutines whose vectors
// fired. When nothing is runnable the scheduler blocks in netpoll with the
// timer deadline, so the CPU halts until the next interrupt or timer: the
// idle path of the whole system.

var (
	// clkIRQPending has bit v set by the stub of vector v until a waiter
	// consumes it. Written by interrupt stubs with LOCK BTS.
	clkIRQPending [4]uint64
	// clkIRQCount counts interrupts per vector, for reports.
	clkIRQCount [256]uint64

	clkIRQLock    uint32
	clkIRQWaiters [256]guintptr
	// clkIRQWaiting has bit v set while a goroutine waits on vector v.
	// Written under clkIRQLock, read without it.
	clkIRQWaiting [4]uint64

	clkNetpollThread uintptr // *clkThread blocked in netpoll, if any
	clkNetpollBroken uint32
)

func netpollinit() {}

func netpollIsPollDescriptor(fd uintptr) bool { return false }

func netpollopen(fd uintptr, pd *pollDesc) int32 { return _ENOSYS }

func netpollclose(fd uintptr) int32 { return 0 }

func netpollarm(pd *pollDesc, mode int) {}

// netpollBreak wakes the thread blocked in netpoll.
func netpollBreak() {
	if clkUserMode {
		clkUserNetpollBreak()
		return
	}
	atomic.Store(&clkNetpollBroken, 1)
	clkSchedAcquire()
	if t := clkThreadOf(clkNetpollThread); t != nil && t.state == clkThreadBlocked {
		clkMakeRunnable(t)
	}
	clkSchedRelease()
}

// netpoll returns the goroutines whose interrupts arrived. With delay < 0 it
// blocks until at least one interrupt (or a netpollBreak); with delay > 0 at
// most delay nanoseconds. It may return early and empty, which the scheduler
// handles.
func netpoll(delay int64) (gList, int32) {
	if clkUserMode {
		return clkUserNetpoll(delay)
	}
	// Read the interrupt count first: an interrupt after this point
	// wakes the thread below even if the collection missed it.
	seq := atomic.Load(&clkIRQSeq)
	list, n := clkIRQCollect()
	if n > 0 || delay == 0 {
		return list, -n
	}
	deadline := int64(0)
	if delay > 0 {
		deadline = nanotime() + delay
	}
	t := clkSelf()
	clkSchedAcquire()
	// netpollBreak sets the flag before it takes the lock: seen here, or
	// it finds the thread blocked.
	if atomic.Xchg(&clkNetpollBroken, 0) != 0 {
		clkSchedRelease()
		return list, 0
	}
	clkNetpollThread = uintptr(unsafe.Pointer(t))
	clkThreadBlockIRQ(t, deadline, seq)
	clkSchedAcquire()
	clkNetpollThread = 0
	clkSchedRelease()
	atomic.Store(&clkNetpollBroken, 0)
	list, n = clkIRQCollect()
	return list, -n
}

// Nosplit: a spin lock other CPUs wait on with interrupts on: its holder must
// not stop in morestack.
//
//go:nosplit
func clkIRQLockAcquire() {
	for !atomic.Cas(&clkIRQLock, 0, 1) {
		clkPause()
	}
}

// Nosplit: as clkIRQLockAcquire.
//
//go:nosplit
func clkIRQLockRelease() {
	atomic.Store(&clkIRQLock, 0)
}

// clkIRQTake consumes the latched interrupt of vector v, if any.
//
// Nosplit: called with clkIRQLock held.
//
//go:nosplit
func clkIRQTake(v uint8) bool {
	word := &clkIRQPending[v/64]
	bit := uint64(1) << (v % 64)
	for {
		old := atomic.Load64(word)
		if old&bit == 0 {
			return false
		}
		if atomic.Cas64(word, old, old&^bit) {
			return true
		}
	}
}

// clkIRQCollect readies the waiters whose vectors fired.
func clkIRQCollect() (gList, int32) {
	var list gList
	n := int32(0)
	clkIRQLockAcquire()
	for w := range clkIRQPending {
		if atomic.Load64(&clkIRQPending[w]) == 0 {
			continue
		}
		for b := 0; b < 64; b++ {
			v := uint8(w*64 + b)
			gp := clkIRQWaiters[v].ptr()
			if gp == nil || !clkIRQTake(v) {
				continue
			}
			clkIRQWaiters[v] = 0
			atomic.And64(&clkIRQWaiting[v/64], ^(uint64(1) << (v % 64)))
			list.push(gp)
			n++
		}
	}
	clkIRQLockRelease()
	return list, n
}

// clkIRQWait parks the calling goroutine until vector v has fired since the
// last wait on it. One goroutine at a time may wait on a vector.
func clkIRQWait(v uint8) {
	if v < clkVecFirstIRQ {
		panic(plainError("clk: IRQ wait on an exception vector"))
	}
	// The scheduler only blocks in netpoll once the poller is set up;
	// until then an M with nothing to run would park for good.
	netpollGenericInit()
	gopark(clkIRQPark, unsafe.Pointer(uintptr(v)), waitReasonIOWait, traceBlockNet, 0)
}

// clkIRQPark runs on g0 once gp is parked: it either registers gp as the
// vector's waiter or, if the interrupt already came, resumes it at once.
func clkIRQPark(gp *g, arg unsafe.Pointer) bool {
	v := uint8(uintptr(arg))
	clkIRQLockAcquire()
	if clkIRQTake(v) {
		clkIRQLockRelease()
		return false
	}
	if clkIRQWaiters[v] != 0 {
		clkIRQLockRelease()
		throw("clk: two goroutines wait on one interrupt vector")
	}
	clkIRQWaiters[v].set(gp)
	atomic.Or64(&clkIRQWaiting[v/64], uint64(1)<<(v%64))
	clkIRQLockRelease()
	netpollAdjustWaiters(1)
	return true
}

// clkIRQReady reports whether an interrupt came on a vector that a
// goroutine waits on: a hint, read without the lock.
//
// Nosplit: a small leaf that schedule calls on every pass (clkIRQInject); it
// needs no stack check.
//
//go:nosplit
func clkIRQReady() bool {
	for w := range clkIRQPending {
		if atomic.Load64(&clkIRQPending[w])&atomic.Load64(&clkIRQWaiting[w]) != 0 {
			return true
		}
	}
	return false
}

// clkIRQInject readies the goroutines whose interrupts came, from
// schedule: while an M blocks in netpoll the others do not poll, and a
// goroutine that never blocks keeps its M from blocking there, so without
// this an interrupt waiter would wait for sysmon, which on a busy machine
// gets a CPU only now and then. (On Linux, sysmon polls every 10 ms for
// the same reason.)
func clkIRQInject() {
	if !clkIRQReady() {
		return
	}
	list, delta := netpoll(0)
	if !list.empty() {
		injectglist(&list)
		netpollAdjustWaiters(delta)
	}
}
