// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/goarch"
	"internal/runtime/atomic"
	"internal/stringslite"
	"unsafe"
)

// Time-slice preemption.
//
// While a thread runs, the local APIC timer interrupts every clkSliceNS. The
// timer's stub (clkTickEntry) saves the interrupted context, as a signal
// delivery on Unix does, and calls clkTick on the M's gsignal stack. If the
// same goroutine has run on its P for a whole slice, clkTick marks it for
// preemption and, when the interrupted instruction is an asynchronous safe
// point, makes the interrupted context call asyncPreempt, exactly as Go's
// signal-based preemption does on Unix. A loop without function calls is
// preempted too; the goroutine resumes where it was.
//
// Idle CPUs take no ticks: clkIdleLoop arms the timer only for deadlines.

// clkSliceNS is the longest a goroutine runs before it is preempted; it is
// sysmon's forcePreemptNS.
const clkSliceNS = 10_000_000

// clkEmulatedTLB is set when the CPU is QEMU's TCG emulator, whose software
// TLB starts small (256 entries per address space) and grows only when the
// guest flushes the whole TLB. clk loads CR3 once at boot, so under TCG a
// working set of more than 1 MiB keeps missing in it; Linux grows it with
// every context switch. Reloading CR3 every clkTLBGrowTicks ticks of a
// running thread lets it grow (map inserts took a third of the time in an
// experiment). Real CPUs and hardware virtualisation never need it.
var clkEmulatedTLB bool

const clkTLBGrowTicks = 10

// clkTickSched is what the tick last saw of each P, as sysmon's sysmontick.
var clkTickSched [clkMaxCPUs]struct {
	schedtick uint32
	since     int64
}

// clkTick runs on the gsignal stack of the M whose thread the tick
// interrupted at f, running gp, with interrupts off.
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkTick(f *clkTrapFrame, gp *g) {
	now := nanotime()
	mp := gp.m
	if clkEmulatedTLB {
		cpu := (*clkCPU)(unsafe.Pointer(mp.mOS.thread.cpu))
		if cpu.ticks++; cpu.ticks%clkTLBGrowTicks == 0 {
			clkWriteCR3(clkReadCR3())
		}
	}
	due := clkTickWake(now)
	if f.cs&3 != 0 || gp != mp.curg {
		return
	}
	// Whether the interrupted code is ordinary Go code at a safe point,
	// decided once, before the frame may be redirected below.
	s := clkSafePointOf(f, gp)
	if mp.p != 0 {
		clkTickPreempt(f, gp, now, s)
	}
	if s.safe && due && now-mp.mOS.thread.since >= clkSliceNS {
		clkTickYield(mp)
	}
}

// clkTickWake is the part of a tick that concerns threads, whatever the
// CPU was running: it re-arms the timer for the next slice and, if a
// thread became due (its deadline passed, an interrupt came on this CPU)
// while the other CPUs halt, queues it, which wakes a halted CPU, rather
// than leave it waiting for this CPU to schedule. Only if the lock is
// free: the interrupted code may hold it. It reports whether a thread was
// due. Interrupts are off.
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkTickWake(now int64) bool {
	clkTimerArm(now + clkSliceNS)
	due := clkAnyDue(now)
	if due && clkNCPU > 1 && atomic.Cas(&clkSchedLock, 0, 1) {
		clkWakeDue()
		clkSchedRelease()
	}
	return due
}

// clkSliceUp reports whether the goroutines on pp have had it for a whole
// slice without a reschedule, as sysmon's sysmontick does; a new schedtick
// starts the slice again.
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkSliceUp(pp *p, now int64) bool {
	if int(pp.id) >= len(clkTickSched) {
		return false
	}
	st := &clkTickSched[pp.id]
	if st.schedtick != pp.schedtick {
		st.schedtick, st.since = pp.schedtick, now
		return false
	}
	return now-st.since >= clkSliceNS
}

// clkSafePoint is what the tick learns of the instruction it interrupted.
type clkSafePoint struct {
	// async: an asynchronous safe point (isAsyncSafePoint), where a call
	// to asyncPreempt returning to resume may be pushed.
	async  bool
	resume uintptr
	// safe: also no runtime lock held and no allocation under way, so
	// that the goroutine may panic there or its thread leave the CPU.
	safe bool
}

// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkSafePointOf(f *clkTrapFrame, gp *g) clkSafePoint {
	ok, resume := isAsyncSafePoint(gp, uintptr(f.rip), uintptr(f.rsp), 0)
	mp := gp.m
	return clkSafePoint{
		async:  ok,
		resume: resume,
		safe:   ok && mp.locks == 0 && mp.mallocing == 0 && !gp.throwsplit,
	}
}

// clkPreemptIPI runs, like clkTick, on the gsignal stack of the M whose
// thread the preemption IPI interrupted: it preempts gp if someone asked.
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkPreemptIPI(f *clkTrapFrame, gp *g) {
	mp := gp.m
	if f.cs&3 != 0 || gp != mp.curg || mp.p == 0 || !gp.preempt {
		return
	}
	clkTickPreempt(f, gp, nanotime(), clkSafePointOf(f, gp))
}

// clkTickPreempt preempts gp if it has held its P for a whole slice or
// someone asked for it (a stop of the world, a GC scan), injecting a call of
// asyncPreempt when f is at an asynchronous safe point (s).
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkTickPreempt(f *clkTrapFrame, gp *g, now int64, s clkSafePoint) {
	mp := gp.m
	pp := mp.p.ptr()
	if int(pp.id) >= len(clkTickSched) {
		return
	}
	if s.safe && clkInterruptPending(gp) && clkInjectInterrupt(f, gp) {
		return
	}
	if !clkSliceUp(pp, now) && !gp.preempt {
		return
	}
	gp.preempt = true
	gp.stackguard0 = stackPreempt
	if !s.async || !wantAsyncPreempt(gp) {
		return
	}
	// Push a call to asyncPreempt that returns to resume.
	sp := uintptr(f.rsp) - goarch.PtrSize
	*(*uintptr)(unsafe.Pointer(sp)) = s.resume
	f.rsp = uint64(sp)
	f.rip = uint64(abi.FuncPCABI0(asyncPreempt))
}

// clkInjectInterrupt makes gp, interrupted by the tick at f, a safe point,
// call sigpanic as if the instruction at f.rip had faulted; sigpanic raises
// the pending interrupt (see interrupt_clk.go). It reports whether it did.
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkInjectInterrupt(f *clkTrapFrame, gp *g) bool {
	pc := uintptr(f.rip)
	// Not inside the sync packages: a panic between a lock's
	// acquisition and its return would leave the lock held with no
	// deferred unlock yet to release it.
	if name := funcname(findfunc(pc)); stringslite.HasPrefix(name, "sync.") || stringslite.HasPrefix(name, "internal/sync.") {
		return false
	}
	clkCallSigpanic(f, gp, clkSigInterrupt, 0, 0)
	return true
}

// clkTickYield gives the CPU to another thread, as a Unix kernel preempts a
// process: the caller saw that mp's thread has had it for a whole slice,
// that another thread waits for one, and that the interrupted code holds no
// runtime lock (it is ordinary Go code at a safe point). The thread resumes
// here, on this or another CPU, when it is chosen again.
//
// No write barriers: it runs on the gsignal stack with interrupts off, in the
// interrupted M's place, as a Unix signal handler does.
//
//go:nowritebarrierrec
func clkTickYield(mp *m) {
	clkSchedAcquire()
	clkRequeue(&mp.mOS.thread)
}
