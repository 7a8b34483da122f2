package x86

import "fmt"

// IOAPIC programs an I/O APIC (82093AA data sheet, 3.2): interrupts from
// devices are routed by global system interrupt (GSI) number to a vector on
// a CPU.
type IOAPIC struct {
	mmio    Registers
	gsiBase uint32
	lines   uint32
}

// Registers is 32-bit memory-mapped register access, by byte offset.
type Registers interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// I/O APIC registers: an index register and a data window; indirect
// registers behind them.
const (
	ioregsel    = 0x00
	iowin       = 0x10
	ioapicVer   = 0x01
	ioredtbl    = 0x10
	redirMasked = 1 << 16
	redirLevel  = 1 << 15
	redirLow    = 1 << 13
)

// NewIOAPIC returns the I/O APIC whose registers are mmio and whose first
// line is GSI gsiBase, with every line masked.
func NewIOAPIC(mmio Registers, gsiBase uint32) *IOAPIC {
	a := &IOAPIC{mmio: mmio, gsiBase: gsiBase}
	a.lines = (a.read(ioapicVer)>>16)&0xff + 1
	for i := uint32(0); i < a.lines; i++ {
		a.write(ioredtbl+2*i, redirMasked)
		a.write(ioredtbl+2*i+1, 0)
	}
	return a
}

func (a *IOAPIC) read(reg uint32) uint32 {
	a.mmio.Write32(ioregsel, reg)
	return a.mmio.Read32(iowin)
}

func (a *IOAPIC) write(reg, v uint32) {
	a.mmio.Write32(ioregsel, reg)
	a.mmio.Write32(iowin, v)
}

// Lines reports how many interrupt inputs the I/O APIC has.
func (a *IOAPIC) Lines() int { return int(a.lines) }

// Route delivers GSI gsi as vector to the CPU whose local APIC ID is cpu.
func (a *IOAPIC) Route(gsi uint32, vector uint8, cpu uint8, activeLow, level bool) error {
	if gsi < a.gsiBase || gsi >= a.gsiBase+a.lines {
		return fmt.Errorf("ioapic: GSI %d is not on this I/O APIC (%d-%d)", gsi, a.gsiBase, a.gsiBase+a.lines-1)
	}
	if vector < FirstDeviceVector {
		return fmt.Errorf("ioapic: vector %d is reserved", vector)
	}
	low := uint32(vector) // fixed delivery, physical destination
	if activeLow {
		low |= redirLow
	}
	if level {
		low |= redirLevel
	}
	i := gsi - a.gsiBase
	a.write(ioredtbl+2*i+1, uint32(cpu)<<24)
	a.write(ioredtbl+2*i, low)
	return nil
}

// Mask stops GSI gsi from interrupting.
func (a *IOAPIC) Mask(gsi uint32) {
	if gsi >= a.gsiBase && gsi < a.gsiBase+a.lines {
		i := gsi - a.gsiBase
		a.write(ioredtbl+2*i, a.read(ioredtbl+2*i)|redirMasked)
	}
}

// Vectors (the runtime's assignment, rt/src/runtime/cpu_clk_amd64.go).
const (
	// TimerVector is the local APIC timer, which the runtime arms for
	// the earliest sleeping deadline.
	TimerVector = 32
	// FirstDeviceVector is the first vector free for device interrupts;
	// the runtime uses those below (exceptions, its timer).
	FirstDeviceVector = 48
	// LastDeviceVector is the last one: from 0xd0 up the runtime sends
	// itself IPIs (waking a halted CPU, TLB shootdown).
	LastDeviceVector = 0xcf
)
