package device

import "clk/drivers/pci"

// Machine is the hardware side of the broker.
type Machine interface {
	// AllocDMA returns pages physically contiguous zeroed frames: the
	// physical address of the first and their bytes.
	AllocDMA(pages int) (phys uint64, mem []byte, err error)
	// FreeDMA gives back what AllocDMA returned.
	FreeDMA(phys uint64, pages int)
	// AllocVector reserves an interrupt vector and calls fire each time
	// it is taken, from a goroutine of its own, until FreeVector.
	AllocVector(fire func()) (vector uint8, err error)
	// FreeVector stops calling the vector's fire and frees it.
	FreeVector(vector uint8)
	// AllocLine routes a function's legacy interrupt (INTx), which
	// firmware wired to ISA interrupt irq (the function's interrupt line
	// register), to a vector of its own, and calls fire each time it
	// comes, from a goroutine of its own. The line is level-triggered: it
	// stays masked from each interrupt until Line.Unmask. A line already
	// routed to another function is refused with ErrBusy.
	AllocLine(irq uint8, fire func()) (Line, error)
	// MSIMessage returns the address and data that an MSI or MSI-X write
	// must carry to raise vector (Intel SDM vol. 3A, 11.11).
	MSIMessage(vector uint8) (addr uint64, data uint32)
	// MMIO returns the kernel's access to n bytes of device memory at
	// physical address pa, or an error when the kernel cannot reach it.
	MMIO(pa, n uint64) (Registers, error)
	// Ports returns the machine's I/O ports.
	Ports() Ports
}

// Registers is device memory: single loads and stores of each width.
type Registers interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// Ports is port I/O, one IN or OUT of each width.
type Ports interface {
	In(port uint16) uint8
	In16(port uint16) uint16
	In32(port uint16) uint32
	Out(port uint16, v uint8)
	Out16(port uint16, v uint16)
	Out32(port uint16, v uint32)
}

// Line is a level-triggered interrupt line that AllocLine routed.
type Line interface {
	// Unmask lets the line interrupt again, once its device no longer
	// asserts it for the interrupts already taken.
	Unmask()
	// Free masks the line and gives back its vector.
	Free()
}

// IOMMU confines each function's DMA to the memory its driver allocated
// (drivers/vtd on a machine with VT-d). A function it has not attached
// reaches no memory at all; bus addresses are physical addresses.
type IOMMU interface {
	// Attach gives the function an address space of its own with
	// nothing in it.
	Attach(a pci.Addr) error
	// Map lets the function reach the pages at phys, read and write.
	Map(a pci.Addr, phys uint64, pages int) error
	// Unmap takes the pages away again; when it returns, the function
	// no longer reaches them.
	Unmap(a pci.Addr, phys uint64, pages int) error
	// Detach takes the function's address space away whole; when it
	// returns, the function reaches no memory.
	Detach(a pci.Addr) error
}
