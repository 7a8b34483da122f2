package acpi

import (
	"encoding/binary"
	"fmt"
)

// DMAR is the DMA Remapping Reporting table: the machine's VT-d remapping
// units. Section numbers here are the Intel Virtualization Technology for
// Directed I/O specification's (chapter 8).
type DMAR struct {
	// HostAddressWidth is the number of physical address bits DMA can
	// reach (the table's field plus one, 8.1).
	HostAddressWidth int
	// Flags is the table's flags byte: DMARIntrRemap and others.
	Flags uint8
	// Units are the DRHD structures, in the table's order. Other
	// remapping structures (reserved memory regions, ATS, affinity) are
	// skipped.
	Units []RemappingUnit
}

// DMAR flags (8.1).
const (
	// DMARIntrRemap says the platform supports interrupt remapping.
	DMARIntrRemap = 1 << 0
	// DMARX2APICOptOut asks system software not to enable x2APIC mode.
	DMARX2APICOptOut = 1 << 1
)

// RemappingUnit is one DMA Remapping Hardware Unit Definition (DRHD,
// 8.3): a unit's registers and the devices it translates for.
type RemappingUnit struct {
	// Base is the physical address of the unit's register set.
	Base uint64
	// Segment is the PCI segment group of its devices.
	Segment uint16
	// IncludeAll says the unit translates for every device of the
	// segment that no other unit's scope lists (INCLUDE_PCI_ALL).
	IncludeAll bool
	// Scopes are the devices the unit's scope names.
	Scopes []DeviceScope
}

// DeviceScope is one device scope entry (8.3.1): a device, or a bridge and
// everything below it, named by a start bus and a path of (device,
// function) hops through bridges.
type DeviceScope struct {
	Type uint8 // ScopeEndpoint, ScopeBridge, ScopeIOAPIC, ...
	// EnumerationID is the I/O APIC's ID for ScopeIOAPIC, the HPET's
	// number for ScopeHPET.
	EnumerationID uint8
	StartBus      uint8
	Path          []PathHop
}

// PathHop is one step of a device scope's path.
type PathHop struct{ Device, Function uint8 }

// Device scope types (8.3.1, table 8-4).
const (
	ScopeEndpoint  = 1 // PCI endpoint device
	ScopeBridge    = 2 // PCI sub-hierarchy
	ScopeIOAPIC    = 3
	ScopeHPET      = 4
	ScopeNamespace = 5 // ACPI namespace device
)

// DMAR layout: after the header, the host address width (8.1), flags and
// ten reserved bytes, then remapping structures, each a 16-bit type and a
// 16-bit length. A DRHD (type 0) has flags at 4, its register set size
// at 5, its segment at 6, its base at 8 and its device scopes from 16; a
// device scope has its type at 0, its length at 1, its enumeration ID at
// 4, its start bus at 5 and its path from 6.
const (
	dmarStructs      = headerLen + 12
	dmarTypeDRHD     = 0
	drhdScopes       = 16
	drhdIncludeAll   = 1 << 0
	scopeHeaderLen   = 6
	structHeaderLen  = 4
	dmarMaxAddrWidth = 52
)

// DMAR parses the "DMAR" table.
func (t *Tables) DMAR() (*DMAR, error) {
	b, err := t.Find("DMAR")
	if err != nil {
		return nil, err
	}
	if len(b) < dmarStructs {
		return nil, fmt.Errorf("DMAR: length %d: %w", len(b), ErrCorrupt)
	}
	d := &DMAR{HostAddressWidth: int(b[headerLen]) + 1, Flags: b[headerLen+1]}
	if d.HostAddressWidth > dmarMaxAddrWidth {
		return nil, fmt.Errorf("DMAR: host address width %d: %w", d.HostAddressWidth, ErrCorrupt)
	}
	for p := b[dmarStructs:]; len(p) > 0; {
		if len(p) < structHeaderLen {
			return nil, fmt.Errorf("DMAR: %d bytes after the last structure: %w", len(p), ErrCorrupt)
		}
		typ, n := binary.LittleEndian.Uint16(p), int(binary.LittleEndian.Uint16(p[2:]))
		if n < structHeaderLen || n > len(p) {
			return nil, fmt.Errorf("DMAR: structure of type %d with length %d: %w", typ, n, ErrCorrupt)
		}
		if typ == dmarTypeDRHD {
			u, err := parseDRHD(p[:n])
			if err != nil {
				return nil, err
			}
			d.Units = append(d.Units, u)
		}
		p = p[n:]
	}
	return d, nil
}

// parseDRHD reads one DRHD structure, b whole.
func parseDRHD(b []byte) (RemappingUnit, error) {
	if len(b) < drhdScopes {
		return RemappingUnit{}, fmt.Errorf("DMAR: DRHD of %d bytes: %w", len(b), ErrCorrupt)
	}
	u := RemappingUnit{
		IncludeAll: b[4]&drhdIncludeAll != 0,
		Segment:    binary.LittleEndian.Uint16(b[6:]),
		Base:       binary.LittleEndian.Uint64(b[8:]),
	}
	// The register set is at least a page, page aligned (10.4).
	if u.Base >= maxPhys || u.Base%4096 != 0 {
		return RemappingUnit{}, fmt.Errorf("DMAR: DRHD register base %#x: %w", u.Base, ErrCorrupt)
	}
	for p := b[drhdScopes:]; len(p) > 0; {
		if len(p) < scopeHeaderLen {
			return RemappingUnit{}, fmt.Errorf("DMAR: %d bytes after the last device scope: %w", len(p), ErrCorrupt)
		}
		n := int(p[1])
		if n < scopeHeaderLen || n > len(p) || (n-scopeHeaderLen)%2 != 0 {
			return RemappingUnit{}, fmt.Errorf("DMAR: device scope of length %d: %w", n, ErrCorrupt)
		}
		s := DeviceScope{Type: p[0], EnumerationID: p[4], StartBus: p[5]}
		for q := p[scopeHeaderLen:n]; len(q) >= 2; q = q[2:] {
			s.Path = append(s.Path, PathHop{Device: q[0], Function: q[1]})
		}
		u.Scopes = append(u.Scopes, s)
		p = p[n:]
	}
	return u, nil
}
