package x86

import "fmt"

// IOAPIC programs an I/O APIC (82093AA data sheet, 3.2): interrupts from
// devices are routed by global system interrupt (GSI) number to a vector on
// a CPU.
type IOAPIC struct {
	regs    Indirect
	gsiBase uint32
	lines   uint32
}

// Registers is 32-bit memory-mapped register access, by byte offset.
type Registers interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// Indirect is access to an I/O APIC's indirect registers (3.1). Each call
// selects the register in IOREGSEL and goes through IOWIN as one step that
// no other access comes between.
type Indirect interface {
	Read(reg uint32) uint32
	Write(reg, v uint32)
	// Unmask clears the mask bit of the redirection entry whose low word
	// is reg, reading and writing it in one step.
	Unmask(reg uint32)
}

// Direct is Indirect over the memory-mapped registers of an I/O APIC that
// nothing else touches meanwhile. On clk the interrupt entry masks
// level-triggered lines itself: the kernel uses IOAPICAt there.
type Direct struct{ Regs Registers }

func (d Direct) Read(reg uint32) uint32 {
	d.Regs.Write32(ioregsel, reg)
	return d.Regs.Read32(iowin)
}

func (d Direct) Write(reg, v uint32) {
	d.Regs.Write32(ioregsel, reg)
	d.Regs.Write32(iowin, v)
}

func (d Direct) Unmask(reg uint32) { d.Write(reg, d.Read(reg)&^redirMasked) }

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

// NewIOAPIC returns the I/O APIC whose registers regs reaches and whose
// first line is GSI gsiBase, with every line masked.
func NewIOAPIC(regs Indirect, gsiBase uint32) *IOAPIC {
	a := &IOAPIC{regs: regs, gsiBase: gsiBase}
	a.lines = (regs.Read(ioapicVer)>>16)&0xff + 1
	for i := uint32(0); i < a.lines; i++ {
		regs.Write(ioredtbl+2*i, redirMasked)
		regs.Write(ioredtbl+2*i+1, 0)
	}
	return a
}

// Lines reports how many interrupt inputs the I/O APIC has.
func (a *IOAPIC) Lines() int { return int(a.lines) }

// Serves reports whether GSI gsi is one of the I/O APIC's lines.
func (a *IOAPIC) Serves(gsi uint32) bool { return gsi >= a.gsiBase && gsi-a.gsiBase < a.lines }

// entry returns the indirect register of gsi's redirection entry's low
// word; the high word follows it.
func (a *IOAPIC) entry(gsi uint32) uint32 { return ioredtbl + 2*(gsi-a.gsiBase) }

// Route delivers GSI gsi as vector to the CPU whose local APIC ID is cpu.
func (a *IOAPIC) Route(gsi uint32, vector uint8, cpu uint8, activeLow, level bool) error {
	if !a.Serves(gsi) {
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
	e := a.entry(gsi)
	a.regs.Write(e+1, uint32(cpu)<<24)
	a.regs.Write(e, low)
	return nil
}

// Mask stops GSI gsi from interrupting.
func (a *IOAPIC) Mask(gsi uint32) {
	if a.Serves(gsi) {
		e := a.entry(gsi)
		a.regs.Write(e, a.regs.Read(e)|redirMasked)
	}
}

// Unmask lets GSI gsi interrupt again after Mask (or, on clk, after the
// interrupt entry masked a level-triggered line: MaskOnInterrupt).
func (a *IOAPIC) Unmask(gsi uint32) {
	if a.Serves(gsi) {
		a.regs.Unmask(a.entry(gsi))
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
