package acpi

import (
	"encoding/binary"
	"fmt"
)

// ECAMRegion is one entry of the MCFG table: where the PCI Express
// enhanced configuration access mechanism (ECAM) of a segment group
// answers for a range of buses. Section numbers here are the PCI Firmware
// Specification 3.0's (4.1.2).
type ECAMRegion struct {
	// Base is the physical address of the configuration space of bus 0
	// of the segment group, even when StartBus is above 0: bus b,
	// device d, function f starts at Base + b<<20 + d<<15 + f<<12.
	Base     uint64
	Segment  uint16 // PCI segment group number
	StartBus uint8  // first bus decoded
	EndBus   uint8  // last bus decoded
}

// MCFG layout (table 4-2 and 4-3): eight reserved bytes after the header,
// then 16-byte allocation structures.
const (
	mcfgEntries  = headerLen + 8
	mcfgEntryLen = 16
)

// MCFG parses the "MCFG" table: the ECAM regions of the machine, in the
// table's order.
func (t *Tables) MCFG() ([]ECAMRegion, error) {
	b, err := t.Find("MCFG")
	if err != nil {
		return nil, err
	}
	if len(b) < mcfgEntries || (len(b)-mcfgEntries)%mcfgEntryLen != 0 {
		return nil, fmt.Errorf("MCFG: length %d is not the header and whole entries: %w", len(b), ErrCorrupt)
	}
	var rs []ECAMRegion
	for p := b[mcfgEntries:]; len(p) >= mcfgEntryLen; p = p[mcfgEntryLen:] {
		r := ECAMRegion{
			Base:     binary.LittleEndian.Uint64(p[0:]),
			Segment:  binary.LittleEndian.Uint16(p[8:]),
			StartBus: p[10],
			EndBus:   p[11],
		}
		if r.EndBus < r.StartBus {
			return nil, fmt.Errorf("MCFG: buses %d to %d: %w", r.StartBus, r.EndBus, ErrCorrupt)
		}
		// The region ends at Base + (EndBus+1)<<20, at most 256 MiB
		// above Base; like every table address it must lie in the 52
		// bits of physical addresses, and be 1 MiB aligned as the
		// bus field of the address requires.
		if r.Base >= maxPhys-(256<<20) || r.Base&(1<<20-1) != 0 {
			return nil, fmt.Errorf("MCFG: base address %#x: %w", r.Base, ErrCorrupt)
		}
		rs = append(rs, r)
	}
	return rs, nil
}
