// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/runtime/atomic"
	"unsafe"
)

// Multiprocessing: the CPUs the ACPI MADT lists, each brought up with the
// INIT-SIPI-SIPI sequence (Intel SDM Vol. 3A, 9.4) and then running its
// idle thread (thread_clk.go), which takes threads from the one run queue.
// GOMAXPROCS defaults to the number of CPUs.
//
// Each CPU has its own GDT (for its own TSS), TSS and interrupt stacks; the
// IDT is shared. Other CPUs are reached with IPIs on three vectors:
// clkVecWake (a halted CPU has work), clkVecShootdown (flush the TLB after a
// page was unmapped, before its frame is reused) and clkVecPreempt
// (preemptM: look at the running goroutine now, not at the next tick).

// clkMaxCPUs bounds the CPUs clk uses; more are left halted.
const clkMaxCPUs = 64

// IPI vectors. The device vectors the kernel hands out stay below them.
const (
	clkVecWake      = 0xd0
	clkVecShootdown = 0xd1
	clkVecPreempt   = 0xd2
)

// clkCPU is one CPU's own state.
type clkCPU struct {
	index  uint32
	apicID uint32
	// cur is the *clkThread running here; idle is this CPU's idle thread.
	cur  uintptr
	idle clkThread
	// halted is 1 while the idle thread halts; armed is the deadline its
	// timer was set for (0: none). Written under clkSchedLock; halted is
	// also cleared by the CPU when it wakes.
	halted uint32
	armed  int64
	// exitWait is the exiting thread's wait word, stored to 0 by the
	// next thread once the exiting one is off its stack.
	// (An *atomic.Uint32 kept as an integer: the scheduler may not have
	// write barriers.)
	exitWait uintptr
	online   uint32
	// ticks counts timer ticks taken while a thread ran (clkTick).
	ticks uint32

	// user is what IA32_KERNEL_GS_BASE points at (enteruser_clk_amd64.go).
	user clkUserCPU

	gdt [7]uint64
	tss clkTSS
	// g is what the idle thread runs as: stack bounds for function
	// prologues and no M, so that the tick and trap stubs leave it alone.
	// tls is its TLS block: FS points at tls[1], g lives in tls[0].
	g   g
	tls [2]uintptr
}

var (
	clkCPUs [clkMaxCPUs]clkCPU
	// clkNCPU is the number of CPUs found; clkCPUsOnline counts those
	// running (the boot CPU included).
	clkNCPU       uint32 = 1
	clkCPUsOnline uint32 = 1
)

// clkIdleStackSize is the stack of each idle thread.
const clkIdleStackSize = 16 << 10

// clkIdleStack0 is the boot CPU's idle stack; the others come from
// clkPersistentStack.
var clkIdleStack0 [clkIdleStackSize]byte

// clkFindCPUs reads the local APIC IDs of the usable CPUs from the MADT.
// The boot CPU is clkCPUs[0] whatever its place in the table.
func clkFindCPUs() {
	clkCPUs[0].apicID = clkLAPICRead(lapicID) >> 24
	madt := clkACPITable("APIC")
	if madt == 0 {
		return
	}
	n := uintptr(*(*uint32)(unsafe.Pointer(madt + 4)))
	for off := uintptr(44); off+2 <= n; {
		typ := *(*uint8)(unsafe.Pointer(madt + off))
		l := uintptr(*(*uint8)(unsafe.Pointer(madt + off + 1)))
		if l < 2 || off+l > n {
			break
		}
		// Type 0, processor local APIC (ACPI 6.4, 5.2.12.2): flags bit 0
		// enabled, bit 1 online capable.
		if typ == 0 && l >= 8 {
			id := uint32(*(*uint8)(unsafe.Pointer(madt + off + 3)))
			flags := *(*uint32)(unsafe.Pointer(madt + off + 4))
			if flags&3 != 0 && id != clkCPUs[0].apicID && clkNCPU < clkMaxCPUs {
				clkCPUs[clkNCPU].apicID = id
				clkNCPU++
			}
		}
		off += l
	}
	for i := uint32(0); i < clkNCPU; i++ {
		clkCPUs[i].index = i
	}
}

// clkACPITable finds the ACPI table with signature sig through the RSDP the
// loader passed, or returns 0.
func clkACPITable(sig string) uintptr {
	r := &clkBoot.rsdp
	if string(r[:8]) != "RSD PTR " {
		return 0
	}
	root, entry := uintptr(*(*uint32)(unsafe.Pointer(&r[16]))), uintptr(4)
	if r[15] >= 2 {
		if x := uintptr(*(*uint64)(unsafe.Pointer(&r[24]))); x != 0 {
			root, entry = x, 8
		}
	}
	if root == 0 {
		return 0
	}
	n := uintptr(*(*uint32)(unsafe.Pointer(root + 4)))
	for off := uintptr(36); off+entry <= n; off += entry {
		var t uintptr
		if entry == 8 {
			t = uintptr(*(*uint64)(unsafe.Pointer(root + off)))
		} else {
			t = uintptr(*(*uint32)(unsafe.Pointer(root + off)))
		}
		if t != 0 && string((*[4]byte)(unsafe.Pointer(t))[:]) == sig {
			return t
		}
	}
	return 0
}

// clkIdleInit gives cpu its idle thread, running clkIdleStart on a stack
// of its own.
func clkIdleInit(cpu *clkCPU, base uintptr) {
	cpu.g.stack = stack{lo: base, hi: base + clkIdleStackSize}
	cpu.g.stackguard0 = base + stackGuard
	cpu.g.stackguard1 = base + stackGuard
	cpu.tls[0] = uintptr(unsafe.Pointer(&cpu.g))
	t := &cpu.idle
	t.fsbase = uintptr(unsafe.Pointer(&cpu.tls[1]))
	t.cpu = uintptr(unsafe.Pointer(cpu))
	t.state = clkThreadRunnable
	sp := (base + clkIdleStackSize - 64) &^ 15
	*(*uintptr)(unsafe.Pointer(sp)) = 0 // flags: interrupts off until the loop halts
	*(*uintptr)(unsafe.Pointer(sp + 8)) = abi.FuncPCABI0(clkIdleStart)
	*(*uintptr)(unsafe.Pointer(sp + 16)) = uintptr(unsafe.Pointer(cpu))
	t.sp = sp
}

// clkIdleMain is where an idle thread starts, from clkIdleStart.
//
// Nosplit: the idle thread's first Go code, on a g without an M.
//
//go:nosplit
func clkIdleMain(cpu *clkCPU) {
	clkAfterSwitch(&cpu.idle)
	clkSti()
	clkIdleLoop(cpu)
}

// clkTrampolineMap makes the trampoline page executable while CPUs start
// (on) and takes that away again (off).
func clkTrampolineMap(on bool) {
	clkMemAcquire()
	e := clkWalk(clkTrampoline, false)
	if e == nil {
		clkMemRelease()
		throw("clk: the trampoline page is not mapped")
	}
	if on {
		*e &^= pteNX
	} else {
		*e |= pteNX
	}
	clkInvlpg(clkTrampoline)
	clkMemRelease()
	clkShootdown(0)
}

// clkPersistentStack returns n bytes that stay mapped: stacks that
// interrupts run on must never take a page fault.
func clkPersistentStack(n uintptr) uintptr {
	p := uintptr(persistentalloc(n, clkPageSize, &memstats.other_sys))
	for off := uintptr(0); off < n; off += clkPageSize {
		*(*byte)(unsafe.Pointer(p + off)) = 0
	}
	return p
}

// The AP start-up trampoline (smp_clk_amd64.s) runs from this page in real
// mode; the SIPI names it by its page number. The parameters follow the
// code at fixed offsets.
const (
	clkTrampoline     = 0x8000
	clkTrampCR3       = clkTrampoline + 0xe0
	clkTrampCR4       = clkTrampoline + 0xe4
	clkTrampEFER      = clkTrampoline + 0xe8
	clkTrampCR0       = clkTrampoline + 0xec
	clkTrampSP        = clkTrampoline + 0xf0
	clkTrampEntry     = clkTrampoline + 0xf8
	clkTrampArg       = clkTrampoline + 0x100
	clkTrampolineSize = 0x108
)

// Local APIC interrupt command register (11.6.1).
const (
	lapicID         = 0x20
	msrEFER         = 0xc0000080
	eferLMA         = 1 << 10 // read-only: the CPU sets it
	lapicICRLow     = 0x300
	lapicICRHigh    = 0x310
	icrInit         = 0x4500 // INIT, level assert
	icrStartup      = 0x4600 // start-up; the vector is the page number
	icrFixed        = 0x4000 // fixed delivery, level assert
	icrNMI          = 0x4400 // NMI delivery, level assert
	icrDeliveryBusy = 1 << 12
)

// clkStartCPUs brings up the other CPUs one after another. It runs once,
// from the runtime's init on the boot CPU, once memory can be allocated.
func clkStartCPUs() {
	if clkNCPU < 2 {
		return
	}
	clkTrampolineMap(true)
	code := unsafe.Slice((*byte)(unsafe.Pointer(abi.FuncPCABI0(clkAPTrampoline))), clkTrampolineSize)
	dst := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(clkTrampoline))), clkTrampolineSize)
	copy(dst, code)
	*(*uint32)(unsafe.Pointer(uintptr(clkTrampCR3))) = uint32(clkKernelCR3)
	*(*uint32)(unsafe.Pointer(uintptr(clkTrampCR4))) = uint32(clkReadCR4())
	*(*uint32)(unsafe.Pointer(uintptr(clkTrampEFER))) = uint32(clkRdmsr(msrEFER) &^ eferLMA)
	*(*uint32)(unsafe.Pointer(uintptr(clkTrampCR0))) = uint32(clkReadCR0())
	*(*uint64)(unsafe.Pointer(uintptr(clkTrampEntry))) = uint64(abi.FuncPCABI0(clkAPEntry))
	for i := uint32(1); i < clkNCPU; i++ {
		cpu := &clkCPUs[i]
		stacks := clkPersistentStack(clkIdleStackSize + 4*clkISTSize)
		clkIdleInit(cpu, stacks)
		cpu.idle.state = clkThreadRunning
		cpu.cur = uintptr(unsafe.Pointer(&cpu.idle))
		clkTSSInit(cpu, stacks+clkIdleStackSize)
		*(*uint64)(unsafe.Pointer(uintptr(clkTrampSP))) = uint64(stacks + clkIdleStackSize - 16)
		*(*uint64)(unsafe.Pointer(uintptr(clkTrampArg))) = uint64(uintptr(unsafe.Pointer(cpu)))
		clkSendICR(cpu.apicID, icrInit)
		clkSleep(10_000_000)
		for j := 0; j < 2 && atomic.Load(&cpu.online) == 0; j++ {
			clkSendICR(cpu.apicID, icrStartup|clkTrampoline>>12)
			clkSleep(1_000_000)
		}
		deadline := nanotime() + 1_000_000_000
		for atomic.Load(&cpu.online) == 0 && nanotime() < deadline {
			clkSleep(1_000_000)
		}
		if atomic.Load(&cpu.online) == 0 {
			print("clk: CPU ", i, " (APIC ", cpu.apicID, ") did not start\n")
			clkNCPU = i
			break
		}
	}
	clkTrampolineMap(false)
}

// clkAPMain is the first Go code of another CPU, on its idle stack with
// interrupts off.
//
// Nosplit: a starting CPU's first Go code, before it has a g of its own.
//
//go:nosplit
func clkAPMain(cpu *clkCPU) {
	clkCPULoad(cpu)
	clkLAPICInit()
	clkSchedAcquire()
	atomic.Xadd(&clkCPUsOnline, 1)
	atomic.Store(&cpu.online, 1)
	clkSchedRelease()
	clkSti()
	clkIdleLoop(cpu)
}

// clkSendICR writes the interrupt command register with interrupts off, so
// that no stub's IPI comes between the two halves.
//
// Nosplit: called with clkSchedLock held (clkWakeIdleCPU) and with interrupts
// off.
//
//go:nosplit
func clkSendICR(apicID, low uint32) {
	fl := clkIntrSave()
	for clkLAPICRead(lapicICRLow)&icrDeliveryBusy != 0 {
		clkPause()
	}
	clkLAPICWrite(lapicICRHigh, apicID<<24)
	clkLAPICWrite(lapicICRLow, low)
	clkIntrRestore(fl)
}

// clkSendIPI sends a fixed interrupt on vector to the CPU with apicID.
//
// Nosplit: as clkSendICR.
//
//go:nosplit
func clkSendIPI(apicID uint32, vector uint8) {
	clkSendICR(apicID, icrFixed|uint32(vector))
}

// TLB shootdown. One CPU at a time unmaps and shoots (clkShootLock); each
// other online CPU reloads CR3 in its clkVecShootdown stub and decrements
// clkShootPending. The shooter waits with interrupts on, so two CPUs never
// wait on each other.
var (
	clkShootLock    uint32
	clkShootPending uint32
)

// clkShootdown makes every other online CPU forget its TLB entries. The
// caller has already changed the page tables and invalidated its own.
//
// drop, if not 0, is a user address space about to be freed
// (clkUserSpaceFree): no CPU may keep it as its CR3. The other CPUs drop
// any user space in the stub when they are in ring 0 (a CPU in ring 3 runs
// a live one); this CPU drops drop here, with interrupts off, in the same
// step that decides which CPU is this one and sends the IPIs to all the
// others. A check made before the call would not do: the goroutine may move
// to another CPU at any call (a preemption request is served in a function
// prologue, clkShootdown's own included), and a CPU that ran a thread of
// the space keeps its CR3 loaded until something replaces it. That CPU
// would then send the IPIs, skip itself and go on with the freed table as
// its CR3, whose first entry, the kernel image's, clkFrameFree overwrites:
// its next TLB miss cannot even deliver the page fault, and the machine
// triple-faults.
func clkShootdown(drop uintptr) {
	if atomic.Load(&clkCPUsOnline) < 2 {
		fl := clkIntrSave()
		clkShootdownDrop(drop)
		clkIntrRestore(fl)
		return
	}
	// clkShootLock is a spin lock: its holder must not be descheduled
	// (at a stack check of a callee) while others spin for it in runtime
	// code, which is never preempted.
	mp := acquirem()
	for !atomic.Cas(&clkShootLock, 0, 1) {
		clkPause()
	}
	fl := clkIntrSave()
	clkSchedAcquire() // no CPU comes online meanwhile
	clkShootdownDrop(drop)
	self := clkLAPICRead(lapicID) >> 24
	n := uint32(0)
	for i := uint32(0); i < clkNCPU; i++ {
		if c := &clkCPUs[i]; c.apicID != self && (i == 0 || atomic.Load(&c.online) != 0) {
			n++
		}
	}
	atomic.Store(&clkShootPending, n)
	for i := uint32(0); i < clkNCPU; i++ {
		if c := &clkCPUs[i]; c.apicID != self && (i == 0 || atomic.Load(&c.online) != 0) {
			clkSendIPI(c.apicID, clkVecShootdown)
		}
	}
	clkSchedRelease()
	clkIntrRestore(fl)
	for atomic.Load(&clkShootPending) != 0 {
		clkPause()
	}
	atomic.Store(&clkShootLock, 0)
	releasem(mp)
}

// clkShootdownDrop loads the kernel's own CR3 if the calling CPU's is the
// user space drop (0: none).
//
// Preconditions: interrupts are off.
//
//go:nosplit
func clkShootdownDrop(drop uintptr) {
	if drop != 0 && clkReadCR3()&pteAddrMask == drop {
		clkWriteCR3(clkKernelCR3)
	}
}

func init() {
	if clkUserMode {
		return
	}
	clkStartCPUs()
}
