// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

// Memory on clk.
//
// Physical memory is identity-mapped: every RAM frame is reachable at the
// virtual address equal to its physical address, which is how page tables,
// free frames and loader structures are written. The boot code maps the first
// 4 GiB with 2 MiB pages; clkMemInit extends the identity map to the top of
// RAM.
//
// The Go heap does not use the identity map. The runtime reserves address
// space in a window above it (clkHeapBase and up, where the runtime's arena
// hints already point) and sysMap backs reserved pages with 4 KiB frames taken
// from the frame allocator, so the heap can grow as large as RAM, however
// fragmented, and frames the scavenger releases go back to the allocator.
//
// Lock order: clkMemLock is a leaf; it is taken with interrupts in any state
// and never held across a call that can block.

const (
	clkPageSize  = 4096
	clkLargePage = 2 << 20

	// Page-table entry bits, Intel SDM Vol. 3A, 4.5 (4-level paging).
	pteP   = 1 << 0
	pteW   = 1 << 1
	pteU   = 1 << 2
	ptePWT = 1 << 3
	ptePCD = 1 << 4
	ptePS  = 1 << 7
	pteNX  = 1 << 63

	// pteBorrowed is one of the bits the processor ignores (9 to 11): it
	// marks a user page whose frame the address space does not own, so
	// that unmapping the page does not free the frame.
	pteBorrowed = 1 << 9

	pteAddrMask = 0x000ffffffffff000

	// clkLowMemory is left alone: BIOS data, the EBDA, option ROMs.
	clkLowMemory = 1 << 20

	// The heap window: hint reservations are honoured in
	// [clkHeapBase, clkAnonBase); reservations without a hint are carved
	// upward from clkAnonBase. Both lie above the 512 GiB identity map
	// (PML4 slot 0) and below the canonical-address hole.
	clkHeapBase = 0x0000008000000000
	clkAnonBase = 0x0000600000000000
	clkAnonTop  = 0x00007f0000000000
)

var (
	clkMemLock uint32

	// clkFree is the physical memory not yet handed out: RAM ranges
	// trimmed of what the kernel image and the loader's payload occupy.
	clkFree  [clkMaxMemRanges]clkMemRange
	clkNFree int

	// clkFreeFrames is a stack of returned 4 KiB frames, linked through
	// their first word; clkFreeFrameCount is its length.
	clkFreeFrames     uintptr
	clkFreeFrameCount uint64

	clkAnonNext uintptr = clkAnonBase

	// Counters for the kernel's reports, in bytes.
	clkMemTotal uint64 // usable RAM reported by the loader
	clkMemInUse atomic.Uint64
	clkMemTop   uint64 // end of the highest RAM range
)

// Nosplit: taken on the page-fault stub's path (clkDemandFault) and by memory
// paths that a stack growth itself reaches.
//
//go:nosplit
func clkMemAcquire() {
	for !atomic.Cas(&clkMemLock, 0, 1) {
		clkPause()
	}
}

// Nosplit: as clkMemAcquire.
//
//go:nosplit
func clkMemRelease() {
	atomic.Store(&clkMemLock, 0)
}

// clkMemInit builds the frame allocator from the boot memory map and extends
// the identity map to cover all of RAM.
func clkMemInit() {
	clkKernelCR3 = clkReadCR3()
	kend := (uint64(firstmoduledata.end) + clkPageSize - 1) &^ (clkPageSize - 1)
	for i := 0; i < clkBoot.nmem; i++ {
		r := clkBoot.mem[i]
		if r.kind != e820RAM {
			continue
		}
		clkMemTotal += r.size
		base := (r.base + clkPageSize - 1) &^ (clkPageSize - 1)
		end := (r.base + r.size) &^ (clkPageSize - 1)
		if end > clkMemTop {
			clkMemTop = end
		}
		clkFreeAdd(base, end, clkLoadAddr, kend)
	}
	if clkBoot.initrdSize != 0 {
		clkFreeCarve(clkBoot.initrdBase&^(clkPageSize-1), (clkBoot.initrdBase+clkBoot.initrdSize+clkPageSize-1)&^(clkPageSize-1))
	}
	clkIdentityMap(clkMemTop)
	clkProtectKernel()
	clkKernelSlots()
}

// clkKernelSlots gives every kernel PML4 slot without one its page-directory-pointer
// table, so that the kernel's PML4 entries never change again and
// user address spaces can copy them once (enteruser_clk_amd64.go). It costs a
// frame per slot, about 1 MiB.
func clkKernelSlots() {
	pml4 := clkPML4()
	clkMemAcquire()
	for i := uintptr(0); i < clkUserBase>>39; i++ {
		e := (*uint64)(unsafe.Pointer(pml4 + i*8))
		if *e&pteP != 0 {
			continue
		}
		f := clkFrameAlloc()
		if f == 0 {
			clkMemRelease()
			throw("clk: out of memory for the kernel's page tables")
		}
		*e = uint64(f) | pteP | pteW
	}
	clkMemRelease()
}

// clkProtectKernel remaps the large pages that hold the image with 4 KiB
// pages so that the first page is not mapped, kernel text is read-only and executable, read-only data is
// neither writable nor executable, and everything else there (low memory,
// the data segment, the free RAM after the image) is writable and not
// executable; the rest of the first 4 GiB, mapped by the boot code, is
// not executable either. CR0.WP makes the kernel itself obey it.
func clkProtectKernel() {
	text := firstmoduledata.text &^ (clkPageSize - 1)
	etext := (firstmoduledata.etext + clkPageSize - 1) &^ (clkPageSize - 1)
	erodata := firstmoduledata.noptrdata &^ (clkPageSize - 1)
	end := (firstmoduledata.end + clkLargePage - 1) &^ (clkLargePage - 1)
	pdpt := uintptr(*(*uint64)(unsafe.Pointer(clkPML4())) & pteAddrMask)
	pd := uintptr(*(*uint64)(unsafe.Pointer(pdpt)) & pteAddrMask)
	clkMemAcquire()
	for large := uintptr(0); large < end; large += clkLargePage {
		pt := clkFrameAlloc()
		if pt == 0 {
			clkMemRelease()
			throw("clk: out of memory protecting the kernel")
		}
		for i := uintptr(0); i < 512; i++ {
			va := large + i*clkPageSize
			flags := uint64(pteP | pteW | pteNX)
			switch {
			case va < clkNilPageLimit:
				flags = 0 // the nil page: dereferencing nil faults
			case va >= text && va < etext:
				flags = pteP
			case va >= clkLoadAddr && va < erodata:
				flags = pteP | pteNX
			}
			*(*uint64)(unsafe.Pointer(pt + i*8)) = uint64(va) | flags
		}
		*(*uint64)(unsafe.Pointer(pd + (large>>21)*8)) = uint64(pt) | pteP | pteW
	}
	// The boot code mapped the rest of the first 4 GiB writable and
	// executable; only the kernel's text may be executed.
	for large := end; large < 4<<30; large += clkLargePage {
		pdi := uintptr(*(*uint64)(unsafe.Pointer(pdpt + (large>>30)*8)) & pteAddrMask)
		*(*uint64)(unsafe.Pointer(pdi + ((large>>21)&511)*8)) |= pteNX
	}
	clkMemRelease()
	clkWriteCR3(clkReadCR3())
}

// clkFreeAdd adds [base, end) minus low memory and minus [hole, holeEnd).
func clkFreeAdd(base, end, hole, holeEnd uint64) {
	if base < clkLowMemory {
		base = clkLowMemory
	}
	if base >= end {
		return
	}
	if base < holeEnd && hole < end {
		if base < hole {
			clkFreeAdd(base, hole, 0, 0)
		}
		if holeEnd < end {
			clkFreeAdd(holeEnd, end, 0, 0)
		}
		return
	}
	if clkNFree < len(clkFree) {
		clkFree[clkNFree] = clkMemRange{base: base, size: end - base, kind: e820RAM}
		clkNFree++
	}
}

// clkFreeCarve removes [base, end) from the free ranges.
func clkFreeCarve(base, end uint64) {
	old := clkFree
	n := clkNFree
	clkNFree = 0
	for i := 0; i < n; i++ {
		r := old[i]
		clkFreeAdd(r.base, r.base+r.size, base, end)
	}
}

// clkFrameAlloc returns a zeroed 4 KiB frame, or 0 if memory is exhausted.
//
// Preconditions: clkMemLock is held.
//
// Nosplit: runs with clkMemLock held, and a stack growth may need memory,
// which takes it.
//
//go:nosplit
func clkFrameAlloc() uintptr {
	var f uintptr
	if clkFreeFrames != 0 {
		f = clkFreeFrames
		clkFreeFrames = *(*uintptr)(unsafe.Pointer(f))
		clkFreeFrameCount--
	} else {
		for i := 0; i < clkNFree; i++ {
			r := &clkFree[i]
			if r.size >= clkPageSize {
				f = uintptr(r.base)
				r.base += clkPageSize
				r.size -= clkPageSize
				break
			}
		}
		if f == 0 {
			return 0
		}
	}
	memclrNoHeapPointers(unsafe.Pointer(f), clkPageSize)
	clkMemInUse.Add(clkPageSize)
	return f
}

// clkContigAlloc returns the first of n physically contiguous zeroed
// frames, or 0 if no range of memory not yet handed out holds them: DMA
// memory, which a device reaches by physical address. Frames that came
// back to the allocator are not considered, since they are scattered.
// Each frame goes back with clkFrameFree.
func clkContigAlloc(n uintptr) uintptr {
	if n == 0 {
		return 0
	}
	size := uint64(n) * clkPageSize
	clkMemAcquire()
	var f uintptr
	for i := 0; i < clkNFree; i++ {
		r := &clkFree[i]
		if r.size >= size {
			f = uintptr(r.base)
			r.base += size
			r.size -= size
			break
		}
	}
	if f != 0 {
		clkMemInUse.Add(int64(size))
	}
	clkMemRelease()
	if f != 0 {
		// Outside the lock: the frames are this caller's alone now.
		memclrNoHeapPointers(unsafe.Pointer(f), uintptr(size))
	}
	return f
}

// clkContigFree gives back n frames from f, which clkContigAlloc returned.
func clkContigFree(f, n uintptr) {
	for i := uintptr(0); i < n; i++ {
		clkMemAcquire()
		clkFrameFree(f + i*clkPageSize)
		clkMemRelease()
	}
}

// Preconditions: clkMemLock is held.
//
// Nosplit: runs with clkMemLock held, and a stack growth may need memory,
// which takes it.
//
//go:nosplit
func clkFrameFree(f uintptr) {
	*(*uintptr)(unsafe.Pointer(f)) = clkFreeFrames
	clkFreeFrames = f
	clkFreeFrameCount++
	clkMemInUse.Add(-clkPageSize)
}

// clkFreeBytes reports how much physical memory is left to allocate. The
// kernel's limits ask on every charge (each message, each first touch), so
// it counts the returned frames rather than walking them.
func clkFreeBytes() uint64 {
	clkMemAcquire()
	n := clkFreeFrameCount * clkPageSize
	for i := 0; i < clkNFree; i++ {
		n += clkFree[i].size
	}
	clkMemRelease()
	return n
}

// clkPML4 returns the kernel's PML4, whatever address space the CPU has
// loaded: the kernel half of every space shares its tables.
//
// Nosplit: a leaf of the page walks, which run with clkMemLock held.
//
//go:nosplit
func clkPML4() uintptr {
	return clkKernelCR3 & pteAddrMask
}

// clkWalk returns the address of the page-table entry of level 1 (4 KiB)
// for va in the kernel's tables, creating intermediate tables when create
// is set. It returns nil if a table is missing and create is false, or if
// va lies in a large page.
//
// Preconditions: clkMemLock is held.
//
// Nosplit: runs with clkMemLock held, and a stack growth may need memory,
// which takes it.
//
//go:nosplit
func clkWalk(va uintptr, create bool) *uint64 {
	return clkWalkIn(clkPML4(), va, create, pteP|pteW)
}

// clkWalkIn is clkWalk in the tables under pml4, giving the intermediate
// tables it creates the entry bits inter.
//
// Preconditions: clkMemLock is held.
//
// Nosplit: runs with clkMemLock held, and a stack growth may need memory,
// which takes it.
//
//go:nosplit
func clkWalkIn(pml4, va uintptr, create bool, inter uint64) *uint64 {
	table := pml4
	for shift := uint(39); shift > 12; shift -= 9 {
		e := (*uint64)(unsafe.Pointer(table + (va>>shift&511)*8))
		if *e&pteP == 0 {
			if !create {
				return nil
			}
			f := clkFrameAlloc()
			if f == 0 {
				return nil
			}
			*e = uint64(f) | inter
		} else if *e&ptePS != 0 {
			return nil
		}
		table = uintptr(*e & pteAddrMask)
	}
	return (*uint64)(unsafe.Pointer(table + (va>>12&511)*8))
}

// clkMapFresh backs every unmapped page of [v, v+n) with a zeroed frame,
// readable, writable and not executable. It throws when RAM runs out: the
// runtime has already committed to the mapping.
func clkMapFresh(v, n uintptr) {
	clkMemAcquire()
	for va := v &^ (clkPageSize - 1); va < v+n; va += clkPageSize {
		e := clkWalk(va, true)
		if e == nil {
			clkMemRelease()
			throw("clk: out of physical memory")
		}
		if *e&pteP != 0 {
			continue
		}
		f := clkFrameAlloc()
		if f == 0 {
			clkMemRelease()
			throw("clk: out of physical memory")
		}
		*e = uint64(f) | pteP | pteW | pteNX
	}
	clkMemRelease()
}

// clkUnmap releases the frames behind the whole pages of [v, v+n) of the
// kernel's tables.
func clkUnmap(v, n uintptr) {
	clkUnmapIn(0, v, n)
}

// clkLeafOrSkip returns the page-table entry of va in the tables under
// pml4 and the next address to look at. Where a table on the way is
// missing, or va lies in a large page, it returns nil and the first
// address past the region that entry covers, so that a walk over a sparse
// range visits each missing table once rather than each page under it.
//
// Preconditions: clkMemLock is held.
//
//go:nosplit
func clkLeafOrSkip(pml4, va uintptr) (*uint64, uintptr) {
	table := pml4
	for shift := uint(39); shift > 12; shift -= 9 {
		e := (*uint64)(unsafe.Pointer(table + (va>>shift&511)*8))
		if *e&pteP == 0 || *e&ptePS != 0 {
			span := uintptr(1) << shift
			return nil, (va + span) &^ (span - 1)
		}
		table = uintptr(*e & pteAddrMask)
	}
	return (*uint64)(unsafe.Pointer(table + (va>>12&511)*8)), va + clkPageSize
}

// clkUnmapIn releases the frames behind the whole pages of [v, v+n) in
// the user address space pml4, or the kernel's when pml4 is 0. It holds
// clkMemLock for at most a bounded number of steps at a time, and skips
// the regions of missing tables whole, so that a huge sparse range costs
// what its mapped pages cost, and other CPUs never spin long for the
// lock. A frame is reused only after every CPU has dropped its TLB entries
// for the page (clkShootdown), which runs without clkMemLock so that a CPU
// spinning for the lock with interrupts off cannot stall it.
func clkUnmapIn(pml4, v, n uintptr) {
	const maxSteps = 512 // table entries looked at per hold of the lock
	var frames [64]uintptr
	root, end := pml4, v+n
	if end < v {
		return
	}
	if root == 0 {
		root = clkPML4()
	} else {
		// Only the user half of a user space is the process's.
		v, end = max(v, clkUserBase), min(end, clkUserTop)
	}
	va := (v + clkPageSize - 1) &^ (clkPageSize - 1)
	for va < end && va+clkPageSize <= end {
		nf := 0
		clkMemAcquire()
		for steps := 0; steps < maxSteps && nf < len(frames) && va+clkPageSize <= end; steps++ {
			e, next := clkLeafOrSkip(root, va)
			if e != nil && *e&pteP != 0 {
				if *e&pteBorrowed == 0 {
					frames[nf] = uintptr(*e & pteAddrMask)
					nf++
				}
				*e = 0
				clkInvlpg(va)
			}
			if next <= va { // the top of the address space
				va = end
				break
			}
			va = next
		}
		clkMemRelease()
		if nf == 0 {
			continue
		}
		clkShootdown(0)
		clkMemAcquire()
		for _, f := range frames[:nf] {
			clkFrameFree(f)
		}
		clkMemRelease()
	}
}

// clkIdentityMap maps [4 GiB, top) with 2 MiB pages; the boot code mapped
// the first 4 GiB. The last GiB below 4 GiB holds device memory (the local
// APIC, the I/O APIC, PCI BARs) and is made uncacheable.
func clkIdentityMap(top uint64) {
	pdpt := uintptr(*(*uint64)(unsafe.Pointer(clkPML4())) & pteAddrMask)
	pd3 := uintptr(*(*uint64)(unsafe.Pointer(pdpt + 3*8)) & pteAddrMask)
	for i := uintptr(0); i < 512; i++ {
		*(*uint64)(unsafe.Pointer(pd3 + i*8)) |= ptePCD | ptePWT
	}
	clkMemAcquire()
	for gb := uintptr(4); uint64(gb)<<30 < top && gb < 512; gb++ {
		pd := clkFrameAlloc()
		if pd == 0 {
			break
		}
		for i := uintptr(0); i < 512; i++ {
			*(*uint64)(unsafe.Pointer(pd + i*8)) = uint64(gb<<30+i<<21) | pteP | pteW | ptePS | pteNX
		}
		*(*uint64)(unsafe.Pointer(pdpt + gb*8)) = uint64(pd) | pteP | pteW
	}
	clkMemRelease()
	clkWriteCR3(clkReadCR3())
}

// sysAllocOS reserves address space in the anonymous window; its pages are
// backed on first touch (clkDemandFault), as anonymous memory is on Unix.
// The runtime allocates large, sparsely used tables this way (the heap
// arena index alone spans 32 MiB).
func sysAllocOS(n uintptr, _ string) unsafe.Pointer {
	return sysReserveOS(nil, n, "")
}

// clkDemandFault backs the page holding addr with a zeroed frame if addr
// lies in the anonymous window, and reports whether it did. It runs in the
// page-fault stub, on the exception stack, before any g is involved, and
// keeps the interrupted code's vector registers (mem_clk_amd64.s).
func clkDemandFault(addr uintptr) bool

// clkDemandBack is clkDemandFault's work.
//
// Nosplit: runs on the exception stack from the page-fault stub, before any g
// is involved, which the stack bound of the interrupted g does not describe.
//
//go:nosplit
func clkDemandBack(addr uintptr) bool {
	if addr < clkAnonBase || addr >= clkAnonTop {
		return false
	}
	clkMemAcquire()
	ok := false
	if addr < clkAnonNext {
		va := addr &^ (clkPageSize - 1)
		if e := clkWalk(va, true); e != nil {
			if *e&pteP != 0 {
				// Another CPU took the same first touch and backed the
				// page while this one waited for the lock: retry.
				ok = true
			} else if f := clkFrameAlloc(); f != 0 {
				*e = uint64(f) | pteP | pteW | pteNX
				ok = true
			}
		}
	}
	clkMemRelease()
	return ok
}

func sysUnusedOS(v unsafe.Pointer, n uintptr) {
	if clkUserMode {
		clkUserRelease(v, n, true)
		return
	}
	clkUnmap(uintptr(v), n)
}

func sysUsedOS(v unsafe.Pointer, n uintptr) {
	if clkUserMode {
		return // released pages stayed reserved and read as zero
	}
	clkMapFresh(uintptr(v), n)
}

func sysHugePageOS(v unsafe.Pointer, n uintptr)         {}
func sysNoHugePageOS(v unsafe.Pointer, n uintptr)       {}
func sysHugePageCollapseOS(v unsafe.Pointer, n uintptr) {}

func sysFreeOS(v unsafe.Pointer, n uintptr) {
	if clkUserMode {
		clkUserRelease(v, n, false)
		return
	}
	clkUnmap(uintptr(v), n)
}

func sysFaultOS(v unsafe.Pointer, n uintptr) {
	if clkUserMode {
		clkUserRelease(v, n, false)
		return
	}
	clkUnmap(uintptr(v), n)
}

// sysReserveOS hands out address space only; nothing is mapped until
// sysMapOS. The runtime's own hints are honoured inside the heap window.
func sysReserveOS(v unsafe.Pointer, n uintptr, _ string) unsafe.Pointer {
	if clkUserMode {
		return clkUserReserve(v, n)
	}
	if v != nil {
		if uintptr(v) >= clkHeapBase && uintptr(v)+n <= clkAnonBase && uintptr(v)+n > uintptr(v) {
			return v
		}
		return nil
	}
	n = (n + clkLargePage - 1) &^ (clkLargePage - 1)
	clkMemAcquire()
	p := clkAnonNext
	if p+n > clkAnonTop || p+n < p {
		clkMemRelease()
		return nil
	}
	clkAnonNext += n
	clkMemRelease()
	return unsafe.Pointer(p)
}

func sysMapOS(v unsafe.Pointer, n uintptr, _ string) {
	if clkUserMode {
		return // reserved memory is already usable
	}
	clkMapFresh(uintptr(v), n)
}

// needZeroAfterSysUnusedOS: sysUsedOS maps fresh zeroed frames.
func needZeroAfterSysUnusedOS() bool {
	return false
}
