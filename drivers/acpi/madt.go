package acpi

import (
	"encoding/binary"
	"fmt"
)

// MADT is what the Multiple APIC Description Table (5.2.12) says about
// interrupt controllers.
type MADT struct {
	LocalAPIC uint32 // physical address of each CPU's local APIC
	CPUs      []CPU
	IOAPICs   []IOAPIC
	Overrides []Override
}

// CPU is a processor's local APIC entry (5.2.12.2).
type CPU struct {
	ProcessorID, APICID uint8
	Enabled             bool
}

// IOAPIC is an I/O APIC entry (5.2.12.3).
type IOAPIC struct {
	ID      uint8
	Addr    uint32
	GSIBase uint32
}

// Override maps an ISA interrupt to a global system interrupt (5.2.12.5).
type Override struct {
	Source uint8
	GSI    uint32
	Flags  uint16 // MPS INTI flags: polarity bits 0-1, trigger mode bits 2-3
}

// ActiveLow reports whether the override makes the line active low.
func (o Override) ActiveLow() bool { return o.Flags&3 == 3 }

// Level reports whether the override makes the line level-triggered.
func (o Override) Level() bool { return o.Flags>>2&3 == 3 }

// MADT entry types.
const (
	madtLocalAPIC = 0
	madtIOAPIC    = 1
	madtOverride  = 2
)

// MADT parses the "APIC" table.
func (t *Tables) MADT() (*MADT, error) {
	b, err := t.Find("APIC")
	if err != nil {
		return nil, err
	}
	if len(b) < headerLen+8 {
		return nil, fmt.Errorf("APIC: short table: %w", ErrCorrupt)
	}
	m := &MADT{LocalAPIC: binary.LittleEndian.Uint32(b[headerLen:])}
	for p := b[headerLen+8:]; len(p) >= 2; {
		typ, n := p[0], int(p[1])
		if n < 2 || n > len(p) {
			return nil, fmt.Errorf("APIC: entry of length %d: %w", n, ErrCorrupt)
		}
		e := p[:n]
		switch {
		case typ == madtLocalAPIC && n >= 8:
			m.CPUs = append(m.CPUs, CPU{ProcessorID: e[2], APICID: e[3], Enabled: e[4]&1 != 0})
		case typ == madtIOAPIC && n >= 12:
			m.IOAPICs = append(m.IOAPICs, IOAPIC{ID: e[2], Addr: binary.LittleEndian.Uint32(e[4:]), GSIBase: binary.LittleEndian.Uint32(e[8:])})
		case typ == madtOverride && n >= 10:
			m.Overrides = append(m.Overrides, Override{Source: e[3], GSI: binary.LittleEndian.Uint32(e[4:]), Flags: binary.LittleEndian.Uint16(e[8:])})
		}
		p = p[n:]
	}
	return m, nil
}

// ISA returns the global system interrupt of ISA interrupt irq, with its
// override if the firmware declared one. ISA lines without an override are
// identity-mapped, edge-triggered and active high.
func (m *MADT) ISA(irq uint8) Override {
	for _, o := range m.Overrides {
		if o.Source == irq {
			return o
		}
	}
	return Override{Source: irq, GSI: uint32(irq)}
}
