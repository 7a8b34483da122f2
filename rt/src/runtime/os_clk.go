// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The GOOS=clk port: Go on bare x86-64 with no operating system underneath.
//
// The runtime itself is the first client of the hardware: it brings the CPU
// to long mode (rt0_clk_amd64.s), owns the page tables and physical memory
// (mem_clk.go), keeps time with the TSC (time_clk_amd64.go), multiplexes its
// Ms onto the CPU as kernel threads and halts when none can run
// (thread_clk.go), and turns interrupts into ready goroutines through the
// netpoller (netpoll_clk.go). Kernel packages reach these through a few
// linkname'd entry points (export_clk.go); everything else in the standard
// library sees a small Unix-like system with a console and no files.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

type mOS struct {
	thread clkThread // the kernel thread this M runs on
	sema   uint32    // semaphore count, see semasleep
	// In a ring-3 program, the g0 stack of a thread newosproc made
	// (clkUserNewThread) and the one allocm gave it, which exitThread
	// puts back for freem to free.
	userStack, heapStack stack
}

type sigset struct{}

type gsignalStack struct{}

func osinit() {
	if clkUserMode {
		clkUserInit()
		return
	}
	clkThreadsInit()
	clkCPUInit()
	clkTimeInit()
	clkIntrInit()
	numCPUStartup = getCPUCount()
	physPageSize = clkPageSize
	getg().m.procid = 1
}

// sysargs builds argc/argv/envp from the boot command line before anything
// else in the runtime needs them. It runs on g0 of m0 with interrupts off.
func sysargs(c int32, v **byte) {
	if clkUserMode {
		argc, argv = c, v
		return
	}
	clkBootInit()
	argc, argv = clkArgs()
}

func goenvs() {
	goenvs_unix()
}

// getCPUCount reports the CPUs the scheduler may use: those the MADT
// lists (clkFindCPUs), which clkStartCPUs brings up during the runtime's
// initialisation.
func getCPUCount() int32 {
	return int32(clkNCPU)
}

func readRandom(r []byte) int {
	if clkUserMode {
		clkUserRandom(r)
		return len(r)
	}
	clkRandom(r)
	return len(r)
}

func mpreinit(mp *m) {
	mp.gsignal = malg(32 * 1024) // the stack exceptions run on, see clkTrap
	mp.gsignal.m = mp
}

func minit() {
	getg().m.procid = uint64(getg().m.id) + 1
}

func unminit() {}

func mdestroy(mp *m) {}

func sigsave(p *sigset)                                         {}
func msigrestore(sigmask sigset)                                {}
func clearSignalHandlers()                                      {}
func sigblock(exiting bool)                                     {}
func initsig(preinit bool)                                      {}
func os_sigpipe()                                               {}
func setProcessCPUProfiler(hz int32)                            {}
func setThreadCPUProfiler(hz int32)                             {}
func sigdisable(uint32)                                         {}
func sigenable(uint32)                                          {}
func sigignore(uint32)                                          {}
func madvise(addr unsafe.Pointer, n uintptr, flags int32) int32 { return 0 }

const _NSIG = 0

// The signal numbers sigpanic and panic messages use for the CPU exceptions
// that are Go run-time panics; see trap_clk_amd64.go.
const (
	_SIGSEGV = 0xb
	_SIGFPE  = 0x8
)

const preemptMSupported = true

// preemptM asks the CPU running mp's thread to preempt mp's goroutine if
// it was asked to stop (gp.preempt), without waiting for its next tick: an
// IPI whose stub runs clkPreemptIPI, as a signal does on Unix. A thread
// that is not running needs nothing; one that moves meanwhile is caught by
// its next tick.
func preemptM(mp *m) {
	if clkUserMode {
		return // no signals: sysmon's mark takes effect at the next call
	}
	t := &mp.mOS.thread
	if atomic.Load(&t.state) != clkThreadRunning {
		return
	}
	if cpu := (*clkCPU)(unsafe.Pointer(atomic.Loaduintptr(&t.cpu))); cpu != nil {
		clkSendIPI(cpu.apicID, clkVecPreempt)
	}
}

// sigpanic is where a CPU exception that Go defines as a run-time panic
// lands; clkTrapToPanic arranges the call, as a Unix signal handler does.
func sigpanic() {
	gp := getg()
	if !canpanic() {
		throw("unexpected exception during runtime execution")
	}
	if gp.sig == _SIGFPE || gp.sig == _SIGSEGV {
		clkDescribeFault(gp)
	}
	switch gp.sig {
	case _SIGFPE:
		panicdivide()
	case clkSigInterrupt:
		panic(clkInterruptTake(gp))
	case _SIGSEGV:
		if gp.sigcode1 < clkNilPageLimit {
			panicmem()
		}
		// runtime/debug.SetPanicOnFault, as on Unix.
		if gp.paniconfault {
			panicmemAddr(gp.sigcode1)
		}
		print("unexpected fault address ", hex(gp.sigcode1), "\n")
		throw("fault")
	}
	throw("unexpected exception")
}

func crash() {
	if clkUserMode {
		clkUserProcessExit(2)
	}
	clkHalt()
}

func syscall_now() (sec int64, nsec int32) {
	sec, nsec, _ = time_now()
	return
}

// write1 writes to the console. Every descriptor the runtime writes to
// (standard output and standard error) is the console.
//
// Nosplit: print calls it anywhere: with locks held, on the gsignal and
// exception stacks, while crashing.
//
//go:nosplit
func write1(fd uintptr, p unsafe.Pointer, n int32) int32 {
	if fd != 1 && fd != 2 {
		return -_EBADF
	}
	if clkUserMode {
		clkUserWrite(p, n)
		return n
	}
	clkConsoleWrite(p, n)
	return n
}

func open(name *byte, mode, perm int32) int32        { return -_ENOENT }
func closefd(fd int32) int32                         { return -_EBADF }
func read(fd int32, p unsafe.Pointer, n int32) int32 { return -_EBADF }

// Error numbers the runtime returns from its own calls. They match the ones
// package syscall uses on clk.
const (
	_ENOENT = 2
	_EBADF  = 9
	_ENOSYS = 38
)

// exit ends the program: it reports code to the machine's exit device and
// halts.
//
// Nosplit: fatal paths call it, whatever state the stack is in.
//
//go:nosplit
func exit(code int32) {
	if clkUserMode {
		clkUserProcessExit(code)
	}
	clkExit(code)
}

// Nosplit: it runs on the g0 stack of an M that is being freed.
//
//go:nosplit
func exitThread(wait *atomic.Uint32) {
	if clkUserMode {
		clkUserThreadExit(wait)
	}
	clkThreadExit(wait)
}

// Nosplit: the runtime calls it from nosplit code, and through usleep_no_g
// where there may be no g.
//
//go:nosplit
func usleep(usec uint32) {
	if clkUserMode {
		clkUserSleep(int64(usec) * 1000)
		return
	}
	clkSleep(int64(usec) * 1000)
}

// Nosplit: the runtime calls it where no g may be usable.
//
//go:nosplit
func usleep_no_g(usec uint32) {
	usleep(usec)
}

// Nosplit: the runtime calls it from nosplit code (lock2's spin), and
// through osyield_no_g where there may be no g.
//
//go:nosplit
func osyield() {
	if clkUserMode {
		clkUserYield()
		return
	}
	clkYield()
}

// Nosplit: the runtime calls it where no g may be usable.
//
//go:nosplit
func osyield_no_g() {
	osyield()
}

func newosproc(mp *m) {
	if clkUserMode {
		clkUserNewThread(mp)
		return
	}
	clkThreadCreate(mp)
}

// Nosplit: lock2 calls it from nosplit code.
//
//go:nosplit
func semacreate(mp *m) {}

// semasleep waits for the M's semaphore for at most ns nanoseconds (forever
// if ns < 0). It returns 0 when it took the semaphore and -1 on timeout.
//
// Nosplit: lock2 and notesleep call it from nosplit code.
//
//go:nosplit
func semasleep(ns int64) int32 {
	if clkUserMode {
		return clkUserSemaSleep(ns)
	}
	deadline := int64(0)
	if ns >= 0 {
		deadline = nanotime() + ns
	}
	if clkSemaWait(getg().m, deadline) {
		return 0
	}
	return -1
}

// Nosplit: unlock2 and notewakeup call it from nosplit code.
//
//go:nosplit
func semawakeup(mp *m) {
	if clkUserMode {
		clkUserSemaWakeup(mp)
		return
	}
	clkSemaGive(mp)
}

// Nosplit: nanotime runs in nosplit code everywhere, the gsignal stack
// included.
//
//go:nosplit
func nanotime1() int64 {
	return clkNanotime()
}

func walltime() (sec int64, nsec int32) {
	return clkWalltime()
}

// Called from package os through the linker: clk has no process to signal.
func signalM(mp *m, sig int) {}

// signame names the signal a CPU exception was turned into, for panic
// messages.
func signame(sig uint32) string {
	switch sig {
	case _SIGFPE:
		return "SIGFPE: integer divide error"
	case _SIGSEGV:
		return "SIGSEGV: page fault"
	}
	return ""
}
