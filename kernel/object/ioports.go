package object

import (
	"fmt"

	"clk/abi"
)

// IOPorts is a range of x86 I/O ports a driver process may use.
type IOPorts struct {
	first, count uint16
}

// NewIOPorts returns the range [first, first+count).
func NewIOPorts(first, count uint16) (*IOPorts, error) {
	if count == 0 || uint32(first)+uint32(count) > 1<<16 {
		return nil, fmt.Errorf("I/O ports %#x+%d: empty or past 0xffff", first, count)
	}
	return &IOPorts{first: first, count: count}, nil
}

// Type returns abi.TypeIOPorts.
func (p *IOPorts) Type() abi.ObjectType { return abi.TypeIOPorts }

// Range returns the first port and the number of ports.
func (p *IOPorts) Range() (first, count uint16) { return p.first, p.count }

// Contains reports whether an access of width bytes at port stays inside
// the range.
func (p *IOPorts) Contains(port uint16, width int) bool {
	return width > 0 && port >= p.first && uint32(port)+uint32(width) <= uint32(p.first)+uint32(p.count)
}
