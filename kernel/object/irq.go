package object

import "clk/kernel/cap"

// IRQ is one interrupt line a driver process may wait on and
// acknowledge. It names the I/O APIC input (the global system interrupt);
// routing it to a vector is the interrupt code's concern.
type IRQ struct {
	gsi uint32
}

// NewIRQ returns the IRQ object of global system interrupt gsi.
func NewIRQ(gsi uint32) *IRQ { return &IRQ{gsi: gsi} }

// Type returns cap.TypeIRQ.
func (q *IRQ) Type() cap.Type { return cap.TypeIRQ }

// GSI returns the global system interrupt number.
func (q *IRQ) GSI() uint32 { return q.gsi }
