// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/runtime/atomic"
	"unsafe"
)

// Ring 3, the kernel's side.
//
// A user thread is driven by a kernel goroutine that calls clkUserEnter
// with the thread's context: its registers, FPU and vector state, FS base
// and address space. clkUserRun loads them and returns to ring 3 with IRETQ or SYSRETQ
// (enteruser_clk_amd64.s). The goroutine stays inside that call, as if it
// ran a long assembly function, until the CPU comes back to ring 0: a
// SYSCALL (clkSyscallEntry), an exception or an interrupt taken in ring 3
// (the entry paths of trap_clk_amd64.s test the saved CS). Each of these saves the user
// registers into the context, restores the goroutine's stack and FS base,
// and returns from clkUserRun with the reason: the vector, or
// clkVecSyscall. The goroutine then does
// in Go what the reason asks (run the syscall, resolve or report the
// fault) and enters again. The Go scheduler thus schedules user threads as
// goroutines, and a timer tick in ring 3 preempts them like any other.
//
// The entry paths find the context through the CPU's clkUserCPU, which
// IA32_KERNEL_GS_BASE points at on every CPU: they bracket their one load
// with SWAPGS, so GS itself means nothing to the kernel and the user's GS
// base survives.
//
// Address spaces. The kernel's page tables use PML4 slots 0-253 (the
// identity map, the heap window, the anonymous window); clkMemInit gives
// each of those slots its page-directory-pointer table at boot, so the
// PML4 entries never change afterwards and a user space copies them once.
// Slots 254 and 255 are the user's: [clkUserBase, clkUserTop). Kernel
// entries are supervisor-only, so ring 3 sees only its own pages. A CPU
// keeps a user space's CR3 loaded after it returns to the kernel (syscalls
// then cost no TLB flush); the shootdown IPI makes a CPU in ring 0 load
// the kernel's own CR3, and the CPU that sends it drops the space being
// freed itself, which is how a space is safely freed (clkShootdown).

const (
	clkUserBase = 0x00007f0000000000
	clkUserTop  = 0x0000800000000000

	// clkVecSyscall is the reason clkUserRun returns for a SYSCALL.
	clkVecSyscall = 256

	// Model-specific registers (Intel SDM Vol. 4, table 2-2).
	msrFSBase       = 0xc0000100
	msrSTAR         = 0xc0000081
	msrLSTAR        = 0xc0000082
	msrFMASK        = 0xc0000084
	msrGSBase       = 0xc0000101
	msrKernelGSBase = 0xc0000102
	eferSCE         = 1 << 0

	// RFLAGS bits ring 3 may set (CF, PF, AF, ZF, SF, DF, OF); IF and
	// the reserved bit 1 are always set, everything else (TF, IOPL, NT,
	// AC, ...) always clear.
	rflagsUser   = 0x0cd5
	rflagsAlways = 0x0202
	// SYSCALL clears these (FMASK): TF, IF, DF, NT, AC.
	rflagsSyscallMask = 0x44700
)

// clkUserCtx is a user thread's state while it is out of ring 3. Its
// layout is the kernel's ABI with the runtime: arch/x86_64's UserContext
// mirrors it, and a test there fails when the two differ.
type clkUserCtx struct {
	// frame is the thread's registers in clkTrapFrame's layout, as the
	// entry paths save them; vector and errcode hold why it left ring 3.
	frame  clkTrapFrame
	fsbase uint64 // the user's FS base
	cr3    uint64 // its address space (clkUserSpaceNew)
	cr2    uint64 // the faulting address of a page fault
	// Private: the goroutine's stack and FS base while it is in ring 3.
	ksp, kbp, kfs uint64
	// fpuid names the context for clkUserCPU.fpu: a number no other
	// context has had since boot, given at its first entry. The address
	// would not do: a context the collector frees may be reallocated to
	// another process's thread, which would then count as the owner of
	// the registers the old thread left on some CPU.
	fpuid uint64
	// fxvalid is 1 when fx holds the thread's whole FPU state, 0 when
	// it left by SYSCALL: the syscall ABI keeps only MXCSR (saved into
	// fx), so that path saves nothing else. See clkUserRun.
	fxvalid uint64
	// fx holds the FPU save area (fpu_clk_amd64.go) at its first 64-byte
	// aligned byte.
	fx [clkFPUAreaSize + 64]byte
}

// clkUserCPU is what IA32_KERNEL_GS_BASE points at on each CPU.
type clkUserCPU struct {
	ctx     uintptr // *clkUserCtx of the thread in ring 3 on this CPU
	scratch uint64  // a register's worth of room for the SYSCALL entry
	// fpu is the fpuid of the context whose FPU state this CPU's
	// registers hold apart from the vector registers, which the kernel
	// clobbers; 0 before the first.
	fpu uint64
}

// clkFPUIDs counts the fpuids given out.
var clkFPUIDs atomic.Uint64

// clkKernelCR3 is the kernel's own page table root, loaded by CPUs that
// drop a user space.
var clkKernelCR3 uintptr

func clkUserRun(ctx *clkUserCtx) uint64
func clkSyscallEntry()

// clkSyscallInit enables SYSCALL on the calling CPU, entering at
// clkSyscallEntry with the kernel's selectors, and points its kernel GS
// base at cpu.user.
//
// Nosplit: part of clkCPULoad, which a starting CPU runs before it has a g.
//
//go:nosplit
func clkSyscallInit(cpu *clkCPU) {
	clkWrmsr(msrEFER, clkRdmsr(msrEFER)|eferSCE)
	// STAR[47:32]: SYSCALL's CS (SS is +8); STAR[63:48]: SYSRET's base
	// (SS is +8, 64-bit CS +16), see the selectors in cpu_clk_amd64.go.
	clkWrmsr(msrSTAR, uint64(clkKernelCS)<<32|uint64(clkKernelDS)<<48)
	clkWrmsr(msrLSTAR, uint64(abi.FuncPCABI0(clkSyscallEntry)))
	clkWrmsr(msrFMASK, rflagsSyscallMask)
	clkWrmsr(msrGSBase, 0)
	clkWrmsr(msrKernelGSBase, uint64(uintptr(unsafe.Pointer(&cpu.user))))
}

// clkUserEnter runs the user thread ctx until it leaves ring 3 and returns
// the reason: an exception or interrupt vector, or clkVecSyscall. After a
// timer tick or a preemption request it first does what the tick does for
// a goroutine in ring 0: it yields the P or the CPU when their slice is
// up or someone asked; after a device interrupt it lets the goroutines the
// interrupt readied run first.
func clkUserEnter(ctx *clkUserCtx) uint64 {
	if ctx.fpuid == 0 {
		ctx.fpuid = clkFPUIDs.Add(1)
	}
	v := clkUserRun(ctx)
	switch {
	case v == clkVecTimer || v == clkVecPreempt:
		clkUserTick(v == clkVecTimer)
	case v >= clkVecFirstIRQ && v < clkVecSyscall:
		Gosched()
	}
	return v
}

// clkUserTick is clkTick for a goroutine whose user thread the tick (or a
// preemption IPI) took out of ring 3: it runs in ordinary Go context, so
// it can simply reschedule.
func clkUserTick(timer bool) {
	gp := getg()
	mp := acquirem()
	now := nanotime()
	due := false
	if timer {
		flags := clkIntrSave()
		due = clkTickWake(now)
		clkIntrRestore(flags)
	}
	yield := gp.preempt
	if pp := mp.p.ptr(); pp != nil && clkSliceUp(pp, now) {
		yield = true
	}
	threadYield := due && now-mp.mOS.thread.since >= clkSliceNS
	releasem(mp)
	if threadYield {
		clkYield()
	}
	if yield {
		Gosched()
	}
}

// clkUserSpaceNew returns a new address space: a PML4 that shares the
// kernel's entries and has no user pages. It returns 0 when memory is
// exhausted.
func clkUserSpaceNew() uintptr {
	clkMemAcquire()
	pml4 := clkFrameAlloc()
	clkMemRelease()
	if pml4 == 0 {
		return 0
	}
	kernel := clkKernelCR3 & pteAddrMask
	for i := uintptr(0); i < clkUserBase>>39; i++ {
		*(*uint64)(unsafe.Pointer(pml4 + i*8)) = *(*uint64)(unsafe.Pointer(kernel + i*8))
	}
	return pml4
}

// clkUserWalk is clkWalk in the user half of pml4: intermediate tables
// are made user-accessible, the final entry's permissions decide.
//
// Preconditions: clkMemLock is held.
//
// Nosplit: runs with clkMemLock held, and a stack growth may need memory,
// which takes it.
//
//go:nosplit
func clkUserWalk(pml4, va uintptr, create bool) *uint64 {
	if va < clkUserBase || va >= clkUserTop {
		return nil
	}
	return clkWalkIn(pml4, va, create, pteP|pteW|pteU)
}

// clkUserMap maps the page at va in pml4 to a fresh zeroed frame with the
// given permission bits (pteW, pteNX) and returns the frame's physical
// address, which the identity map makes the kernel's address of it too. A
// page already mapped keeps its frame and permissions. It returns 0 when
// memory is exhausted or va is not a user address.
func clkUserMap(pml4, va uintptr, perm uint64) uintptr {
	va &^= clkPageSize - 1
	clkMemAcquire()
	defer clkMemRelease()
	e := clkUserWalk(pml4, va, true)
	if e == nil {
		return 0
	}
	if *e&pteP != 0 {
		return uintptr(*e & pteAddrMask)
	}
	f := clkFrameAlloc()
	if f == 0 {
		return 0
	}
	*e = uint64(f) | pteP | pteU | perm&(pteW|pteNX)
	return f
}

// clkUserMapPhys maps the page at va in pml4 to the physical frame pa,
// which the space does not own (a device's registers, DMA memory the
// kernel hands out): the entry carries pteBorrowed, so unmapping the page
// or freeing the space leaves the frame alone. perm holds the permission
// and caching bits (pteW, pteNX, ptePWT, ptePCD). It returns false when
// va is not a user page, is mapped already, or a page table cannot be had.
func clkUserMapPhys(pml4, va, pa uintptr, perm uint64) bool {
	if va&(clkPageSize-1) != 0 || pa&(clkPageSize-1) != 0 || uint64(pa)&^pteAddrMask != 0 {
		return false
	}
	clkMemAcquire()
	defer clkMemRelease()
	e := clkUserWalk(pml4, va, true)
	if e == nil || *e&pteP != 0 {
		return false
	}
	*e = uint64(pa) | pteP | pteU | pteBorrowed | perm&(pteW|pteNX|ptePWT|ptePCD)
	return true
}

// clkUserLookup returns the page-table entry of the page at va in pml4, or
// 0 if it is not mapped.
func clkUserLookup(pml4, va uintptr) uint64 {
	clkMemAcquire()
	defer clkMemRelease()
	if e := clkUserWalk(pml4, va&^(clkPageSize-1), false); e != nil {
		return *e
	}
	return 0
}

// clkUserProtect sets the permission bits (pteW, pteNX) of the mapped page
// at va and makes every CPU forget the old ones. It reports whether the
// page was mapped.
func clkUserProtect(pml4, va uintptr, perm uint64) bool {
	va &^= clkPageSize - 1
	clkMemAcquire()
	e := clkUserWalk(pml4, va, false)
	ok := e != nil && *e&pteP != 0
	if ok {
		*e = *e&^(pteW|pteNX) | perm&(pteW|pteNX)
		clkInvlpg(va)
	}
	clkMemRelease()
	if ok {
		clkShootdown(0)
	}
	return ok
}

// clkUserUnmap releases the frames of the mapped pages of [va, va+n) in
// pml4, once every CPU has forgotten them.
func clkUserUnmap(pml4, va, n uintptr) {
	clkUnmapIn(pml4, va, n)
}

// clkUserSpaceFree frees pml4 with every user page and table under it. No
// thread may run in it any more. Every CPU first drops it in the shootdown:
// the others in the stub, whichever CPU this goroutine then runs on before
// it sends the IPIs (see clkShootdown for why not earlier).
func clkUserSpaceFree(pml4 uintptr) {
	clkShootdown(pml4)
	clkFreeSpace(pml4)
}

// clkFreeSpace frees the user tables and frames under the PML4 pml4, then
// pml4 itself. User spaces map only 4 KiB pages. No CPU reaches the space
// any more, so its tables are read without a lock; clkMemLock is taken
// for each page table's frames at a time, as clkUnmapIn bounds its holds,
// since CPUs wait for it with interrupts off (the first-touch fault).
//
// Nosplit, and iterative rather than recursive: it frees under clkMemLock,
// a spin lock, where a stack check could deschedule the goroutine (a
// preemption request is served in morestack) or grow its stack (which
// takes the lock again); every other CPU would then spin for the lock for
// ever, the first one with its tick unable to give the CPU away.
//
//go:nosplit
func clkFreeSpace(pml4 uintptr) {
	for i := uintptr(clkUserBase >> 39); i < 512; i++ {
		pdpt, ok := clkTableEntry(pml4, i)
		if !ok {
			continue
		}
		for j := uintptr(0); j < 512; j++ {
			pd, ok := clkTableEntry(pdpt, j)
			if !ok {
				continue
			}
			for k := uintptr(0); k < 512; k++ {
				pt, ok := clkTableEntry(pd, k)
				if !ok {
					continue
				}
				clkMemAcquire()
				for l := uintptr(0); l < 512; l++ {
					e := *(*uint64)(unsafe.Pointer(pt + l*8))
					if e&pteP != 0 && e&pteBorrowed == 0 {
						clkFrameFree(uintptr(e & pteAddrMask))
					}
				}
				clkFrameFree(pt)
				clkMemRelease()
			}
			clkMemAcquire()
			clkFrameFree(pd)
			clkMemRelease()
		}
		clkMemAcquire()
		clkFrameFree(pdpt)
		clkMemRelease()
	}
	clkMemAcquire()
	clkFrameFree(pml4)
	clkMemRelease()
}

// clkTableEntry returns the frame entry i of table points to, if present.
//
// Nosplit: called by clkFreeSpace, between and under holds of clkMemLock.
//
//go:nosplit
func clkTableEntry(table, i uintptr) (uintptr, bool) {
	e := *(*uint64)(unsafe.Pointer(table + i*8))
	return uintptr(e & pteAddrMask), e&pteP != 0
}
