// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/runtime/atomic"
	"unsafe"
)

// Kernel threads: what the runtime calls OS threads (Ms) on clk.
//
// Each M runs on a clkThread: a saved stack pointer, frame pointer and FS
// base (the M's TLS, where g lives). Threads switch only when the running one
// blocks (semasleep, usleep, netpoll, osyield, exit), so a switch is a call to
// clkSwitch and needs to save nothing the Go ABI does not already treat as
// clobbered. When no thread can run, the CPU halts until the earliest thread
// deadline (armed on the local APIC timer) or an interrupt.
//
// Interrupt stubs never touch thread state: they set bits and bump
// clkIRQSeq, which the scheduler reads. All thread state below is owned by
// the one CPU; a future SMP scheduler guards it with clkSchedLock.

const (
	clkThreadNew = iota // created, never run
	clkThreadRunning
	clkThreadRunnable
	clkThreadBlocked
	clkThreadDead
)

type clkThread struct {
	sp, bp   uintptr // saved by clkSwitch; sp points at the resume PC
	fsbase   uintptr // IA32_FS_BASE while this thread runs
	state    uint32
	deadline int64 // wake at this nanotime if blocked; 0: no deadline
	// wantIRQ: also wake when clkIRQSeq moves past irqSeq.
	wantIRQ bool
	irqSeq  uint32
	next    uintptr // *clkThread on the run queue
	link    uintptr // *clkThread on clkAllThreads
	mp      uintptr // *m; threads are reached from m, never the reverse in GC terms
}

var (
	clkCurThread  uintptr // *clkThread running now
	clkRunqHead   uintptr
	clkRunqTail   uintptr
	clkAllThreads uintptr

	// clkIRQSeq counts interrupts taken; the stubs increment it.
	clkIRQSeq uint32

	// clkSliceStart is the clkNanotime at which the running thread last
	// got the CPU.
	clkSliceStart int64
)

//go:nosplit
func clkThreadOf(p uintptr) *clkThread {
	return (*clkThread)(unsafe.Pointer(p))
}

// clkThreadsInit adopts the boot context as m0's thread.
func clkThreadsInit() {
	t := &m0.mOS.thread
	t.state = clkThreadRunning
	t.fsbase = uintptr(unsafe.Pointer(&m0.tls[0])) + 8
	t.mp = uintptr(unsafe.Pointer(&m0))
	clkCurThread = uintptr(unsafe.Pointer(t))
	clkAllThreads = clkCurThread
}

// clkThreadCreate starts a thread that runs mstart on mp's g0 stack.
func clkThreadCreate(mp *m) {
	t := &mp.mOS.thread
	sp := (mp.g0.stack.hi - 64) &^ 15
	// clkSwitch returns into clkThreadStart with mp just above the PC.
	*(*uintptr)(unsafe.Pointer(sp)) = abi.FuncPCABI0(clkThreadStart)
	*(*uintptr)(unsafe.Pointer(sp + 8)) = uintptr(unsafe.Pointer(mp))
	t.sp = sp
	t.bp = 0
	t.fsbase = uintptr(unsafe.Pointer(&mp.tls[0])) + 8
	t.mp = uintptr(unsafe.Pointer(mp))
	t.link = clkAllThreads
	clkAllThreads = uintptr(unsafe.Pointer(t))
	clkMakeRunnable(t)
}

//go:nosplit
func clkMakeRunnable(t *clkThread) {
	if t.state == clkThreadRunnable || t.state == clkThreadRunning || t.state == clkThreadDead {
		return
	}
	t.state = clkThreadRunnable
	t.next = 0
	p := uintptr(unsafe.Pointer(t))
	if clkRunqTail == 0 {
		clkRunqHead = p
	} else {
		clkThreadOf(clkRunqTail).next = p
	}
	clkRunqTail = p
}

//go:nosplit
func clkRunqPop() *clkThread {
	p := clkRunqHead
	if p == 0 {
		return nil
	}
	t := clkThreadOf(p)
	clkRunqHead = t.next
	if clkRunqHead == 0 {
		clkRunqTail = 0
	}
	t.next = 0
	return t
}

// clkThreadBlock blocks the current thread, which must be t, until it is
// made runnable or deadline (if non-zero) passes.
//
//go:nosplit
func clkThreadBlock(t *clkThread, deadline int64) {
	t.state = clkThreadBlocked
	t.deadline = deadline
	systemstack(clkSchedule)
}

// clkThreadBlockIRQ is clkThreadBlock that also wakes on any interrupt.
//
//go:nosplit
func clkThreadBlockIRQ(t *clkThread, deadline int64) {
	t.wantIRQ = true
	t.irqSeq = atomic.Load(&clkIRQSeq)
	clkThreadBlock(t, deadline)
	t.wantIRQ = false
}

//go:nosplit
func clkSleep(ns int64) {
	t := clkThreadOf(clkCurThread)
	if t == nil {
		// Before the threads exist: spin.
		end := clkNanotime() + ns
		for clkNanotime() < end {
			clkPause()
		}
		return
	}
	clkThreadBlock(t, nanotime()+ns)
}

//go:nosplit
func clkYield() {
	t := clkThreadOf(clkCurThread)
	if t == nil || clkRunqHead == 0 {
		return
	}
	t.state = clkThreadBlocked
	clkMakeRunnable(t)
	systemstack(clkSchedule)
}

// clkSchedYield gives the CPU to the next runnable thread if the current
// one has had it for a whole slice. schedule calls it between goroutines.
// Threads are not preempted, so without it a thread whose goroutines keep
// the CPU (say, a Gosched loop waiting for a goroutine whose M is on a
// switched-out thread) would starve the other threads forever.
//
//go:nosplit
func clkSchedYield() {
	if clkRunqHead != 0 && clkNanotime()-clkSliceStart >= clkSliceNS {
		clkYield()
	}
}

// clkSemaTake takes a unit of mp's semaphore if there is one.
//
//go:nosplit
func clkSemaTake(mp *m) bool {
	for {
		v := atomic.Load(&mp.mOS.sema)
		if v == 0 {
			return false
		}
		if atomic.Cas(&mp.mOS.sema, v, v-1) {
			return true
		}
	}
}

//go:nosplit
func clkSemaGive(mp *m) {
	atomic.Xadd(&mp.mOS.sema, 1)
	if t := &mp.mOS.thread; t.state == clkThreadBlocked {
		clkMakeRunnable(t)
	}
}

// clkSchedule runs the next runnable thread, halting the CPU until one
// exists. The current thread has already set its own state; if it is
// still runnable it is among the candidates. It returns when the current
// thread is chosen again.
//
//go:nosplit
func clkSchedule() {
	cur := clkThreadOf(clkCurThread)
	for {
		// Take the interrupt count before looking at deadlines: an
		// interrupt after this point keeps clkIdle from halting.
		seq := atomic.Load(&clkIRQSeq)
		clkWakeDue()
		if next := clkRunqPop(); next != nil {
			next.state = clkThreadRunning
			clkSliceStart = clkNanotime()
			clkTimerArm(clkNanotime() + clkSliceNS) // the running thread's time slice
			if next == cur {
				return
			}
			clkCurThread = uintptr(unsafe.Pointer(next))
			clkSwitch(cur, next)
			// Back on cur: whoever switched to us set our state.
			return
		}
		clkIdle(seq)
	}
}

// clkWakeDue makes runnable the blocked threads whose deadline passed or
// whose interrupt arrived.
//
//go:nosplit
func clkWakeDue() {
	now := clkNanotime()
	seq := atomic.Load(&clkIRQSeq)
	for p := clkAllThreads; p != 0; p = clkThreadOf(p).link {
		t := clkThreadOf(p)
		if t.state != clkThreadBlocked {
			continue
		}
		if (t.deadline != 0 && now >= t.deadline) || (t.wantIRQ && seq != t.irqSeq) {
			clkMakeRunnable(t)
		}
	}
}

// clkIdle halts until the next interrupt, with the timer armed for the
// earliest thread deadline, unless an interrupt came after the caller read
// seq from clkIRQSeq.
//
//go:nosplit
func clkIdle(seq uint32) {
	next := int64(0)
	for p := clkAllThreads; p != 0; p = clkThreadOf(p).link {
		t := clkThreadOf(p)
		if t.state == clkThreadBlocked && t.deadline != 0 && (next == 0 || t.deadline < next) {
			next = t.deadline
		}
	}
	clkTimerArm(next)
	clkHaltUntilInterrupt(&clkIRQSeq, seq)
}

// clkThreadExit ends the current thread. The runtime may free the thread's
// g0 stack and its m once wait reads 0, which it cannot do before we have
// switched away: only this CPU runs threads.
//
//go:nosplit
func clkThreadExit(wait *atomic.Uint32) {
	t := clkThreadOf(clkCurThread)
	t.state = clkThreadDead
	for pp := &clkAllThreads; *pp != 0; pp = &clkThreadOf(*pp).link {
		if *pp == clkCurThread {
			*pp = t.link
			break
		}
	}
	wait.Store(0)
	clkSchedule()
	throw("clk: dead thread resumed")
}
