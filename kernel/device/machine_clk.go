//go:build clk

package device

import (
	"errors"
	"fmt"
	"sync"

	x86 "clk/arch/x86_64"
)

// The Machine of the x86-64 PCs clk runs on.

// firstVector is the first vector the broker hands out: the ones below,
// from x86.FirstDeviceVector, are the ISA interrupts the kernel routes
// through the I/O APIC itself.
const firstVector = x86.FirstDeviceVector + 16

// identityMapped is the device memory the kernel reaches: the runtime
// identity-maps the first 4 GiB, uncached in its last GiB.
const identityMapped = 4 << 30

// ISALines finds where ISA interrupts reach the I/O APICs.
type ISALines interface {
	// ISA returns the I/O APIC and GSI that ISA interrupt irq arrives at,
	// and the polarity firmware declared for it (ACPI's MADT overrides).
	ISA(irq uint8) (a *x86.IOAPIC, gsi uint32, activeLow bool, err error)
}

// hardware is Machine over arch/x86_64.
type hardware struct {
	mu sync.Mutex
	// fire is each vector's current receiver; started says a goroutine
	// already waits on the vector, which lives on after FreeVector (a
	// wait on a vector cannot be cancelled) and serves the vector's next
	// owner.
	fire    [256]func()
	used    [256]bool
	started [256]bool
	apicID  uint32
	isa     ISALines
	// lines holds the GSIs routed to a function's INTx.
	lines map[uint32]bool
}

// Hardware returns the machine the kernel runs on, whose ISA interrupts
// isa finds (nil if there is no I/O APIC: then no INTx). Device
// interrupts go to the boot CPU.
func Hardware(isa ISALines) Machine {
	h := &hardware{isa: isa, lines: make(map[uint32]bool)}
	if ids := x86.CPUs(); len(ids) > 0 {
		h.apicID = ids[0]
	}
	return h
}

func (h *hardware) AllocDMA(pages int) (uint64, []byte, error) {
	return x86.AllocContiguous(pages)
}

func (h *hardware) FreeDMA(phys uint64, pages int) { x86.FreeContiguous(phys, pages) }

func (h *hardware) AllocVector(fire func()) (uint8, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for v := firstVector; v <= x86.LastDeviceVector; v++ {
		if h.used[v] {
			continue
		}
		h.used[v], h.fire[v] = true, fire
		if !h.started[v] {
			h.started[v] = true
			go h.serve(uint8(v))
		}
		return uint8(v), nil
	}
	return 0, errors.New("no interrupt vector left")
}

// serve waits for vector v for ever and passes each interrupt to its
// owner of the moment.
func (h *hardware) serve(v uint8) {
	for {
		x86.WaitIRQ(v)
		h.mu.Lock()
		fire := h.fire[v]
		h.mu.Unlock()
		if fire != nil {
			fire()
		}
	}
}

func (h *hardware) FreeVector(v uint8) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.used[v], h.fire[v] = false, nil
}

func (h *hardware) AllocLine(irq uint8, fire func()) (Line, error) {
	if h.isa == nil {
		return nil, errors.New("no I/O APIC to route INTx through")
	}
	a, gsi, activeLow, err := h.isa.ISA(irq)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.lines[gsi] {
		h.mu.Unlock()
		return nil, ErrBusy
	}
	h.lines[gsi] = true
	h.mu.Unlock()
	vec, err := h.AllocVector(fire)
	if err != nil {
		h.freeLine(gsi)
		return nil, err
	}
	l := &line{h: h, a: a, gsi: gsi, vector: vec}
	// A PCI interrupt is level-triggered whatever the MADT says of the
	// ISA interrupt it was wired to.
	if err := x86.MaskOnInterrupt(vec, a, gsi); err != nil {
		h.FreeVector(vec)
		h.freeLine(gsi)
		return nil, err
	}
	if err := a.Route(gsi, vec, uint8(h.apicID), activeLow, true); err != nil {
		x86.StopMaskOnInterrupt(vec)
		h.FreeVector(vec)
		h.freeLine(gsi)
		return nil, err
	}
	return l, nil
}

func (h *hardware) freeLine(gsi uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.lines, gsi)
}

// line is an INTx line routed through an I/O APIC.
type line struct {
	h      *hardware
	a      *x86.IOAPIC
	gsi    uint32
	vector uint8

	mu    sync.Mutex
	freed bool
}

func (l *line) Unmask() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.freed {
		l.a.Unmask(l.gsi)
	}
}

func (l *line) Free() {
	l.mu.Lock()
	if l.freed {
		l.mu.Unlock()
		return
	}
	l.freed = true
	l.a.Mask(l.gsi)
	l.mu.Unlock()
	x86.StopMaskOnInterrupt(l.vector)
	l.h.FreeVector(l.vector)
	l.h.freeLine(l.gsi)
}

// MSIMessage returns the message of a fixed, edge-triggered interrupt on
// vector to the boot CPU, in physical destination mode (Intel SDM vol. 3A,
// 11.11.1 and 11.11.2).
func (h *hardware) MSIMessage(vector uint8) (uint64, uint32) {
	return 0xfee00000 | uint64(h.apicID&0xff)<<12, uint32(vector)
}

func (h *hardware) MMIO(pa, n uint64) (Registers, error) {
	if pa+n > identityMapped || pa+n < pa {
		return nil, fmt.Errorf("device memory at %#x is beyond the kernel's identity map", pa)
	}
	return x86.MMIO(pa), nil
}

func (h *hardware) Ports() Ports { return x86.Ports{} }
