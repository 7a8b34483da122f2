package object

import (
	"clk/abi"
)

// IRQ is one interrupt line a driver process may wait on and
// acknowledge. It names the I/O APIC input (the global system interrupt);
// routing it to a vector is the interrupt code's concern.
type IRQ struct {
	gsi uint32
}

// NewIRQ returns the IRQ object of global system interrupt gsi.
func NewIRQ(gsi uint32) *IRQ { return &IRQ{gsi: gsi} }

// Type returns abi.TypeIRQ.
func (q *IRQ) Type() abi.ObjectType { return abi.TypeIRQ }

// GSI returns the global system interrupt number.
func (q *IRQ) GSI() uint32 { return q.gsi }
