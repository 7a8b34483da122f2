package vtd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"clk/drivers/pci"
)

// Memory gives the unit's tables their page frames, which the unit reads
// by physical address.
type Memory interface {
	// AllocPage returns a zeroed 4 KiB frame: its physical address and
	// its bytes.
	AllocPage() (phys uint64, b []byte, err error)
	// FreePage gives back a frame AllocPage returned.
	FreePage(phys uint64)
}

// pageSize is the size of a table and of a page mapped (3.6).
const pageSize = 4096

var (
	// ErrUnsupported: the unit offers no page-table depth the package
	// builds (3 or 4 levels).
	ErrUnsupported = errors.New("vtd: unsupported remapping unit")
	// ErrAttached: the function already has a domain.
	ErrAttached = errors.New("vtd: function already has a domain")
	// ErrNotAttached: the function has no domain.
	ErrNotAttached = errors.New("vtd: function has no domain")
	// ErrNoDomain: every domain ID the unit has is in use.
	ErrNoDomain = errors.New("vtd: no domain ID left")
	// ErrRange: an address range that is not page aligned, is empty, or
	// lies beyond what the page tables translate.
	ErrRange = errors.New("vtd: address range out of bounds")
	// ErrMapped: a page of the range is already mapped.
	ErrMapped = errors.New("vtd: page already mapped")
)

// page is one frame of the unit's tables.
type page struct {
	phys uint64
	b    []byte
}

func (p *page) entry(i int) uint64 { return binary.LittleEndian.Uint64(p.b[8*i:]) }

func (p *page) setEntry(i int, v uint64) { binary.LittleEndian.PutUint64(p.b[8*i:], v) }

// Unit is one remapping unit and its tables.
type Unit struct {
	regs   Registers
	mem    Memory
	cap    uint64
	ecap   uint64
	levels int     // page-table levels: 3 or 4
	iotlb  uintptr // offset of the IOTLB invalidate register
	frcd   uintptr // offset of the first fault recording register
	nfr    int     // number of fault recording registers
	maxDID int     // domain IDs are 1 to maxDID

	mu       sync.Mutex
	root     *page
	contexts [256]*page // per bus, nil until a function there is attached
	domains  map[pci.Addr]*domain
	dids     map[uint16]bool
	enabled  bool
}

// domain is one function's address space.
type domain struct {
	id     uint16
	top    *page
	tables map[uint64]*page // every table of the domain, by physical address
}

// New reads the capabilities of the unit whose registers are regs and
// allocates its root table from mem. Translation stays off until Enable.
func New(regs Registers, mem Memory) (*Unit, error) {
	u := &Unit{
		regs:    regs,
		mem:     mem,
		cap:     read64(regs, regCAP),
		ecap:    read64(regs, regECAP),
		domains: make(map[pci.Addr]*domain),
		dids:    make(map[uint16]bool),
	}
	switch sagaw := u.cap >> capSAGAWShift & 0x1f; {
	case sagaw&capSAGAW48 != 0:
		u.levels = 4
	case sagaw&capSAGAW39 != 0:
		u.levels = 3
	default:
		return nil, fmt.Errorf("%w: SAGAW %#x offers neither 3- nor 4-level tables", ErrUnsupported, sagaw)
	}
	u.iotlb = uintptr(u.ecap>>ecapIROShift&0x3ff)*16 + 8
	u.frcd = uintptr(u.cap>>capFROShift&0x3ff) * 16
	u.nfr = int(u.cap>>capNFRShift&0xff) + 1
	// CAP.ND: 2^(4+2*ND) domain IDs (10.4.2); 0 is left out, as caching
	// mode reserves it.
	u.maxDID = 1<<(4+2*(u.cap&7)) - 1
	root, err := u.alloc()
	if err != nil {
		return nil, err
	}
	u.root = root
	return u, nil
}

// Levels returns the depth of the page tables: 3 (39-bit addresses) or
// 4 (48-bit).
func (u *Unit) Levels() int { return u.levels }

// addressBits is how many bits of a DMA address the tables translate.
func (u *Unit) addressBits() uint { return 12 + 9*uint(u.levels) }

func (u *Unit) alloc() (*page, error) {
	phys, b, err := u.mem.AllocPage()
	if err != nil {
		return nil, fmt.Errorf("vtd: table page: %w", err)
	}
	return &page{phys: phys, b: b[:pageSize]}, nil
}

// Enable points the unit at the root table, invalidates its caches and
// turns translation on: from then on a function without a domain reaches
// nothing (10.4.4: each command is acknowledged in the status register).
func (u *Unit) Enable() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.flushWrites(); err != nil {
		return err
	}
	write64(u.regs, regRTADDR, u.root.phys)
	if err := u.command(gcmdSRTP, true); err != nil {
		return fmt.Errorf("vtd: set root table pointer: %w", err)
	}
	if err := u.invalidateContext(ccmdGlobal); err != nil {
		return err
	}
	if err := u.invalidateIOTLB(iotlbGlobal); err != nil {
		return err
	}
	if err := u.command(gcmdTE, true); err != nil {
		return fmt.Errorf("vtd: enable translation: %w", err)
	}
	u.enabled = true
	return nil
}

// command writes GCMD with the persistent commands now in force and bit,
// and waits until GSTS shows bit as set (or, for a one-shot command such
// as the write buffer flush, cleared again).
func (u *Unit) command(bit uint32, set bool) error {
	status := u.regs.Read32(regGSTS) & gcmdKeep
	u.regs.Write32(regGCMD, status|bit)
	return wait(u.regs, regGSTS, func(v uint64) bool { return (v&uint64(bit) != 0) == set }, false)
}

// flushWrites drains the unit's write buffers where it asks for it
// (CAP.RWBF, 6.8), so that it sees the tables as the CPU wrote them.
func (u *Unit) flushWrites() error {
	if u.cap&capRWBF == 0 {
		return nil
	}
	status := u.regs.Read32(regGSTS) & gcmdKeep
	u.regs.Write32(regGCMD, status|gcmdWBF)
	if err := wait(u.regs, regGSTS, func(v uint64) bool { return v&gcmdWBF == 0 }, false); err != nil {
		return fmt.Errorf("vtd: flush write buffer: %w", err)
	}
	return nil
}

// invalidateContext invalidates the context cache (10.4.7): v is the
// command, its granularity with the domain and source ID it names.
func (u *Unit) invalidateContext(v uint64) error {
	write64(u.regs, regCCMD, v|ccmdICC)
	if err := wait(u.regs, regCCMD, func(v uint64) bool { return v&ccmdICC == 0 }, true); err != nil {
		return fmt.Errorf("vtd: context-cache invalidation: %w", err)
	}
	return nil
}

// invalidateIOTLB invalidates the IOTLB (10.4.8.1) at granularity v
// (global, or a domain with its ID in bits 47:32), draining the reads and
// writes the unit has in flight.
func (u *Unit) invalidateIOTLB(v uint64) error {
	write64(u.regs, u.iotlb, v|iotlbIVT|iotlbDrainR|iotlbDrainW)
	if err := wait(u.regs, u.iotlb, func(v uint64) bool { return v&iotlbIVT == 0 }, true); err != nil {
		return fmt.Errorf("vtd: IOTLB invalidation: %w", err)
	}
	return nil
}

// sourceID is a function's requester ID: bus, device, function.
func sourceID(a pci.Addr) uint16 {
	return uint16(a.Bus)<<8 | uint16(a.Device)<<3 | uint16(a.Function)
}

// Root and context entries (9.1, 9.3): 128 bits each, present in bit 0 of
// the low half, the table's address in bits 63:12; a context entry's high
// half holds the address width (AW: levels less 2) in bits 2:0 and the
// domain ID in bits 23:8. Translation type 00 (bits 3:2) translates
// untranslated requests through the second-level tables.
const (
	entryPresent = 1 << 0
	entryAddr    = 0x000f_ffff_ffff_f000
)

// Attach gives the function at a a domain of its own with no page
// mapped: its DMA reaches nothing until Map.
func (u *Unit) Attach(a pci.Addr) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.domains[a] != nil {
		return fmt.Errorf("attach %v: %w", a, ErrAttached)
	}
	var id uint16
	for i := 1; i <= u.maxDID; i++ {
		if !u.dids[uint16(i)] {
			id = uint16(i)
			break
		}
	}
	if id == 0 {
		return fmt.Errorf("attach %v: %w", a, ErrNoDomain)
	}
	ctx := u.contexts[a.Bus]
	if ctx == nil {
		p, err := u.alloc()
		if err != nil {
			return fmt.Errorf("attach %v: %w", a, err)
		}
		u.contexts[a.Bus] = p
		ctx = p
		u.root.setEntry(2*int(a.Bus), p.phys|entryPresent)
	}
	top, err := u.alloc()
	if err != nil {
		return fmt.Errorf("attach %v: %w", a, err)
	}
	d := &domain{id: id, top: top, tables: map[uint64]*page{top.phys: top}}
	i := 2 * (int(a.Device)<<3 | int(a.Function))
	// The high half first: the entry becomes present with it whole.
	ctx.setEntry(i+1, uint64(u.levels-2)|uint64(id)<<8)
	ctx.setEntry(i, top.phys|entryPresent)
	u.domains[a], u.dids[id] = d, true
	if err := u.flushWrites(); err != nil {
		return fmt.Errorf("attach %v: %w", a, err)
	}
	// A unit in caching mode may hold the entry's not-present state.
	if err := u.invalidateContext(ccmdGlobal); err != nil {
		return fmt.Errorf("attach %v: %w", a, err)
	}
	if err := u.invalidateIOTLB(iotlbDomain | uint64(id)<<32); err != nil {
		return fmt.Errorf("attach %v: %w", a, err)
	}
	return nil
}

// Detach removes the function's domain: its context entry is cleared and
// the unit's caches of it invalidated, so that when Detach returns the
// function's DMA reaches nothing and every page that was mapped for it may
// be reused. The domain's tables are freed.
func (u *Unit) Detach(a pci.Addr) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	d := u.domains[a]
	if d == nil {
		return fmt.Errorf("detach %v: %w", a, ErrNotAttached)
	}
	ctx := u.contexts[a.Bus]
	i := 2 * (int(a.Device)<<3 | int(a.Function))
	ctx.setEntry(i, 0)
	ctx.setEntry(i+1, 0)
	delete(u.domains, a)
	err := u.flushWrites()
	if err == nil {
		// Device-selective (10.4.7): the domain ID in bits 15:0, the
		// source ID in 31:16, function mask 0.
		err = u.invalidateContext(ccmdDevice | uint64(sourceID(a))<<16 | uint64(d.id))
	}
	if err == nil {
		err = u.invalidateIOTLB(iotlbDomain | uint64(d.id)<<32)
	}
	if err != nil {
		// The unit may still translate through the tables: keep them
		// and the domain ID rather than hand them out again.
		return fmt.Errorf("detach %v: %w", a, err)
	}
	for phys := range d.tables {
		u.mem.FreePage(phys)
	}
	delete(u.dids, d.id)
	return nil
}
