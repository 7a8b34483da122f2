package device

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"clk/abi"
	"clk/drivers/pci"
	"clk/kernel/limit"
)

// fakeConfig is configuration space in memory: 256 bytes per function.
type fakeConfig struct{ mem map[pci.Addr]*[256]byte }

func (c *fakeConfig) space(a pci.Addr) *[256]byte {
	if c.mem[a] == nil {
		c.mem[a] = new([256]byte)
	}
	return c.mem[a]
}
func (c *fakeConfig) Read8(a pci.Addr, off uint16) uint8 { return c.space(a)[off] }
func (c *fakeConfig) Read16(a pci.Addr, off uint16) uint16 {
	return binary.LittleEndian.Uint16(c.space(a)[off:])
}
func (c *fakeConfig) Read32(a pci.Addr, off uint16) uint32 {
	return binary.LittleEndian.Uint32(c.space(a)[off:])
}
func (c *fakeConfig) Write8(a pci.Addr, off uint16, v uint8) { c.space(a)[off] = v }
func (c *fakeConfig) Write16(a pci.Addr, off uint16, v uint16) {
	binary.LittleEndian.PutUint16(c.space(a)[off:], v)
}
func (c *fakeConfig) Write32(a pci.Addr, off uint16, v uint32) {
	binary.LittleEndian.PutUint32(c.space(a)[off:], v)
}
func (c *fakeConfig) Size() int      { return 256 }
func (c *fakeConfig) Method() string { return "fake" }

// fakeRegs is device memory: the MSI-X table.
type fakeRegs struct{ mem []byte }

func (r *fakeRegs) Read32(off uintptr) uint32 { return binary.LittleEndian.Uint32(r.mem[off:]) }
func (r *fakeRegs) Write32(off uintptr, v uint32) {
	binary.LittleEndian.PutUint32(r.mem[off:], v)
}

// fakeMachine records what the broker asks of the hardware, in order.
type fakeMachine struct {
	cfg    *fakeConfig
	log    []string
	next   uint64
	fires  map[uint8]func()
	table  *fakeRegs
	dmaOut map[uint64]int
	lines  map[uint8]*fakeLine
}

func (m *fakeMachine) AllocDMA(pages int) (uint64, []byte, error) {
	m.next += 0x100000
	m.dmaOut[m.next] = pages
	m.log = append(m.log, fmt.Sprintf("alloc %#x", m.next))
	return m.next, make([]byte, pages*pageSize), nil
}
func (m *fakeMachine) FreeDMA(phys uint64, pages int) {
	// The device must have lost bus mastering before its memory goes.
	if m.cfg.Read16(testAddr, regCommand)&cmdBusMaster != 0 {
		m.log = append(m.log, "free with bus master on")
	}
	delete(m.dmaOut, phys)
	m.log = append(m.log, fmt.Sprintf("free %#x", phys))
}
func (m *fakeMachine) AllocVector(fire func()) (uint8, error) {
	for v := uint8(64); ; v++ {
		if m.fires[v] == nil {
			m.fires[v] = fire
			return v, nil
		}
	}
}
func (m *fakeMachine) FreeVector(v uint8) { delete(m.fires, v) }
func (m *fakeMachine) AllocLine(irq uint8, fire func()) (Line, error) {
	if m.lines == nil {
		m.lines = map[uint8]*fakeLine{}
	}
	if l := m.lines[irq]; l != nil && !l.freed {
		return nil, ErrBusy
	}
	l := &fakeLine{fire: fire, masked: false}
	m.lines[irq] = l
	return l, nil
}

// fakeLine is a level-triggered line: an interrupt masks it.
type fakeLine struct {
	fire          func()
	masked, freed bool
	unmasks       int
}

func (l *fakeLine) interrupt() {
	if !l.masked && !l.freed {
		l.masked = true
		l.fire()
	}
}
func (l *fakeLine) Unmask() {
	if !l.freed {
		l.masked = false
		l.unmasks++
	}
}
func (l *fakeLine) Free() { l.masked, l.freed = true, true }
func (m *fakeMachine) MSIMessage(v uint8) (uint64, uint32) {
	return 0xfee00000, uint32(v)
}
func (m *fakeMachine) MMIO(pa, n uint64) (Registers, error) {
	if pa != 0xfe001000 {
		return nil, fmt.Errorf("unexpected MMIO at %#x", pa)
	}
	return m.table, nil
}
func (m *fakeMachine) Ports() Ports { return nil }

// fakeMapper records mappings.
type fakeMapper struct {
	maps   map[uint64]string
	skips  []uint64
	nextVA uint64
}

func (m *fakeMapper) MapPhys(pa, n uint64, uncached bool, skip func(off uint64) bool, name string) (uint64, func(), error) {
	va := m.nextVA + 0x7f0000000000
	m.nextVA += n + pageSize
	for off := uint64(0); off < n; off += pageSize {
		if skip != nil && skip(off) {
			m.skips = append(m.skips, pa+off)
		}
	}
	m.maps[va] = fmt.Sprintf("%s %#x+%#x uncached=%v", name, pa, n, uncached)
	return va, func() { delete(m.maps, va) }, nil
}

var testAddr = pci.Addr{Bus: 0, Device: 3, Function: 0}

// testBroker has a virtio-like function at 00:03.0: BAR1 of 4 KiB holds
// the MSI-X table (at 0) and PBA (at 0x800); BAR4 is 16 KiB of 64-bit
// memory; BAR0 is I/O; a vendor capability at 0x40 of 16 bytes and the
// MSI-X capability at 0x50. A second function's BAR sits in the page
// after BAR2's 256 bytes.
func testBroker(t *testing.T) (*Broker, *fakeMachine) {
	cfg := &fakeConfig{mem: map[pci.Addr]*[256]byte{}}
	cfg.Write16(testAddr, 0, 0x1af4)
	cfg.Write8(testAddr, 0x40, capVendor)
	cfg.Write8(testAddr, 0x41, 0x50)
	cfg.Write8(testAddr, 0x42, 16)
	cfg.Write8(testAddr, 0x50, capMSIX)
	fn := pci.Function{
		Addr: testAddr, VendorID: 0x1af4, DeviceID: 0x1044,
		BARs: []pci.BAR{
			{Index: 0, IO: true, Addr: 0xc000, Size: 0x40},
			{Index: 1, Addr: 0xfe001000, Size: 0x1000},
			{Index: 2, Addr: 0xfe003000, Size: 0x100},
			{Index: 3, Addr: 0xfe005000, Size: 0x100},
			{Index: 4, Is64: true, Prefetchable: true, Addr: 0xfe008000, Size: 0x4000},
		},
		Capabilities: []pci.Capability{{ID: capVendor, Offset: 0x40}, {ID: capMSIX, Offset: 0x50}},
		MSIX:         &pci.MSIX{Offset: 0x50, TableSize: 3, TableBIR: 1, TableOffset: 0, PBABIR: 1, PBAOffset: 0x800},
	}
	other := pci.Function{Addr: pci.Addr{Device: 4}, BARs: []pci.BAR{{Index: 0, Addr: 0xfe003800, Size: 0x100}}}
	m := &fakeMachine{cfg: cfg, fires: map[uint8]func(){}, table: &fakeRegs{mem: make([]byte, 3*msixEntrySize)}, dmaOut: map[uint64]int{}}
	return NewBroker(m, cfg, []pci.Function{fn, other}), m
}

func TestAFunctionHasOneDriverAtATime(t *testing.T) {
	b, _ := testBroker(t)
	d, err := b.Bind(testAddr, "rng")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Bind(testAddr, "other"); !errors.Is(err, ErrBound) {
		t.Fatalf("second bind: %v, want ErrBound", err)
	}
	if got := b.Functions()[0].Driver; got != "rng" {
		t.Fatalf("driver %q", got)
	}
	d.Release()
	if got := b.Functions()[0].Driver; got != "" {
		t.Fatalf("after release, driver %q", got)
	}
	if _, err := b.Bind(testAddr, "again"); err != nil {
		t.Fatalf("bind after release: %v", err)
	}
	if _, err := b.Bind(pci.Addr{Bus: 9}, "x"); !errors.Is(err, ErrNoFunction) {
		t.Fatalf("bind of a missing function: %v", err)
	}
}

func TestDriverWritesOnlyItsCommandBitsAndVendorCapabilities(t *testing.T) {
	b, m := testBroker(t)
	d, _ := b.Bind(testAddr, "drv")
	m.cfg.Write16(testAddr, regCommand, 1<<8) // SERR enable: the kernel's
	if err := d.ConfigWrite(regCommand, 2, 0xffff); err != nil {
		t.Fatal(err)
	}
	if got := m.cfg.Read16(testAddr, regCommand); got != cmdDriverBits|1<<8 {
		t.Fatalf("command %#x, want %#x", got, cmdDriverBits|1<<8)
	}
	if err := d.ConfigWrite(regCommand+1, 1, 0); err != nil {
		t.Fatal(err)
	}
	if got := m.cfg.Read16(testAddr, regCommand); got != cmdIO|cmdMemory|cmdBusMaster|1<<8 {
		t.Fatalf("command after clearing its high byte %#x", got)
	}
	if err := d.ConfigWrite(0x44, 4, 0x12345678); err != nil {
		t.Fatalf("write inside the vendor capability: %v", err)
	}
	for _, w := range []struct {
		off   uint64
		width int
	}{
		{0x10, 4},   // BAR0
		{0x40, 1},   // the vendor capability's ID
		{0x41, 1},   // its next pointer
		{0x4e, 4},   // past its 16 bytes
		{0x52, 2},   // MSI-X control
		{0x04, 4},   // command and status at once
		{0x3c, 1},   // interrupt line
		{0x45, 4},   // misaligned
		{0x100, 4},  // past the space
		{0x44, 3},   // no such width
		{0xfffe, 2}, // far past
	} {
		if err := d.ConfigWrite(w.off, w.width, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("write of %d bytes at %#x: %v, want ErrInvalid", w.width, w.off, err)
		}
	}
}

func TestMappingLeavesOutTheMSIXTableAndSharedPages(t *testing.T) {
	b, _ := testBroker(t)
	d, _ := b.Bind(testAddr, "drv")
	mp := &fakeMapper{maps: map[uint64]string{}}
	if _, err := d.MapBAR(1, mp); err != nil {
		t.Fatal(err)
	}
	if len(mp.skips) != 1 || mp.skips[0] != 0xfe001000 {
		t.Fatalf("pages left out of BAR1: %#x, want the table's page", mp.skips)
	}
	if _, err := d.MapBAR(4, mp); err != nil {
		t.Fatal(err)
	}
	if _, err := d.MapBAR(3, mp); err != nil {
		t.Fatalf("a small BAR alone in its page: %v", err)
	}
	for _, bar := range []int{0, 2, 5} {
		if _, err := d.MapBAR(bar, mp); !errors.Is(err, ErrInvalid) {
			t.Errorf("BAR%d mapped: %v", bar, err)
		}
	}
	if len(mp.maps) != 3 {
		t.Fatalf("%d mappings, want 3", len(mp.maps))
	}
	for _, s := range mp.maps {
		if !strings.Contains(s, "uncached=true") {
			t.Errorf("BAR mapped cached: %s", s)
		}
	}
	d.Release()
	if len(mp.maps) != 0 {
		t.Fatalf("release left %d mappings", len(mp.maps))
	}
	if _, err := d.MapBAR(4, mp); !errors.Is(err, ErrReleased) {
		t.Fatalf("map after release: %v", err)
	}
}

func TestReleaseStopsBusMasteringBeforeFreeingDMA(t *testing.T) {
	b, m := testBroker(t)
	d, _ := b.Bind(testAddr, "drv")
	acct := limit.New("drv", limit.Limits{Memory: 1 << 20}, nil)
	mp := &fakeMapper{maps: map[uint64]string{}}
	if err := d.ConfigWrite(regCommand, 2, cmdBusMaster|cmdMemory); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.AllocDMA(3*pageSize+1, mp, acct); err != nil {
		t.Fatal(err)
	}
	if got := acct.Used(limit.Memory); got != 4*pageSize {
		t.Fatalf("charged %d, want %d", got, 4*pageSize)
	}
	if _, _, err := d.AllocDMA(1<<20, mp, acct); err == nil {
		t.Fatal("DMA beyond the memory limit allowed")
	}
	if _, _, err := d.AllocDMA(abi.MaxDMAAlloc+1, mp, acct); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized DMA: %v", err)
	}
	d.Release()
	if len(m.dmaOut) != 0 || len(mp.maps) != 0 || acct.Used(limit.Memory) != 0 {
		t.Fatalf("after release: %d DMA blocks, %d mappings, %d bytes charged", len(m.dmaOut), len(mp.maps), acct.Used(limit.Memory))
	}
	for _, l := range m.log {
		if l == "free with bus master on" {
			t.Fatal("DMA memory freed while the device could still reach it")
		}
	}
}

func TestDMAPerDeviceIsBounded(t *testing.T) {
	b, _ := testBroker(t)
	d, _ := b.Bind(testAddr, "drv")
	mp := &fakeMapper{maps: map[uint64]string{}}
	var err error
	for i := 0; i <= abi.MaxDMAPerDevice/abi.MaxDMAAlloc && err == nil; i++ {
		_, _, err = d.AllocDMA(abi.MaxDMAAlloc, mp, nil)
	}
	if !errors.Is(err, abi.ELIMIT) {
		t.Fatalf("DMA past the per-device bound: %v", err)
	}
}

func TestMSIXEntryIsProgrammedAndReleasedWithTheDevice(t *testing.T) {
	b, m := testBroker(t)
	d, _ := b.Bind(testAddr, "drv")
	q, err := d.IRQ(2)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := d.IRQ(2); again != q {
		t.Fatal("a second device_irq of an entry made another IRQ")
	}
	if _, err := d.IRQ(3); !errors.Is(err, ErrInvalid) {
		t.Fatalf("entry past the table: %v", err)
	}
	e := 2 * msixEntrySize
	vec := uint8(m.table.Read32(uintptr(e + msixEntryData)))
	if m.table.Read32(uintptr(e+msixEntryAddrLo)) != 0xfee00000 || m.fires[vec] == nil {
		t.Fatalf("entry 2 not programmed: addr %#x vector %d", m.table.Read32(uintptr(e)), vec)
	}
	if m.table.Read32(uintptr(e+msixEntryCtrl))&msixVectorMask != 0 {
		t.Fatal("entry 2 left masked")
	}
	if m.cfg.Read16(testAddr, 0x50+msixControl)&msixEnable == 0 {
		t.Fatal("MSI-X not enabled")
	}
	m.fires[vec]()
	if n, _ := q.Take(); n != 1 {
		t.Fatalf("IRQ saw %d interrupts, want 1", n)
	}
	d.Release()
	if m.fires[vec] != nil {
		t.Fatal("vector still routed after release")
	}
	if m.table.Read32(uintptr(e+msixEntryCtrl))&msixVectorMask == 0 || m.cfg.Read16(testAddr, 0x50+msixControl)&msixEnable != 0 {
		t.Fatal("MSI-X left on after release")
	}
	if _, detached := q.Take(); !detached {
		t.Fatal("IRQ not detached from the released device")
	}
}

// A function without MSI or MSI-X gets its INTx line: level-triggered,
// unmasked again only when the driver takes the interrupt, disabled and
// freed with the device, and not shared with a second function.
func TestINTxIsTheFallbackAndIsNotShared(t *testing.T) {
	cfg := &fakeConfig{mem: map[pci.Addr]*[256]byte{}}
	second := pci.Addr{Device: 5}
	noLine := pci.Addr{Device: 6}
	cfg.Write16(testAddr, regCommand, cmdINTxDisable)
	fns := []pci.Function{
		{Addr: testAddr, IRQPin: 1, IRQLine: 11},
		{Addr: second, IRQPin: 2, IRQLine: 11},
		{Addr: noLine, IRQPin: 1, IRQLine: 0xff},
	}
	m := &fakeMachine{cfg: cfg, fires: map[uint8]func(){}, dmaOut: map[uint64]int{}}
	b := NewBroker(m, cfg, fns)
	d, _ := b.Bind(testAddr, "drv")
	if _, err := d.IRQ(1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("INTx index 1: %v", err)
	}
	q, err := d.IRQ(0)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Read16(testAddr, regCommand)&cmdINTxDisable != 0 {
		t.Fatal("INTx left disabled in the command register")
	}
	l := m.lines[11]
	l.interrupt()
	l.interrupt() // masked: the device still asserts the line
	if n, _ := q.Take(); n != 1 || l.masked || l.unmasks != 1 {
		t.Fatalf("Take = %d, masked %v after %d unmasks; want 1 interrupt and the line unmasked once", n, l.masked, l.unmasks)
	}
	if n, _ := q.Take(); n != 0 || l.unmasks != 1 {
		t.Fatalf("an empty Take took %d and unmasked (%d unmasks)", n, l.unmasks)
	}

	d2, _ := b.Bind(second, "other")
	if _, err := d2.IRQ(0); !errors.Is(err, ErrBusy) || !errors.Is(err, abi.EBUSY) {
		t.Fatalf("a second function on IRQ 11: %v, want EBUSY", err)
	}
	d3, _ := b.Bind(noLine, "third")
	if _, err := d3.IRQ(0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("INTx that firmware routed nowhere: %v", err)
	}

	l.interrupt()
	d.Release()
	if !l.freed || cfg.Read16(testAddr, regCommand)&cmdINTxDisable == 0 {
		t.Fatalf("after release: line freed %v, command %#x; want freed and INTx disabled", l.freed, cfg.Read16(testAddr, regCommand))
	}
	if _, detached := q.Take(); !detached || l.unmasks != 1 {
		t.Fatalf("Take after release: detached %v, %d unmasks; want detached and no unmask", detached, l.unmasks)
	}
	if _, err := d2.IRQ(0); err != nil {
		t.Fatalf("IRQ 11 once the first function let it go: %v", err)
	}
}

func TestIOPortsAreTheIOBARsOnly(t *testing.T) {
	b, _ := testBroker(t)
	d, _ := b.Bind(testAddr, "drv")
	p, err := d.IOPorts(0)
	if err != nil {
		t.Fatal(err)
	}
	if first, n := p.Range(); first != 0xc000 || n != 0x40 {
		t.Fatalf("range %#x+%#x", first, n)
	}
	if _, err := d.IOPorts(1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("memory BAR as ports: %v", err)
	}
}

func TestReleaseResetsBeforeItStopsBusMastering(t *testing.T) {
	b, m := testBroker(t)
	var order []string
	b.SetReset(func(f pci.Function) error {
		if m.cfg.Read16(f.Addr, regCommand)&cmdBusMaster == 0 {
			order = append(order, "reset after bus master off")
		}
		order = append(order, "reset "+f.Addr.String())
		return nil
	})
	d, _ := b.Bind(testAddr, "drv")
	d.ConfigWrite(regCommand, 2, cmdBusMaster|cmdMemory)
	d.AllocDMA(pageSize, &fakeMapper{maps: map[uint64]string{}}, nil)
	d.Release()
	if strings.Join(order, ",") != "reset 00:03.0" {
		t.Fatalf("release: %q, want one reset while the device could still finish its work", order)
	}
}

// fakeIOMMU records what the broker asks of it in the machine's log, so
// that its calls are ordered with the frames' allocation and freeing.
type fakeIOMMU struct {
	m      *fakeMachine
	mapped map[uint64]int
	// failMap makes the next Map fail.
	failMap bool
}

func (u *fakeIOMMU) Attach(a pci.Addr) error {
	u.m.log = append(u.m.log, fmt.Sprintf("attach %v", a))
	return nil
}
func (u *fakeIOMMU) Map(a pci.Addr, phys uint64, pages int) error {
	if u.failMap {
		u.failMap = false
		return errors.New("no table memory")
	}
	u.mapped[phys] = pages
	u.m.log = append(u.m.log, fmt.Sprintf("map %v %#x+%d", a, phys, pages))
	return nil
}
func (u *fakeIOMMU) Unmap(a pci.Addr, phys uint64, pages int) error {
	delete(u.mapped, phys)
	u.m.log = append(u.m.log, fmt.Sprintf("unmap %v %#x", a, phys))
	return nil
}
func (u *fakeIOMMU) Detach(a pci.Addr) error {
	// Bus mastering must be off already: the device no longer starts
	// transfers that would fault.
	if u.m.cfg.Read16(a, regCommand)&cmdBusMaster != 0 {
		u.m.log = append(u.m.log, "detach with bus master on")
	}
	clear(u.mapped)
	u.m.log = append(u.m.log, fmt.Sprintf("detach %v", a))
	return nil
}

func TestWithAnIOMMUADeviceReachesOnlyItsDMAMemoryUntilItIsFreed(t *testing.T) {
	b, m := testBroker(t)
	u := &fakeIOMMU{m: m, mapped: map[uint64]int{}}
	b.SetIOMMU(u)
	d, err := b.Bind(testAddr, "drv")
	if err != nil {
		t.Fatal(err)
	}
	mp := &fakeMapper{maps: map[uint64]string{}}
	u.failMap = true
	if _, _, err := d.AllocDMA(pageSize, mp, nil); err == nil {
		t.Fatal("DMA that the IOMMU could not map was handed out")
	}
	if err := d.ConfigWrite(regCommand, 2, cmdBusMaster|cmdMemory); err != nil {
		t.Fatal(err)
	}
	_, phys, err := d.AllocDMA(2*pageSize, mp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.mapped[phys] != 2 {
		t.Fatalf("DMA at %#x returned before it was mapped for the device: %v", phys, u.mapped)
	}
	d.Release()
	want := []string{
		"attach 00:03.0",
		"alloc 0x100000", "free 0x100000",
		"alloc 0x200000", "map 00:03.0 0x200000+2",
		"detach 00:03.0", "free 0x200000",
	}
	if strings.Join(m.log, "; ") != strings.Join(want, "; ") {
		t.Errorf("log:\n%s\nwant\n%s", strings.Join(m.log, "\n"), strings.Join(want, "\n"))
	}
	// Bound again, the function starts with nothing mapped.
	if _, err := b.Bind(testAddr, "again"); err != nil || len(u.mapped) != 0 {
		t.Fatalf("rebind: %v, mapped %v", err, u.mapped)
	}
}
