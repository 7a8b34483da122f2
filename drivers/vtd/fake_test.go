package vtd

import (
	"encoding/binary"
	"fmt"

	"clk/drivers/pci"
)

// fakeMemory is RAM of page frames handed out from 1 MiB up.
type fakeMemory struct {
	pages map[uint64][]byte
	next  uint64
	// fail makes AllocPage fail once that many more pages were given.
	fail int
}

func newFakeMemory() *fakeMemory {
	return &fakeMemory{pages: make(map[uint64][]byte), next: 0x10_0000, fail: -1}
}

func (m *fakeMemory) AllocPage() (uint64, []byte, error) {
	if m.fail == 0 {
		return 0, nil, fmt.Errorf("out of memory")
	}
	m.fail--
	p := m.next
	m.next += pageSize
	m.pages[p] = make([]byte, pageSize)
	return p, m.pages[p], nil
}

func (m *fakeMemory) FreePage(phys uint64) {
	if m.pages[phys] == nil {
		panic(fmt.Sprintf("free of %#x, which is not allocated", phys))
	}
	delete(m.pages, phys)
}

func (m *fakeMemory) read64(phys uint64) (uint64, bool) {
	b := m.pages[phys&^(pageSize-1)]
	if b == nil {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[phys&(pageSize-1):]), true
}

// QEMU's unit (hw/i386/intel_iommu.c): the IOTLB registers at 0xf0, one
// fault recording register at 0x220, 16-bit domain IDs.
const (
	fakeIRO   = 0xf0
	fakeFRO   = 0x220
	fakeCAP   = 0x22<<capFROShift | 6 /* ND */ | 1<<39 /* PSI */
	fakeECAP  = (fakeIRO / 16) << ecapIROShift
	fakeIOTLB = fakeIRO + 8
)

// fakeUnit is a remapping unit over fakeMemory, as QEMU emulates one:
// commands finish when written, and DMA is translated through the tables
// and cached in a context cache and an IOTLB that only invalidation
// empties, so that a test sees what a missed invalidation would leave
// reachable.
type fakeUnit struct {
	mem  *fakeMemory
	regs map[uintptr]uint32

	contextCache map[uint16]fakeContext // by source ID
	iotlb        map[[2]uint64]uint64
	invalidated  []string
	// cm makes the unit cache not-present entries (caching mode).
	cm bool
}

func newFakeUnit(mem *fakeMemory, sagaw uint64) *fakeUnit {
	f := &fakeUnit{mem: mem, regs: make(map[uintptr]uint32), contextCache: make(map[uint16]fakeContext), iotlb: make(map[[2]uint64]uint64)}
	c := uint64(fakeCAP) | sagaw<<capSAGAWShift
	f.regs[regCAP], f.regs[regCAP+4] = uint32(c), uint32(c>>32)
	f.regs[regECAP], f.regs[regECAP+4] = uint32(fakeECAP), 0
	f.regs[regFECTL] = fectlIM
	return f
}

func (f *fakeUnit) Read32(off uintptr) uint32 { return f.regs[off] }

func (f *fakeUnit) Write32(off uintptr, v uint32) {
	switch off {
	case regGCMD:
		st := f.regs[regGSTS]
		st = st&^gcmdTE | v&gcmdTE
		if v&gcmdSRTP != 0 {
			st |= gcmdSRTP
		}
		f.regs[regGSTS] = st
	case regCCMD + 4:
		f.regs[off] = v
		cmd := uint64(f.regs[regCCMD]) | uint64(v)<<32
		switch cmd >> 61 & 3 {
		case 1:
			clear(f.contextCache)
			f.invalidated = append(f.invalidated, "context global")
		case 3:
			delete(f.contextCache, uint16(cmd>>16))
			f.invalidated = append(f.invalidated, fmt.Sprintf("context device %#x domain %d", uint16(cmd>>16), uint16(cmd)))
		}
		f.regs[off] &^= 1 << 31
	case fakeIOTLB + 4:
		f.regs[off] = v
		cmd := uint64(f.regs[fakeIOTLB]) | uint64(v)<<32
		switch cmd >> 60 & 3 {
		case 1:
			clear(f.iotlb)
			f.invalidated = append(f.invalidated, "iotlb global")
		case 2:
			did := cmd >> 32 & 0xffff
			for k := range f.iotlb {
				if k[0] == did {
					delete(f.iotlb, k)
				}
			}
			f.invalidated = append(f.invalidated, fmt.Sprintf("iotlb domain %d", did))
		}
		f.regs[off] &^= 1 << 31
	case fakeFRO + 12:
		f.regs[off] &^= v & (1 << 31)
	case regFSTS:
		f.regs[off] &^= v & fstsPFO
	default:
		f.regs[off] = v
	}
}

// fakeContext is a context entry as the unit caches it.
type fakeContext struct {
	present bool
	did     uint64
	table   uint64
	levels  int
}

// dma translates a request of source a at addr as the unit does and
// returns the physical address, or records the fault and returns its
// reason.
func (f *fakeUnit) dma(a pci.Addr, addr uint64, write bool) (uint64, uint8) {
	if f.regs[regGSTS]&gcmdTE == 0 {
		return addr, 0
	}
	phys, reason := f.translate(a, addr, write)
	if reason != 0 {
		f.record(a, addr, write, reason)
	}
	return phys, reason
}

func (f *fakeUnit) translate(a pci.Addr, addr uint64, write bool) (uint64, uint8) {
	sid := sourceID(a)
	ce, ok := f.contextCache[sid]
	if !ok {
		root := uint64(f.regs[regRTADDR]) | uint64(f.regs[regRTADDR+4])<<32
		re, ok := f.mem.read64(root + 16*uint64(a.Bus))
		if !ok {
			return 0, 0x8
		}
		if re&entryPresent == 0 {
			return 0, 0x1
		}
		ctx := re & entryAddr
		lo, ok1 := f.mem.read64(ctx + 16*uint64(sid&0xff))
		hi, ok2 := f.mem.read64(ctx + 16*uint64(sid&0xff) + 8)
		if !ok1 || !ok2 {
			return 0, 0x9
		}
		if lo&entryPresent == 0 {
			if f.cm {
				f.contextCache[sid] = fakeContext{}
			}
			return 0, 0x2
		}
		ce = fakeContext{present: true, did: hi >> 8 & 0xffff, table: lo & entryAddr, levels: int(hi&7) + 2}
		f.contextCache[sid] = ce
	}
	if !ce.present {
		return 0, 0x2
	}
	did, table, levels := ce.did, ce.table, ce.levels
	if p, ok := f.iotlb[[2]uint64{did, addr >> 12}]; ok {
		return p | addr&(pageSize-1), 0
	}
	if addr>>(12+9*levels) != 0 {
		return 0, 0x4
	}
	perm := uint64(pteRead)
	reason := uint8(0x6)
	if write {
		perm, reason = pteWrite, 0x5
	}
	for level := levels; level >= 1; level-- {
		e, ok := f.mem.read64(table + 8*(addr>>(12+9*uint(level-1))&0x1ff))
		if !ok {
			return 0, 0x7
		}
		if e&perm == 0 {
			return 0, reason
		}
		table = e & entryAddr
	}
	f.iotlb[[2]uint64{did, addr >> 12}] = table
	return table | addr&(pageSize-1), 0
}

// record writes the fault into the one recording register, or sets the
// overflow flag when that is still full.
func (f *fakeUnit) record(a pci.Addr, addr uint64, write bool, reason uint8) {
	if f.regs[fakeFRO+12]&(1<<31) != 0 {
		f.regs[regFSTS] |= fstsPFO
		return
	}
	hi := uint64(sourceID(a)) | uint64(reason)<<32 | frcdF
	if !write {
		hi |= frcdT
	}
	f.regs[fakeFRO], f.regs[fakeFRO+4] = uint32(addr&^(pageSize-1)), uint32(addr>>32)
	f.regs[fakeFRO+8], f.regs[fakeFRO+12] = uint32(hi), uint32(hi>>32)
}
