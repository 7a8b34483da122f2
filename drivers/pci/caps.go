package pci

import "fmt"

// Capability is an entry of a function's capability list (PCI Local Bus
// Specification 3.0, 6.7): its ID and where it starts.
type Capability struct {
	ID     uint8
	Offset uint8
}

// Capability IDs (PCI Code and ID Assignment Specification).
const (
	CapPM     = 0x01 // power management
	CapMSI    = 0x05
	CapVendor = 0x09 // vendor specific (virtio's structures)
	CapPCIe   = 0x10
	CapMSIX   = 0x11
)

// MSI is what a function's MSI capability (6.8.1) offers.
type MSI struct {
	Offset        uint8
	Vectors       int  // how many it can send: 1, 2, 4, ... 32
	Addr64        bool // takes a 64-bit message address
	PerVectorMask bool // has mask and pending bits per vector
	Enabled       bool
}

// MSIX is what a function's MSI-X capability (6.8.2) offers: how many
// vectors, and where in its memory BARs the vector table and the pending
// bit array lie.
type MSIX struct {
	Offset      uint8
	TableSize   int // vectors, 1 to 2048
	TableBIR    uint8
	TableOffset uint32
	PBABIR      uint8
	PBAOffset   uint32
	Enabled     bool
}

// String describes the capability as lspci -v shows it.
func (m MSI) String() string {
	s := fmt.Sprintf("MSI: %d vector", m.Vectors)
	if m.Vectors != 1 {
		s += "s"
	}
	if m.Addr64 {
		s += ", 64-bit"
	}
	if m.PerVectorMask {
		s += ", per-vector mask"
	}
	if m.Enabled {
		s += ", enabled"
	}
	return s
}

// String describes the capability as lspci -v shows it.
func (m MSIX) String() string {
	s := fmt.Sprintf("MSI-X: %d vector", m.TableSize)
	if m.TableSize != 1 {
		s += "s"
	}
	s += fmt.Sprintf(", table BAR%d+%#x, PBA BAR%d+%#x", m.TableBIR, m.TableOffset, m.PBABIR, m.PBAOffset)
	if m.Enabled {
		s += ", enabled"
	}
	return s
}

// walkCaps follows the capability list from the pointer at ptrReg. A
// pointer is masked to a dword boundary, as the specification tells
// software to; one into the predefined header, or to an entry already
// visited, ends the walk with an error and the entries read so far. The
// pointers are bytes, so every entry lies within the first 256 bytes, and
// the visited set bounds the walk to 48 entries.
func walkCaps(cfg Config, a Addr, ptrReg uint16) ([]Capability, error) {
	if cfg.Read16(a, regStatus)&statusCapList == 0 {
		return nil, nil
	}
	var caps []Capability
	var seen [legacySize / 4]bool
	for p := cfg.Read8(a, ptrReg) &^ 3; p != 0; {
		if p < headerEnd {
			return caps, fmt.Errorf("%v: capability pointer %#x into the header: %w", a, p, ErrMalformed)
		}
		if seen[p/4] {
			return caps, fmt.Errorf("%v: capability list loops at %#x: %w", a, p, ErrMalformed)
		}
		seen[p/4] = true
		caps = append(caps, Capability{ID: cfg.Read8(a, uint16(p)), Offset: p})
		p = cfg.Read8(a, uint16(p)+1) &^ 3
	}
	return caps, nil
}

// MSI capability layout (6.8.1): the message control register at +2 has
// enable in bit 0, multiple message capable in bits 1-3, 64-bit address
// capable in bit 7 and per-vector masking capable in bit 8. The structure
// is 10 bytes, 14 with a 64-bit address, 10 more with masking.
const (
	msiControl      = 2
	msiEnable       = 1 << 0
	msiMMCShift     = 1
	msiMMCMask      = 7
	msiAddr64       = 1 << 7
	msiPerVectorMsk = 1 << 8
)

// decodeMSI reads the MSI capability at p.
func decodeMSI(cfg Config, a Addr, p uint8) (*MSI, error) {
	ctl := cfg.Read16(a, uint16(p)+msiControl)
	m := &MSI{
		Offset:        p,
		Addr64:        ctl&msiAddr64 != 0,
		PerVectorMask: ctl&msiPerVectorMsk != 0,
		Enabled:       ctl&msiEnable != 0,
	}
	n := 10
	if m.Addr64 {
		n += 4
	}
	if m.PerVectorMask {
		n += 10
	}
	if int(p)+n > legacySize {
		return nil, fmt.Errorf("%v: MSI capability at %#x runs past configuration space: %w", a, p, ErrMalformed)
	}
	mmc := ctl >> msiMMCShift & msiMMCMask
	if mmc > 5 {
		return nil, fmt.Errorf("%v: MSI capability at %#x asks for the reserved vector count %d: %w", a, p, mmc, ErrMalformed)
	}
	m.Vectors = 1 << mmc
	return m, nil
}

// MSI-X capability layout (6.8.2): message control at +2 (table size - 1
// in bits 0-10, enable in bit 15), then the table's and the PBA's offset
// and BAR indicator registers at +4 and +8, the BIR in bits 0-2 and the
// offset in the rest. The structure is 12 bytes.
const (
	msixControl   = 2
	msixTable     = 4
	msixPBA       = 8
	msixLen       = 12
	msixSizeMask  = 0x7ff
	msixEnable    = 1 << 15
	msixBIRMask   = 7
	msixTableSlot = 16 // bytes per vector table entry
)

// decodeMSIX reads the MSI-X capability at p.
func decodeMSIX(cfg Config, a Addr, p uint8) (*MSIX, error) {
	if int(p)+msixLen > legacySize {
		return nil, fmt.Errorf("%v: MSI-X capability at %#x runs past configuration space: %w", a, p, ErrMalformed)
	}
	ctl := cfg.Read16(a, uint16(p)+msixControl)
	table := cfg.Read32(a, uint16(p)+msixTable)
	pba := cfg.Read32(a, uint16(p)+msixPBA)
	m := &MSIX{
		Offset:      p,
		TableSize:   int(ctl&msixSizeMask) + 1,
		TableBIR:    uint8(table & msixBIRMask),
		TableOffset: table &^ msixBIRMask,
		PBABIR:      uint8(pba & msixBIRMask),
		PBAOffset:   pba &^ msixBIRMask,
		Enabled:     ctl&msixEnable != 0,
	}
	if m.TableBIR > 5 || m.PBABIR > 5 {
		return nil, fmt.Errorf("%v: MSI-X capability at %#x names the reserved BAR indicators %d, %d: %w", a, p, m.TableBIR, m.PBABIR, ErrMalformed)
	}
	return m, nil
}

// checkMSIX reports an MSI-X table or PBA that does not lie inside the
// memory BAR its indicator names.
func checkMSIX(a Addr, m *MSIX, bars []BAR) error {
	inside := func(bir uint8, off, n uint64) bool {
		for _, b := range bars {
			if b.Index == int(bir) && !b.IO {
				return off <= b.Size && n <= b.Size-off
			}
		}
		return false
	}
	if !inside(m.TableBIR, uint64(m.TableOffset), uint64(m.TableSize)*msixTableSlot) {
		return fmt.Errorf("%v: MSI-X table of %d vectors at BAR%d+%#x is outside the BAR: %w", a, m.TableSize, m.TableBIR, m.TableOffset, ErrMalformed)
	}
	// One pending bit per vector, in whole qwords.
	if !inside(m.PBABIR, uint64(m.PBAOffset), uint64(m.TableSize+63)/64*8) {
		return fmt.Errorf("%v: MSI-X PBA at BAR%d+%#x is outside the BAR: %w", a, m.PBABIR, m.PBAOffset, ErrMalformed)
	}
	return nil
}
