// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/runtime/atomic"
	"unsafe"
)

// The user personality: the same runtime as a ring-3 program of the clk
// kernel.
//
// A program linked in the user address space (cmd/link: -T at or above
// 0x7f00_0000_0000) starts at _rt0_amd64_clk_user, which sets clkUserMode.
// From then on the runtime touches no hardware: each OS hook the kernel
// personality implements with the CPU, this one implements with a syscall.
//
//	console output     console_write
//	exit               process_exit
//	threads (Ms)       thread_create, thread_exit; each M is a kernel
//	                   thread of its own, scheduled by the kernel
//	TLS                thread_set_fs
//	sleeping, waking   futex_wait, futex_wake on the M's semaphore word
//	idle with timers   netpoll waits on a futex word with the timer's
//	                   deadline; netpollBreak wakes it
//	heap               vm_map (demand-zero memory), vm_unmap
//	time               RDTSC, scaled with the kernel's own factors
//	                   (system_info), so both agree on the clock
//	random             random_get
//
// Faults that Go turns into run-time panics (a divide error, a touch of
// the nil page) come back from the kernel to clkUserFault (fault_entry),
// which makes the goroutine call sigpanic as the kernel personality's trap
// handler does: the panic is an ordinary, recoverable Go panic. Every
// other fault ends the process with the kernel's report. There are no
// signals otherwise: a goroutine that loops without calls is preempted
// only at its calls (sysmon marks it).

// clkUserMode is set by _rt0_amd64_clk_user, before any Go code runs.
var clkUserMode bool

// The syscall numbers, statuses and flags are generated from package
// clk/abi into zabi_clk.go.

// clkSyscall makes a syscall: RAX num, RDI, RSI, RDX, R10, R8, R9 the
// arguments; it returns RAX (status) and RDX (value).
//
//go:noescape
func clkSyscall(num, a1, a2, a3, a4, a5, a6 uint64) (status, val uint64)

// clkUserThreadStart is where a thread made by newosproc starts, with its
// *m in RDI.
func clkUserThreadStart()

// clkSystemInfo is what system_info writes: the kernel's clock factors
// and the number of CPUs.
type clkSystemInfo struct {
	ncpu     uint64
	tscBase  uint64
	tscMult  uint64
	wallBase int64
	pageSize uint64
}

// clkLazyRetake is true in a user program: sysmon leaves a P that waits in
// a syscall alone for up to 10 ms when there is no other work, as it does
// when some P is idle. A program's goroutines often wait in channel reads
// for other processes; taking the P after 20 us would send sysmon into
// deep sleep and have the next syscall's return wake it again, every
// round trip, and each of those wake-ups is itself a syscall here.
func clkLazyRetake() bool { return clkUserMode }

// clkUserInit is osinit for a user program.
func clkUserInit() {
	var si clkSystemInfo
	if st, _ := clkSyscall(clkSysSystemInfo, uint64(uintptr(unsafe.Pointer(&si))), uint64(unsafe.Sizeof(si)), 0, 0, 0, 0); st != 0 {
		clkUserProcessExit(127)
	}
	clkTSCBase, clkTSCMult, clkWallBase = si.tscBase, si.tscMult, si.wallBase
	clkNCPU = uint32(si.ncpu)
	if clkNCPU == 0 {
		clkNCPU = 1
	}
	numCPUStartup = int32(clkNCPU)
	physPageSize = clkPageSize
	getg().m.procid = 1
	clkSyscall(clkSysFaultEntry, uint64(abi.FuncPCABI0(clkUserFault)), 0, 0, 0, 0, 0)
}

// clkUserFault is where the kernel resumes a thread that divided by zero
// or touched the nil page, with RDI the vector, RSI the address and RDX
// the faulting instruction, the stack as it was (userpersonality_clk_amd64.s).
func clkUserFault()

// clkUserFaultPanic returns where clkUserFault goes on: sigpanic0, with
// the faulting instruction pushed as if it had called it (clkCallSigpanic).
//
// Nosplit: it runs on the faulting goroutine's stack, in the room below the
// fault that clkUserFault leaves, with no caller morestack could unwind; and
// without write barriers, like a signal handler.
//
//go:nosplit
//go:nowritebarrierrec
func clkUserFaultPanic(vector, addr, pc, sp uintptr) (newpc, newsp uintptr) {
	var f clkTrapFrame
	f.rip, f.rsp = uint64(pc), uint64(sp)
	sig := uint32(_SIGSEGV)
	if vector == 0 { // #DE
		sig = _SIGFPE
	}
	clkCallSigpanic(&f, getg(), sig, 0, addr)
	return uintptr(f.rip), uintptr(f.rsp)
}

// Nosplit: exit's body in a ring-3 program.
//
//go:nosplit
func clkUserProcessExit(code int32) {
	for {
		clkSyscall(clkSysProcessExit, uint64(uint32(code)), 0, 0, 0, 0, 0)
	}
}

// Nosplit: write1's body in a ring-3 program: print runs it anywhere.
//
//go:nosplit
func clkUserWrite(p unsafe.Pointer, n int32) {
	for n > 0 {
		chunk := n
		if chunk > clkMaxIOBytes {
			chunk = clkMaxIOBytes
		}
		clkSyscall(clkSysConsoleWrite, uint64(uintptr(p)), uint64(chunk), 0, 0, 0, 0)
		p = add(p, uintptr(chunk))
		n -= chunk
	}
}

// clkUserNewThread is newosproc: a kernel thread in this process that
// starts at clkUserThreadStart on mp's g0 stack with mp's TLS. The g0
// stack is not the one allocm took from the Go heap, where an overflow
// would write into its neighbours unseen, but one with an unmapped page
// below it (clkUserThreadStack), which an overflow faults on.
func clkUserNewThread(mp *m) {
	mp.mOS.heapStack = mp.g0.stack
	mp.mOS.userStack = clkUserThreadStack()
	mp.g0.stack = mp.mOS.userStack
	mp.g0.stackguard0 = mp.g0.stack.lo + stackGuard
	mp.g0.stackguard1 = mp.g0.stackguard0
	sp := (mp.g0.stack.hi - 64) &^ 15
	fs := uintptr(unsafe.Pointer(&mp.tls[0])) + 8
	st, _ := clkSyscall(clkSysThreadCreate, uint64(abi.FuncPCABI0(clkUserThreadStart)), uint64(sp), uint64(fs), uint64(uintptr(unsafe.Pointer(mp))), 0, 0)
	if st != 0 {
		print("runtime: thread_create failed with status ", st, "\n")
		throw("newosproc")
	}
}

// The g0 stacks of the threads newosproc makes: clkUserG0Size bytes of
// demand-zero memory above an unmapped page. A thread that exits parks its
// stack in clkUserStacks for the next thread to take, once the kernel has
// stored 0 to the entry's free word, that is once the thread is off it.
// The table is small: a program whose threads exit more often than new
// ones start leaves the extra stacks mapped.
const clkUserG0Size = 64 << 10

type clkUserParked struct {
	// lo is the stack's low end: 0 for an empty entry, 1 while an
	// exiting thread fills the entry in.
	lo   uintptr
	free atomic.Uint32 // 0 once the thread that parked it is gone
}

var clkUserStacks [16]clkUserParked

// clkUserThreadStack returns a g0 stack with an unmapped page below.
func clkUserThreadStack() stack {
	for i := range clkUserStacks {
		e := &clkUserStacks[i]
		lo := atomic.Loaduintptr(&e.lo)
		if lo > 1 && e.free.Load() == 0 && atomic.Casuintptr(&e.lo, lo, 0) {
			return stack{lo: lo, hi: lo + clkUserG0Size}
		}
	}
	p := clkUserReserve(nil, clkPageSize+clkUserG0Size)
	if p == nil {
		throw("runtime: no memory for a thread's stack")
	}
	// The page below the stack leaves the address space: the guard.
	clkUserRelease(p, clkPageSize, false)
	lo := uintptr(p) + clkPageSize
	return stack{lo: lo, hi: lo + clkUserG0Size}
}

// clkUserThreadExit is exitThread: the kernel stores 0 to *wait once the
// thread is off its stack. A thread on a stack of clkUserThreadStack
// first gives allocm's stack back to mp.g0 for freem, parks its own and
// has the kernel report the end on the parked entry instead: allocm's
// stack and mp are free at once, since the thread uses neither again.
// With the table full the stack stays mapped and unused.
//
// Nosplit: exitThread's body in a ring-3 program: the thread's stack may be
// freed.
//
//go:nosplit
func clkUserThreadExit(wait *atomic.Uint32) {
	mp := getg().m
	if mp.mOS.userStack.lo != 0 {
		mp.g0.stack = mp.mOS.heapStack
		for i := range clkUserStacks {
			e := &clkUserStacks[i]
			if !atomic.Casuintptr(&e.lo, 0, 1) {
				continue
			}
			e.free.Store(1)
			atomic.Storeuintptr(&e.lo, mp.mOS.userStack.lo)
			wait.Store(0)
			wait = &e.free
			break
		}
	}
	for {
		clkSyscall(clkSysThreadExit, uint64(uintptr(unsafe.Pointer(wait))), 0, 0, 0, 0, 0)
	}
}

// clkUserDeadline turns a relative timeout (ns < 0: forever) into a
// deadline of the kernel's monotonic clock, which nanotime reads too.
//
// Nosplit: part of semasleep and usleep in a ring-3 program, which the
// runtime calls from nosplit code.
//
//go:nosplit
func clkUserDeadline(ns int64) uint64 {
	if ns < 0 {
		return clkDeadlineNever
	}
	d := nanotime() + ns
	if d <= 0 {
		d = 1 // 0 would mean "do not wait"
	}
	return uint64(d)
}

// clkUserFutexWait waits while *addr == val, until deadline. It reports
// false on timeout.
//
// Nosplit: as clkUserDeadline.
//
//go:nosplit
func clkUserFutexWait(addr *uint32, val uint32, deadline uint64) bool {
	st, _ := clkSyscall(clkSysFutexWait, uint64(uintptr(unsafe.Pointer(addr))), uint64(val), deadline, 0, 0, 0)
	return st != clkETIMEDOUT
}

// Nosplit: part of semawakeup in a ring-3 program, which the runtime calls
// from nosplit code.
//
//go:nosplit
func clkUserFutexWake(addr *uint32, n uint32) {
	clkSyscall(clkSysFutexWake, uint64(uintptr(unsafe.Pointer(addr))), uint64(n), 0, 0, 0, 0)
}

// clkUserSemaSleep is semasleep: take a unit of the M's semaphore,
// waiting at most ns (forever if ns < 0).
//
// Nosplit: semasleep's body in a ring-3 program.
//
//go:nosplit
func clkUserSemaSleep(ns int64) int32 {
	mp := getg().m
	deadline := clkUserDeadline(ns)
	for {
		if clkSemaTake(mp) {
			return 0
		}
		if !clkUserFutexWait(&mp.mOS.sema, 0, deadline) {
			if clkSemaTake(mp) {
				return 0
			}
			return -1
		}
	}
}

// Nosplit: semawakeup's body in a ring-3 program.
//
//go:nosplit
func clkUserSemaWakeup(mp *m) {
	atomic.Xadd(&mp.mOS.sema, 1)
	clkUserFutexWake(&mp.mOS.sema, 1)
}

// Nosplit: usleep's body in a ring-3 program.
//
//go:nosplit
func clkUserSleep(ns int64) {
	clkSyscall(clkSysClockSleep, clkUserDeadline(ns), 0, 0, 0, 0, 0)
}

// Nosplit: osyield's body in a ring-3 program.
//
//go:nosplit
func clkUserYield() {
	clkSyscall(clkSysTaskYield, 0, 0, 0, 0, 0, 0)
}

func clkUserRandom(r []byte) {
	for len(r) > 0 {
		n := len(r)
		if n > clkMaxIOBytes {
			n = clkMaxIOBytes
		}
		if st, _ := clkSyscall(clkSysRandomGet, uint64(uintptr(unsafe.Pointer(&r[0]))), uint64(n), 0, 0, 0, 0); st != 0 {
			throw("random_get failed")
		}
		r = r[n:]
	}
}

// Memory. The kernel reserves user address space as demand-zero memory
// (vm_map); the runtime asks for it at reservation. Memory it no longer
// uses goes back with vm_unmap's keep flag, which frees the frames but
// leaves the range reading as zero; memory it frees leaves the address
// space.

func clkUserReserve(v unsafe.Pointer, n uintptr) unsafe.Pointer {
	n = (n + clkPageSize - 1) &^ (clkPageSize - 1)
	st, addr := clkSyscall(clkSysVMMap, uint64(uintptr(v)), uint64(n), clkProtRead|clkProtWrite, 0, 0, 0)
	if st != 0 {
		return nil
	}
	return unsafe.Pointer(uintptr(addr))
}

// clkUserRelease hands back the whole pages of [v, v+n): keep leaves them
// reserved (sysUnused), otherwise they leave the address space.
func clkUserRelease(v unsafe.Pointer, n uintptr, keep bool) {
	start := (uintptr(v) + clkPageSize - 1) &^ (clkPageSize - 1)
	end := (uintptr(v) + n) &^ (clkPageSize - 1)
	flags := uint64(0)
	if keep {
		flags = clkVMUnmapKeep
	}
	if end > start {
		clkSyscall(clkSysVMUnmap, uint64(start), uint64(end-start), flags, 0, 0, 0)
	}
}

// The netpoller of a user program has no descriptors: it is where an idle
// M waits for the next timer, and netpollBreak is how another M wakes it.
var clkUserPollWord uint32

func clkUserNetpollBreak() {
	if atomic.Cas(&clkUserPollWord, 0, 1) {
		clkUserFutexWake(&clkUserPollWord, 1)
	}
}

func clkUserNetpoll(delay int64) (gList, int32) {
	if delay != 0 && atomic.Load(&clkUserPollWord) == 0 {
		clkUserFutexWait(&clkUserPollWord, 0, clkUserDeadline(delay))
	}
	atomic.Store(&clkUserPollWord, 0)
	return gList{}, 0
}
