//go:build clk

package main

import (
	"errors"
	"fmt"
	"sync"

	x86 "clk/arch/x86_64"
	"clk/drivers/acpi"
	"clk/drivers/pci"
	"clk/drivers/vtd"
	"clk/kernel/device"
	"clk/kernel/klog"
)

// startIOMMU turns VT-d DMA remapping on when the DMAR describes one
// remapping unit for PCI segment 0 (QEMU's q35 with intel-iommu), and
// returns it for the broker; nil leaves DMA unconfined, as on a machine
// without an IOMMU. From then on a function the unit translates for
// reaches no memory until a driver is bound to it. The unit's faults are
// logged as its interrupt reports them.
func startIOMMU(log *klog.Log, tables *acpi.Tables, m device.Machine, cfg pci.Config) device.IOMMU {
	if tables == nil {
		return nil
	}
	dmar, err := tables.DMAR()
	if errors.Is(err, acpi.ErrNotFound) {
		return nil
	}
	if err != nil {
		log.Printf("iommu: %v: DMA is not confined", err)
		return nil
	}
	if len(dmar.Units) != 1 || dmar.Units[0].Segment != 0 {
		log.Printf("iommu: the DMAR lists %d remapping units; clk drives only one, for segment 0: DMA is not confined", len(dmar.Units))
		return nil
	}
	base := dmar.Units[0].Base
	if base+4096 > identityMapped {
		log.Printf("iommu: registers at %#x are beyond the kernel's identity map: DMA is not confined", base)
		return nil
	}
	u, err := vtd.New(x86.MMIO(base), tableFrames{})
	if err == nil {
		err = u.Enable()
	}
	if err != nil {
		log.Printf("iommu: VT-d unit at %#x: %v: DMA is not confined", base, err)
		return nil
	}
	report := func() {
		for _, f := range u.Faults() {
			log.Printf("iommu: %v", f)
		}
	}
	how := "no fault interrupt"
	if vec, err := m.AllocVector(report); err == nil {
		addr, data := m.MSIMessage(vec)
		u.SetFaultInterrupt(addr, data)
		how = fmt.Sprintf("fault interrupt on vector %#x", vec)
	} else {
		log.Printf("iommu: no vector for the fault interrupt: %v: faults go unreported", err)
	}
	report()
	log.Printf("iommu: DMA remapping on: VT-d unit at %#x, %d-level tables, %s; a function without a driver reaches no memory", base, u.Levels(), how)
	return &scopedIOMMU{Unit: u, log: log, covers: func(a pci.Addr) bool { return vtd.InScope(dmar.Units[0], cfg, a) }, outside: make(map[pci.Addr]bool)}
}

// scopedIOMMU is the unit, for the functions its scope covers; the DMA of
// the others does not go through it, and the broker is told it is
// confined only when it is.
type scopedIOMMU struct {
	*vtd.Unit
	log    *klog.Log
	covers func(pci.Addr) bool

	mu      sync.Mutex
	outside map[pci.Addr]bool
}

func (s *scopedIOMMU) Attach(a pci.Addr) error {
	if !s.covers(a) {
		s.mu.Lock()
		s.outside[a] = true
		s.mu.Unlock()
		s.log.Printf("iommu: %v is outside the remapping unit's scope: its DMA is not confined", a)
		return nil
	}
	return s.Unit.Attach(a)
}

func (s *scopedIOMMU) isOutside(a pci.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outside[a]
}

func (s *scopedIOMMU) Map(a pci.Addr, phys uint64, pages int) error {
	if s.isOutside(a) {
		return nil
	}
	return s.Unit.Map(a, phys, pages)
}

func (s *scopedIOMMU) Unmap(a pci.Addr, phys uint64, pages int) error {
	if s.isOutside(a) {
		return nil
	}
	return s.Unit.Unmap(a, phys, pages)
}

func (s *scopedIOMMU) Detach(a pci.Addr) error {
	if s.isOutside(a) {
		return nil
	}
	err := s.Unit.Detach(a)
	if err != nil {
		s.log.Printf("iommu: %v: the DMA memory of its driver is kept out of use", err)
	}
	return err
}

// tableFrames are the frames of the unit's tables, which it reads by
// physical address.
type tableFrames struct{}

func (tableFrames) AllocPage() (uint64, []byte, error) { return x86.AllocContiguous(1) }

func (tableFrames) FreePage(phys uint64) { x86.FreeContiguous(phys, 1) }
