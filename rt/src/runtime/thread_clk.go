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
// Each M runs on a clkThread: a saved stack pointer, frame pointer, flags
// and FS base (the M's TLS, where g lives). Threads are not bound to CPUs:
// every CPU takes the next runnable thread from one run queue. A thread
// leaves its CPU when it blocks (semasleep, usleep, netpoll, osyield, exit)
// or when the timer tick finds it in ordinary Go code after a whole slice
// while other threads wait (clkTickYield). A switch is a call of clkSwitch
// either way: from a blocking call, or from clkTick, whose stub keeps the
// interrupted context on the M's gsignal stack.
//
// Each CPU also has an idle thread of its own, never queued: a CPU with
// nothing to run switches to it, and it halts the CPU until an interrupt
// (a device, its timer armed for the earliest thread deadline, or the wake
// IPI another CPU sends when it queues a thread).
//
// Locking: clkSchedLock, a spin lock, guards every thread's state, the run
// queue and the thread list. Interrupt stubs never take it; they bump
// clkIRQSeq, which the schedulers read. The lock is held across clkSwitch
// and released by the thread switched to (clkAfterSwitch), so that no CPU
// can pick a thread whose stack another CPU is still leaving.
//
// Lock order: clkSchedLock < clkMemLock.

const (
	clkThreadNew = iota // created, never run
	clkThreadRunning
	clkThreadRunnable
	clkThreadBlocked
	clkThreadDead
)

type clkThread struct {
	sp, bp   uintptr // saved by clkSwitch; sp points at the saved flags
	fsbase   uintptr // IA32_FS_BASE while this thread runs
	state    uint32
	deadline int64 // wake at this nanotime if blocked; 0: no deadline
	// wantIRQ: also wake when clkIRQSeq moves past irqSeq.
	wantIRQ bool
	irqSeq  uint32
	next    uintptr // *clkThread on the run queue
	link    uintptr // *clkThread on clkAllThreads
	mp      uintptr // *m; threads are reached from m, never the reverse in GC terms
	cpu     uintptr // *clkCPU the thread runs on, while it runs
	since   int64   // nanotime it last got its CPU
}

var (
	clkSchedLock  uint32
	clkRunqHead   uintptr
	clkRunqTail   uintptr
	clkAllThreads uintptr

	// clkThreadsReady is set once m0 runs on a thread.
	clkThreadsReady bool

	// clkIRQSeq counts interrupts taken; the stubs increment it.
	clkIRQSeq uint32
)

// Nosplit: a leaf of the scheduler, which runs with clkSchedLock held, and a
// stack growth could block on a runtime lock whose wait (semasleep) takes
// clkSchedLock.
//
//go:nosplit
func clkThreadOf(p uintptr) *clkThread {
	return (*clkThread)(unsafe.Pointer(p))
}

// Nosplit: taken by semasleep, usleep and osyield, which the runtime calls
// from nosplit code, and by clkTick on the gsignal stack, which cannot grow.
//
//go:nosplit
func clkSchedAcquire() {
	for !atomic.Cas(&clkSchedLock, 0, 1) {
		for atomic.Load(&clkSchedLock) != 0 {
			clkPause()
		}
	}
}

// Nosplit: as clkSchedAcquire.
//
//go:nosplit
func clkSchedRelease() {
	atomic.Store(&clkSchedLock, 0)
}

// clkSelf returns the thread of the calling M.
//
// Nosplit: part of semasleep, usleep or osyield, which the runtime calls from
// nosplit code (lock2, notesleep).
//
//go:nosplit
func clkSelf() *clkThread {
	return &getg().m.mOS.thread
}

// clkThreadsInit adopts the boot context as m0's thread on the boot CPU.
func clkThreadsInit() {
	t := &m0.mOS.thread
	t.state = clkThreadRunning
	t.fsbase = uintptr(unsafe.Pointer(&m0.tls[0])) + 8
	t.mp = uintptr(unsafe.Pointer(&m0))
	t.cpu = uintptr(unsafe.Pointer(&clkCPUs[0]))
	clkCPUs[0].cur = uintptr(unsafe.Pointer(t))
	clkAllThreads = uintptr(unsafe.Pointer(t))
	clkThreadsReady = true
}

// clkFlagsIF is RFLAGS with only IF (and the always-one bit 1) set: how
// a new thread starts.
const clkFlagsIF = 0x202

// clkThreadCreate starts a thread that runs mstart on mp's g0 stack.
func clkThreadCreate(mp *m) {
	t := &mp.mOS.thread
	sp := (mp.g0.stack.hi - 64) &^ 15
	// clkSwitch pops the flags and returns into clkThreadStart, which
	// finds mp just above the PC.
	*(*uintptr)(unsafe.Pointer(sp)) = clkFlagsIF
	*(*uintptr)(unsafe.Pointer(sp + 8)) = abi.FuncPCABI0(clkThreadStart)
	*(*uintptr)(unsafe.Pointer(sp + 16)) = uintptr(unsafe.Pointer(mp))
	t.sp = sp
	t.bp = 0
	t.fsbase = uintptr(unsafe.Pointer(&mp.tls[0])) + 8
	t.mp = uintptr(unsafe.Pointer(mp))
	clkSchedAcquire()
	t.link = clkAllThreads
	clkAllThreads = uintptr(unsafe.Pointer(t))
	clkMakeRunnable(t)
	clkSchedRelease()
}

// clkThreadBegin is the first Go code of a new thread: it finishes the
// switch that started it.
//
// Nosplit: the first code of a new thread, still holding clkSchedLock for the
// switch that started it.
//
//go:nosplit
func clkThreadBegin() {
	clkAfterSwitch(clkSelf())
}

// clkMakeRunnable queues the blocked or new thread t and wakes a halted CPU
// to run it.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkMakeRunnable(t *clkThread) {
	if t.state == clkThreadRunnable || t.state == clkThreadRunning || t.state == clkThreadDead {
		return
	}
	clkRunqPush(t)
	clkWakeIdleCPU(0)
}

// clkRunqPush puts t at the back of the run queue.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkRunqPush(t *clkThread) {
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

// clkRequeue puts the calling thread t at the back of the run queue and
// gives its CPU to the first in line; it returns when t runs again. No CPU
// is woken for t: it is running.
//
// Preconditions: clkSchedLock is held. The lock is released on return.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkRequeue(t *clkThread) {
	clkRunqPush(t)
	clkSchedule(t)
}

// clkRunqPop takes the first runnable thread.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
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

// clkThreadBlock blocks the calling thread t until it is made runnable or
// deadline (if non-zero) passes.
//
// Preconditions: clkSchedLock is held; t is the calling thread. The lock is
// released on return.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkThreadBlock(t *clkThread, deadline int64) {
	t.state = clkThreadBlocked
	t.deadline = deadline
	if deadline != 0 {
		clkWakeIdleCPU(deadline)
	}
	systemstack(clkScheduleSelf)
}

// clkThreadBlockIRQ is clkThreadBlock that also wakes on any interrupt
// after the caller read seq from clkIRQSeq.
//
// Preconditions: as clkThreadBlock.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkThreadBlockIRQ(t *clkThread, deadline int64, seq uint32) {
	t.wantIRQ = true
	t.irqSeq = seq
	clkThreadBlock(t, deadline)
	t.wantIRQ = false
}

// Nosplit: part of semasleep, usleep or osyield, which the runtime calls from
// nosplit code (lock2, notesleep).
//
//go:nosplit
func clkSleep(ns int64) {
	if !clkThreadsReady {
		// Before the threads exist: spin.
		end := clkNanotime() + ns
		for clkNanotime() < end {
			clkPause()
		}
		return
	}
	clkSchedAcquire()
	clkThreadBlock(clkSelf(), nanotime()+ns)
}

// clkYield lets the threads that wait for a CPU run first.
//
// Nosplit: part of semasleep, usleep or osyield, which the runtime calls from
// nosplit code (lock2, notesleep).
//
//go:nosplit
func clkYield() {
	if !clkThreadsReady || atomic.Loaduintptr(&clkRunqHead) == 0 {
		return
	}
	clkSchedAcquire()
	systemstack(clkRequeueSelf)
}

// clkRequeueSelf is clkRequeue for the calling M's thread, on its g0.
//
// Nosplit: runs on g0 (systemstack) with clkSchedLock held.
//
//go:nosplit
func clkRequeueSelf() {
	clkRequeue(clkSelf())
}

// clkSchedYield gives the CPU to the threads that wait for one if the
// calling thread has had it for a whole slice; schedule calls it between
// goroutines. The tick preempts threads only in ordinary Go code, so
// without this a thread whose goroutines loop in the runtime (runtime.GC
// calling Gosched while it waits for a sweeper whose M waits for a CPU)
// could keep its CPU while the other threads starve.
//
// It also readies the goroutines whose interrupts came (clkIRQInject).
func clkSchedYield() {
	if clkUserMode {
		return
	}
	// A spinning M must reach findRunnable with an empty local run queue
	// (schedule throws otherwise), and injectglist would fill it: a new
	// M, started spinning, took an interrupt's goroutines here under load.
	// findRunnable polls for them itself.
	if !getg().m.spinning {
		clkIRQInject()
	}
	if !clkThreadsReady || atomic.Loaduintptr(&clkRunqHead) == 0 {
		return
	}
	if clkNanotime()-clkSelf().since >= clkSliceNS {
		clkYield()
	}
}

// clkSemaTake takes a unit of mp's semaphore if there is one.
//
// Nosplit: part of semasleep, usleep or osyield, which the runtime calls from
// nosplit code (lock2, notesleep).
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

// Nosplit: part of semasleep, usleep or osyield, which the runtime calls from
// nosplit code (lock2, notesleep).
//
//go:nosplit
func clkSemaGive(mp *m) {
	atomic.Xadd(&mp.mOS.sema, 1)
	clkSchedAcquire()
	if t := &mp.mOS.thread; t.state == clkThreadBlocked {
		clkMakeRunnable(t)
	}
	clkSchedRelease()
}

// clkSemaWait blocks the calling M until its semaphore has a unit or
// deadline (if non-zero) passes; it reports whether it took a unit.
//
// Nosplit: part of semasleep, usleep or osyield, which the runtime calls from
// nosplit code (lock2, notesleep).
//
//go:nosplit
func clkSemaWait(mp *m, deadline int64) bool {
	for {
		if clkSemaTake(mp) {
			return true
		}
		if deadline != 0 && nanotime() >= deadline {
			return false
		}
		clkSchedAcquire()
		// Checked again under the lock, which clkSemaGive takes after
		// adding: a unit given now is seen here or wakes us.
		if atomic.Load(&mp.mOS.sema) != 0 {
			clkSchedRelease()
			continue
		}
		clkThreadBlock(&mp.mOS.thread, deadline)
	}
}

// clkScheduleSelf is clkSchedule for the calling M's thread, on its g0.
//
// Nosplit: runs on g0 (systemstack) with clkSchedLock held.
//
//go:nosplit
func clkScheduleSelf() {
	clkSchedule(clkSelf())
}

// clkSchedule gives cur's CPU to the next runnable thread, or to the CPU's
// idle thread if there is none, unless cur itself is runnable and first in
// line. cur has set its own state. It returns when cur runs again,
// possibly on another CPU.
//
// Preconditions: clkSchedLock is held; cur is the running thread. The lock
// is released on return.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkSchedule(cur *clkThread) {
	cpu := (*clkCPU)(unsafe.Pointer(cur.cpu))
	clkWakeDue()
	next := clkRunqPop()
	if next == nil {
		next = &cpu.idle
	}
	if next == cur {
		cur.state = clkThreadRunning
		clkSchedRelease()
		return
	}
	clkRun(cpu, cur, next)
}

// clkRun switches cpu from cur to next and, once cur runs again, finishes
// the switch that resumed it.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: holds clkSchedLock across the switch, and runs on the idle
// thread's g, which has no M for morestack.
//
//go:nosplit
func clkRun(cpu *clkCPU, cur, next *clkThread) {
	now := clkNanotime()
	next.state = clkThreadRunning
	next.cpu = uintptr(unsafe.Pointer(cpu))
	next.since = now
	cpu.cur = uintptr(unsafe.Pointer(next))
	if next != &cpu.idle {
		clkTimerArm(now + clkSliceNS) // the thread's time slice
	}
	clkSwitch(cur, next)
	clkAfterSwitch(cur)
}

// clkAfterSwitch runs on t right after a switch to t: it completes what
// the thread that left the CPU could not do on its own stack.
//
// Nosplit: the first code after a switch, holding clkSchedLock, also on an
// idle thread's g without an M.
//
//go:nosplit
func clkAfterSwitch(t *clkThread) {
	cpu := (*clkCPU)(unsafe.Pointer(t.cpu))
	if w := cpu.exitWait; w != 0 {
		cpu.exitWait = 0
		(*atomic.Uint32)(unsafe.Pointer(w)).Store(0)
	}
	clkSchedRelease()
}

// clkWakeDue makes runnable the blocked threads whose deadline passed or
// whose interrupt arrived.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
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

// clkAnyDue reports whether a thread waits for a CPU or would once
// clkWakeDue ran. It reads without the lock: a hint for the tick.
//
// Nosplit: called by clkTick on the gsignal stack, which cannot grow.
//
//go:nosplit
func clkAnyDue(now int64) bool {
	if atomic.Loaduintptr(&clkRunqHead) != 0 {
		return true
	}
	seq := atomic.Load(&clkIRQSeq)
	for p := atomic.Loaduintptr(&clkAllThreads); p != 0; p = clkThreadOf(p).link {
		t := clkThreadOf(p)
		if atomic.Load(&t.state) != clkThreadBlocked {
			continue
		}
		if (t.deadline != 0 && now >= t.deadline) || (t.wantIRQ && seq != t.irqSeq) {
			return true
		}
	}
	return false
}

// clkEarliestDeadline returns the earliest deadline of a blocked thread,
// or 0 if none has one.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkEarliestDeadline() int64 {
	next := int64(0)
	for p := clkAllThreads; p != 0; p = clkThreadOf(p).link {
		t := clkThreadOf(p)
		if t.state == clkThreadBlocked && t.deadline != 0 && (next == 0 || t.deadline < next) {
			next = t.deadline
		}
	}
	return next
}

// clkIdleLoop is the body of each CPU's idle thread: run what is runnable,
// else halt until an interrupt, with the timer armed for the earliest
// deadline. It runs with a g that has no M (see clkCPU) and never returns.
//
// Nosplit: runs on the idle thread's g, which has no M: morestack could not
// run.
//
//go:nosplit
func clkIdleLoop(cpu *clkCPU) {
	self := &cpu.idle
	for {
		// Take the interrupt count before looking for work: an interrupt
		// after this point keeps the CPU from halting.
		seq := atomic.Load(&clkIRQSeq)
		clkSchedAcquire()
		clkWakeDue()
		if next := clkRunqPop(); next != nil {
			clkRun(cpu, self, next)
			continue
		}
		deadline := clkEarliestDeadline()
		cpu.armed = deadline
		atomic.Store(&cpu.halted, 1)
		clkSchedRelease()
		clkTimerArm(deadline)
		clkHaltUntilInterrupt(&clkIRQSeq, seq)
		atomic.Store(&cpu.halted, 0)
	}
}

// clkWakeIdleCPU wakes a halted CPU: any one if deadline is 0 (a thread
// was queued), else one that would sleep past deadline (a thread blocked
// with that deadline). A CPU it wakes is no longer counted as halted, so
// the next call picks another.
//
// Preconditions: clkSchedLock is held.
//
// Nosplit: runs with clkSchedLock held, and a stack growth could block on a
// runtime lock whose wait (semasleep) takes clkSchedLock.
//
//go:nosplit
func clkWakeIdleCPU(deadline int64) {
	for i := uint32(0); i < clkNCPU; i++ {
		c := &clkCPUs[i]
		if atomic.Load(&c.halted) == 0 {
			continue
		}
		if deadline != 0 && c.armed != 0 && c.armed <= deadline {
			return // it wakes in time anyway
		}
		atomic.Store(&c.halted, 0)
		clkSendIPI(c.apicID, clkVecWake)
		return
	}
}

// clkThreadExit ends the current thread. The runtime may free the thread's
// g0 stack and its m once wait reads 0, which the next thread on this CPU
// stores once this one is off its stack.
//
// Nosplit: exitThread's body: its g0 stack may be freed once it switches
// away, and it holds clkSchedLock.
//
//go:nosplit
func clkThreadExit(wait *atomic.Uint32) {
	t := clkSelf()
	clkSchedAcquire()
	t.state = clkThreadDead
	for pp := &clkAllThreads; *pp != 0; pp = &clkThreadOf(*pp).link {
		if *pp == uintptr(unsafe.Pointer(t)) {
			*pp = t.link
			break
		}
	}
	(*clkCPU)(unsafe.Pointer(t.cpu)).exitWait = uintptr(unsafe.Pointer(wait))
	clkSchedule(t)
	throw("clk: dead thread resumed")
}
