package device

import (
	"fmt"
	"sync"

	"clk/abi"
	"clk/drivers/pci"
	"clk/kernel/limit"
	"clk/kernel/object"
)

// Rights is what the broker's handle to a device carries: the driver may
// read and write the device's configuration where allowed, map its memory
// and DMA, manage its interrupts and ports, and be handed the handle; no
// duplicate, so that one handle names the binding.
const Rights = abi.RightRead | abi.RightWrite | abi.RightMap | abi.RightManage | abi.RightWait | abi.RightTransfer

// Mapper maps physical memory into the address space of the driver
// making a call: the syscall layer passes the caller's.
type Mapper interface {
	// MapPhys maps the n bytes of physical memory at pa (page aligned,
	// n a multiple of the page size), read-write, and returns where, and
	// how to unmap it. uncached turns caching off. Pages at offsets for
	// which skip reports true are left out: touching them faults.
	MapPhys(pa, n uint64, uncached bool, skip func(off uint64) bool, name string) (va uint64, unmap func(), err error)
}

// PCI configuration registers and bits a driver may touch (PCI Local Bus
// Specification 3.0, 6.2.2), and the capability layouts the kernel
// programs (6.8.1 MSI, 6.8.2 MSI-X).
const (
	regCommand = 0x04

	cmdIO          = 1 << 0
	cmdMemory      = 1 << 1
	cmdBusMaster   = 1 << 2
	cmdINTxDisable = 1 << 10
	// cmdDriverBits are the command bits a driver may set or clear.
	cmdDriverBits = cmdIO | cmdMemory | cmdBusMaster | cmdINTxDisable

	capVendor = 0x09
	capMSI    = 0x05
	capMSIX   = 0x11

	msiControl      = 2
	msiEnable       = 1 << 0
	msiMultiMask    = 7 << 4
	msiAddrLow      = 4
	msiAddrHigh     = 8
	msiData32       = 8
	msiData64       = 12
	msixControl     = 2
	msixEnable      = 1 << 15
	msixFunctionMsk = 1 << 14
	msixEntrySize   = 16
	msixVectorMask  = 1 << 0
	msixEntryAddrLo = 0
	msixEntryAddrHi = 4
	msixEntryData   = 8
	msixEntryCtrl   = 12

	pageSize = abi.PageSize
)

// Device is one PCI function bound to a driver: the object a device
// handle names.
type Device struct {
	b    *Broker
	slot *slot
	fn   *pci.Function
	a    pci.Addr

	mu       sync.Mutex
	released bool
	unmaps   []func()
	dma      []dmaBlock
	dmaBytes uint64
	irqs     map[int]*irqRoute
	msixOn   bool
	msiOn    bool
	// resetErr is why the release's reset failed, if it did.
	resetErr error
}

// dmaBlock is one DMA allocation.
type dmaBlock struct {
	phys  uint64
	pages int
	acct  *limit.Account
}

// irqRoute is one interrupt routed to a kernel vector: an MSI or MSI-X
// vector, or the function's INTx line.
type irqRoute struct {
	irq    *object.IRQ
	vector uint8
	line   Line // INTx only
}

func newDevice(b *Broker, s *slot) *Device {
	return &Device{b: b, slot: s, fn: &s.fn, a: s.fn.Addr, irqs: make(map[int]*irqRoute)}
}

// Type returns abi.TypeDevice.
func (d *Device) Type() abi.ObjectType { return abi.TypeDevice }

// Addr returns the function's address.
func (d *Device) Addr() pci.Addr { return d.a }

// Function returns what enumeration found of the function.
func (d *Device) Function() pci.Function { return *d.fn }

// Info returns the device_info record.
func (d *Device) Info() abi.DeviceInfo {
	f := d.fn
	info := abi.DeviceInfo{
		Bus: f.Bus, Slot: f.Device, Function: f.Addr.Function, Revision: f.Revision,
		VendorID: f.VendorID, DeviceID: f.DeviceID,
		Class: f.Class, Subclass: f.Subclass, ProgIF: f.ProgIF, Pin: f.IRQPin,
		ConfigSize: uint32(d.b.cfg.Size()),
	}
	if f.MSIX != nil {
		info.MSIXSize = uint16(f.MSIX.TableSize)
	}
	if f.MSI != nil {
		info.MSIVectors = uint16(f.MSI.Vectors)
	}
	for _, bar := range f.BARs {
		if bar.Index < 0 || bar.Index >= len(info.BARs) {
			continue
		}
		r := &info.BARs[bar.Index]
		switch {
		case bar.IO:
			r.Kind = abi.BARIO
		case bar.Is64:
			r.Kind = abi.BARMem64
		default:
			r.Kind = abi.BARMem32
		}
		if bar.Prefetchable {
			r.Flags |= abi.BARPrefetchable
		}
		r.Size = bar.Size
	}
	return info
}

// access checks a configuration access of width bytes at off.
func (d *Device) access(off uint64, width int) (uint16, error) {
	if width != 1 && width != 2 && width != 4 || off%uint64(width) != 0 || off+uint64(width) > uint64(d.b.cfg.Size()) {
		return 0, fmt.Errorf("device %v: configuration access of %d bytes at %#x: %w", d.a, width, off, ErrInvalid)
	}
	return uint16(off), nil
}

// ConfigRead reads the function's configuration space.
func (d *Device) ConfigRead(off uint64, width int) (uint32, error) {
	o, err := d.access(off, width)
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.released {
		return 0, ErrReleased
	}
	return d.read(o, width), nil
}

func (d *Device) read(off uint16, width int) uint32 {
	switch width {
	case 1:
		return uint32(d.b.cfg.Read8(d.a, off))
	case 2:
		return uint32(d.b.cfg.Read16(d.a, off))
	}
	return d.b.cfg.Read32(d.a, off)
}

func (d *Device) write(off uint16, width int, v uint32) {
	switch width {
	case 1:
		d.b.cfg.Write8(d.a, off, uint8(v))
	case 2:
		d.b.cfg.Write16(d.a, off, uint16(v))
	default:
		d.b.cfg.Write32(d.a, off, v)
	}
}

// ConfigWrite writes the function's configuration space where a driver
// may: the command register's driver bits (the others keep their value),
// and the bodies of vendor-specific capabilities.
func (d *Device) ConfigWrite(off uint64, width int, v uint32) error {
	o, err := d.access(off, width)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.released {
		return ErrReleased
	}
	end := int(o) + width
	if int(o) >= regCommand && end <= regCommand+2 {
		// Merge into the whole register: only the driver's bits change.
		shift := 8 * (o - regCommand)
		old := uint32(d.b.cfg.Read16(d.a, regCommand))
		mask := uint32(cmdDriverBits) & ((uint32(1)<<(8*width) - 1) << shift)
		d.b.cfg.Write16(d.a, regCommand, uint16(old&^mask|v<<shift&mask))
		return nil
	}
	for _, c := range d.fn.Capabilities {
		if c.ID != capVendor {
			continue
		}
		body, n := int(c.Offset)+3, int(d.b.cfg.Read8(d.a, uint16(c.Offset)+2))
		if int(o) >= body && end <= int(c.Offset)+n && end <= 256 {
			d.write(o, width, v)
			return nil
		}
	}
	return fmt.Errorf("device %v: configuration write of %d bytes at %#x: not the driver's: %w", d.a, width, off, ErrInvalid)
}

// bar returns the function's BAR i.
func (d *Device) bar(i int) (pci.BAR, bool) {
	for _, b := range d.fn.BARs {
		if b.Index == i && b.Size > 0 {
			return b, true
		}
	}
	return pci.BAR{}, false
}

// MapBAR maps memory BAR i whole, uncached, into the caller's address
// space through m, leaving out the pages of the MSI-X table and pending
// bits. A BAR smaller than a page must not share its page with another
// function's memory.
func (d *Device) MapBAR(i int, m Mapper) (uint64, error) {
	bar, ok := d.bar(i)
	if !ok || bar.IO {
		return 0, fmt.Errorf("device %v: no memory BAR %d: %w", d.a, i, ErrInvalid)
	}
	first := bar.Addr &^ (pageSize - 1)
	end := (bar.Addr + bar.Size + pageSize - 1) &^ (pageSize - 1)
	if end <= first {
		return 0, fmt.Errorf("device %v: BAR %d at %#x wraps: %w", d.a, i, bar.Addr, ErrInvalid)
	}
	if (bar.Addr != first || bar.Size%pageSize != 0) && d.b.sharesPage(d.a, first, end) {
		return 0, fmt.Errorf("device %v: BAR %d shares a page with another function: %w", d.a, i, ErrInvalid)
	}
	skip := d.msixPages(i, first)
	d.mu.Lock()
	if d.released {
		d.mu.Unlock()
		return 0, ErrReleased
	}
	d.mu.Unlock()
	va, unmap, err := m.MapPhys(first, end-first, true, skip, fmt.Sprintf("%v bar%d", d.a, i))
	if err != nil {
		return 0, fmt.Errorf("device %v: map BAR %d: %w", d.a, i, err)
	}
	if !d.keep(unmap) {
		return 0, ErrReleased
	}
	return va + (bar.Addr - first), nil
}

// keep records an unmap to run on release, or runs it now if the device
// was released meanwhile.
func (d *Device) keep(unmap func()) bool {
	d.mu.Lock()
	if d.released {
		d.mu.Unlock()
		unmap()
		return false
	}
	d.unmaps = append(d.unmaps, unmap)
	d.mu.Unlock()
	return true
}

// msixPages returns which page offsets of BAR i, mapped from first, hold
// the MSI-X table or pending bit array.
func (d *Device) msixPages(i int, first uint64) func(off uint64) bool {
	x := d.fn.MSIX
	if x == nil {
		return func(uint64) bool { return false }
	}
	bar, _ := d.bar(i)
	type span struct{ lo, hi uint64 }
	var spans []span
	if int(x.TableBIR) == i {
		lo := bar.Addr + uint64(x.TableOffset)
		spans = append(spans, span{lo, lo + uint64(x.TableSize)*msixEntrySize})
	}
	if int(x.PBABIR) == i {
		lo := bar.Addr + uint64(x.PBAOffset)
		spans = append(spans, span{lo, lo + (uint64(x.TableSize)+63)/64*8})
	}
	return func(off uint64) bool {
		page := first + off
		for _, s := range spans {
			if s.lo < page+pageSize && page < s.hi {
				return true
			}
		}
		return false
	}
}

// AllocDMA allocates n bytes, rounded up to pages, of physically
// contiguous memory, charged to acct (if not nil), and maps it into the
// caller's address space through m. With an IOMMU it is mapped for the
// device too, at its physical address, before AllocDMA returns.
func (d *Device) AllocDMA(n uint64, m Mapper, acct *limit.Account) (va, phys uint64, err error) {
	if n == 0 || n > abi.MaxDMAAlloc {
		return 0, 0, fmt.Errorf("device %v: DMA of %d bytes: %w", d.a, n, ErrInvalid)
	}
	pages := int((n + pageSize - 1) / pageSize)
	size := uint64(pages) * pageSize
	d.mu.Lock()
	if d.released {
		d.mu.Unlock()
		return 0, 0, ErrReleased
	}
	if d.dmaBytes+size > abi.MaxDMAPerDevice {
		d.mu.Unlock()
		return 0, 0, fmt.Errorf("device %v: DMA beyond %d bytes: %w", d.a, abi.MaxDMAPerDevice, abi.ELIMIT)
	}
	d.dmaBytes += size
	d.mu.Unlock()
	undo := func() {
		d.mu.Lock()
		d.dmaBytes -= size
		d.mu.Unlock()
	}
	if acct != nil {
		if err := acct.Charge(limit.Memory, int64(size)); err != nil {
			undo()
			return 0, 0, fmt.Errorf("device %v: DMA: %w", d.a, err)
		}
	}
	phys, _, err = d.b.m.AllocDMA(pages)
	if err != nil {
		acct.Uncharge(limit.Memory, int64(size))
		undo()
		return 0, 0, fmt.Errorf("device %v: DMA of %d pages: %w", d.a, pages, err)
	}
	if iommu := d.b.iommu; iommu != nil {
		if err := iommu.Map(d.a, phys, pages); err != nil {
			d.b.m.FreeDMA(phys, pages)
			acct.Uncharge(limit.Memory, int64(size))
			undo()
			return 0, 0, fmt.Errorf("device %v: DMA: %w", d.a, err)
		}
	}
	// free gives the frames back once the device no longer reaches them;
	// a release that ran meanwhile detached the function already.
	free := func() {
		if iommu := d.b.iommu; iommu != nil {
			if err := iommu.Unmap(d.a, phys, pages); err != nil && !d.Released() {
				return // still reachable: lose the frames rather than reuse them
			}
		}
		d.b.m.FreeDMA(phys, pages)
	}
	va, unmap, err := m.MapPhys(phys, size, false, nil, fmt.Sprintf("%v dma", d.a))
	if err != nil {
		free()
		acct.Uncharge(limit.Memory, int64(size))
		undo()
		return 0, 0, fmt.Errorf("device %v: map DMA: %w", d.a, err)
	}
	d.mu.Lock()
	if d.released {
		d.mu.Unlock()
		unmap()
		free()
		acct.Uncharge(limit.Memory, int64(size))
		return 0, 0, ErrReleased
	}
	d.unmaps = append(d.unmaps, unmap)
	d.dma = append(d.dma, dmaBlock{phys: phys, pages: pages, acct: acct})
	d.mu.Unlock()
	return va, phys, nil
}

// IOPorts returns the port range of I/O BAR i.
func (d *Device) IOPorts(i int) (*object.IOPorts, error) {
	bar, ok := d.bar(i)
	if !ok || !bar.IO || bar.Addr+bar.Size > 1<<16 {
		return nil, fmt.Errorf("device %v: no I/O BAR %d: %w", d.a, i, ErrInvalid)
	}
	return object.NewIOPorts(uint16(bar.Addr), uint16(bar.Size))
}

// IRQ routes interrupt index of the device to a kernel vector and returns
// its IRQ: MSI-X table entry index, or with no MSI-X the single MSI
// vector (index 0), or with neither the function's INTx line (index 0).
// Asking again for an index returns the same IRQ.
func (d *Device) IRQ(index int) (*object.IRQ, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.released {
		return nil, ErrReleased
	}
	if r, ok := d.irqs[index]; ok {
		return r.irq, nil
	}
	f := d.fn
	switch {
	case f.MSIX != nil:
		if index < 0 || index >= f.MSIX.TableSize {
			return nil, fmt.Errorf("device %v: MSI-X entry %d of %d: %w", d.a, index, f.MSIX.TableSize, ErrInvalid)
		}
	case f.MSI != nil:
		if index != 0 {
			return nil, fmt.Errorf("device %v: MSI has one vector, not %d: %w", d.a, index, ErrInvalid)
		}
	default:
		return d.routeINTx(index)
	}
	kind := "msi"
	if f.MSIX != nil {
		kind = "msix"
	}
	irq := object.NewIRQ(fmt.Sprintf("%s %d of %v", kind, index, d.a), nil)
	vec, err := d.b.m.AllocVector(irq.Fire)
	if err != nil {
		return nil, fmt.Errorf("device %v: %w", d.a, err)
	}
	if f.MSIX != nil {
		err = d.routeMSIX(index, vec)
	} else {
		err = d.routeMSI(vec)
	}
	if err != nil {
		d.b.m.FreeVector(vec)
		return nil, err
	}
	d.irqs[index] = &irqRoute{irq: irq, vector: vec}
	return irq, nil
}

// routeINTx routes the function's INTx line, the fallback for a function
// without MSI or MSI-X. The line is level-triggered: the kernel masks it
// at each interrupt and unmasks it when the driver takes the interrupts
// (IRQ.Take, in irq_wait), by which time the driver has acknowledged the
// device or will see one more interrupt. Lines are not shared: firmware
// may have wired two functions to one line, and the second to ask gets
// ErrBusy.
// Preconditions: d.mu is held.
func (d *Device) routeINTx(index int) (*object.IRQ, error) {
	f := d.fn
	if index != 0 {
		return nil, fmt.Errorf("device %v: INTx is one interrupt, not %d: %w", d.a, index, ErrInvalid)
	}
	if f.IRQPin < 1 || f.IRQPin > 4 {
		return nil, fmt.Errorf("device %v: no MSI, MSI-X or INTx pin: %w", d.a, ErrInvalid)
	}
	// Firmware writes the ISA interrupt it routed the pin to, 0xff
	// (unknown) or nothing; 0 and 2 are the timer and the cascade.
	if l := f.IRQLine; l >= 16 || l == 0 || l == 2 {
		return nil, fmt.Errorf("device %v: firmware routed INT%c to no interrupt (line %d): %w", d.a, 'A'+f.IRQPin-1, l, ErrInvalid)
	}
	irq := object.NewIRQ(fmt.Sprintf("intx %c of %v", 'A'+f.IRQPin-1, d.a), nil)
	line, err := d.b.m.AllocLine(f.IRQLine, irq.Fire)
	if err != nil {
		return nil, fmt.Errorf("device %v: INT%c on IRQ %d: %w", d.a, 'A'+f.IRQPin-1, f.IRQLine, err)
	}
	irq.SetAck(line.Unmask)
	cmd := d.b.cfg.Read16(d.a, regCommand)
	d.b.cfg.Write16(d.a, regCommand, cmd&^cmdINTxDisable)
	d.irqs[index] = &irqRoute{irq: irq, line: line}
	return irq, nil
}

// msixTable returns the kernel's access to the MSI-X table.
// Preconditions: d.mu is held.
func (d *Device) msixTable() (Registers, error) {
	x := d.fn.MSIX
	bar, ok := d.bar(int(x.TableBIR))
	if !ok || bar.IO {
		return nil, fmt.Errorf("device %v: MSI-X table BAR %d: %w", d.a, x.TableBIR, ErrInvalid)
	}
	regs, err := d.b.m.MMIO(bar.Addr+uint64(x.TableOffset), uint64(x.TableSize)*msixEntrySize)
	if err != nil {
		return nil, fmt.Errorf("device %v: MSI-X table: %w", d.a, err)
	}
	return regs, nil
}

// routeMSIX points MSI-X entry index at vec and enables MSI-X.
// Preconditions: d.mu is held.
func (d *Device) routeMSIX(index int, vec uint8) error {
	t, err := d.msixTable()
	if err != nil {
		return err
	}
	// The table is in memory space: decoding must be on to reach it.
	cmd := d.b.cfg.Read16(d.a, regCommand)
	d.b.cfg.Write16(d.a, regCommand, cmd|cmdMemory)
	addr, data := d.b.m.MSIMessage(vec)
	e := uintptr(index) * msixEntrySize
	t.Write32(e+msixEntryCtrl, t.Read32(e+msixEntryCtrl)|msixVectorMask)
	t.Write32(e+msixEntryAddrLo, uint32(addr))
	t.Write32(e+msixEntryAddrHi, uint32(addr>>32))
	t.Write32(e+msixEntryData, data)
	t.Write32(e+msixEntryCtrl, t.Read32(e+msixEntryCtrl)&^msixVectorMask)
	if !d.msixOn {
		ctl := uint16(d.fn.MSIX.Offset) + msixControl
		v := d.b.cfg.Read16(d.a, ctl)
		d.b.cfg.Write16(d.a, ctl, v&^msixFunctionMsk|msixEnable)
		d.msixOn = true
	}
	return nil
}

// routeMSI points the function's single MSI vector at vec and enables MSI.
// Preconditions: d.mu is held.
func (d *Device) routeMSI(vec uint8) error {
	m := d.fn.MSI
	base := uint16(m.Offset)
	addr, data := d.b.m.MSIMessage(vec)
	ctl := d.b.cfg.Read16(d.a, base+msiControl)
	d.b.cfg.Write16(d.a, base+msiControl, ctl&^(msiEnable|msiMultiMask))
	d.b.cfg.Write32(d.a, base+msiAddrLow, uint32(addr))
	if m.Addr64 {
		d.b.cfg.Write32(d.a, base+msiAddrHigh, uint32(addr>>32))
		d.b.cfg.Write16(d.a, base+msiData64, uint16(data))
	} else {
		d.b.cfg.Write16(d.a, base+msiData32, uint16(data))
	}
	d.b.cfg.Write16(d.a, base+msiControl, ctl&^msiMultiMask|msiEnable)
	d.msiOn = true
	return nil
}

// ResetError returns why the reset at release failed, nil if it did not
// (or has not run).
func (d *Device) ResetError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resetErr
}

// Released reports whether the device object has been released.
func (d *Device) Released() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.released
}

// Release runs when the last handle to the device goes. It stops the
// device reaching memory and raising interrupts before anything it could
// reach is freed: a reset (Broker.SetReset), bus mastering off, MSI and
// MSI-X off and their entries masked, and with an IOMMU the function's
// address space taken away (its DMA then reaches nothing); then the IRQs
// are detached and their vectors freed, the driver's mappings removed,
// the DMA memory freed, and the function unbound.
func (d *Device) Release() {
	d.mu.Lock()
	if d.released {
		d.mu.Unlock()
		return
	}
	d.released = true
	if d.b.reset != nil {
		if err := d.b.reset(*d.fn); err != nil {
			d.resetErr = err
		}
	}
	cmd := d.b.cfg.Read16(d.a, regCommand)
	d.b.cfg.Write16(d.a, regCommand, cmd&^cmdBusMaster|cmdINTxDisable)
	if d.msixOn {
		ctl := uint16(d.fn.MSIX.Offset) + msixControl
		d.b.cfg.Write16(d.a, ctl, d.b.cfg.Read16(d.a, ctl)&^msixEnable|msixFunctionMsk)
		if t, err := d.msixTable(); err == nil {
			for index := range d.irqs {
				e := uintptr(index) * msixEntrySize
				t.Write32(e+msixEntryCtrl, t.Read32(e+msixEntryCtrl)|msixVectorMask)
			}
		}
	}
	if d.msiOn {
		ctl := uint16(d.fn.MSI.Offset) + msiControl
		d.b.cfg.Write16(d.a, ctl, d.b.cfg.Read16(d.a, ctl)&^msiEnable)
	}
	irqs, unmaps, dma := d.irqs, d.unmaps, d.dma
	d.irqs, d.unmaps, d.dma, d.dmaBytes = nil, nil, nil, 0
	d.mu.Unlock()

	if iommu := d.b.iommu; iommu != nil {
		if err := iommu.Detach(d.a); err != nil {
			// The unit may still translate to the DMA memory: it is
			// lost rather than handed to someone else.
			dma = nil
		}
	}

	for _, r := range irqs {
		if r.line != nil {
			r.line.Free()
		} else {
			d.b.m.FreeVector(r.vector)
		}
		r.irq.Detach()
	}
	for _, unmap := range unmaps {
		unmap()
	}
	for _, blk := range dma {
		d.b.m.FreeDMA(blk.phys, blk.pages)
		blk.acct.Uncharge(limit.Memory, int64(blk.pages)*pageSize)
	}
	d.b.unbind(d)
}
