package device

import (
	"fmt"
	"sync"

	"clk/drivers/pci"
)

// Broker holds the machine's PCI functions and which driver has each.
type Broker struct {
	m   Machine
	cfg pci.Config
	// reset, if set, stops a released function's work in flight.
	reset func(pci.Function) error
	// iommu, if set, confines each bound function's DMA to its driver's
	// DMA memory.
	iommu IOMMU

	mu    sync.Mutex
	slots []*slot
}

// slot is one function and its binding.
type slot struct {
	fn     pci.Function
	dev    *Device // nil while unbound
	driver string
	pid    uint64
}

// NewBroker returns the broker of the functions fns, found through cfg.
func NewBroker(m Machine, cfg pci.Config, fns []pci.Function) *Broker {
	b := &Broker{m: m, cfg: cfg}
	for _, f := range fns {
		b.slots = append(b.slots, &slot{fn: f})
	}
	return b
}

// SetReset gives the broker a way to reset a function whose device
// object is released, before its DMA memory is freed: clearing bus
// mastering stops new transfers, but a device may still complete a
// request it took before, from memory the kernel would have reused; a
// reset that drains what is in flight (virtio's) closes that window. It
// is meant to be called once, before the first Bind.
func (b *Broker) SetReset(reset func(pci.Function) error) { b.reset = reset }

// SetIOMMU has the broker confine DMA through u: a function gets an
// empty address space when it is bound, each DMA allocation is mapped
// into it before the driver learns its address, and it is taken away
// whole at release, before the memory is freed. Without it (no IOMMU) a
// device reaches all of RAM. It is meant to be called once, before the
// first Bind.
func (b *Broker) SetIOMMU(u IOMMU) { b.iommu = u }

// Binding is what the broker says of one function: lspci's line.
type Binding struct {
	Function pci.Function
	// Driver names the program bound to it, "" when none is; PID is its
	// process, 0 until the driver runs.
	Driver string
	PID    uint64
}

// Functions returns every function with its binding, in address order.
func (b *Broker) Functions() []Binding {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Binding, len(b.slots))
	for i, s := range b.slots {
		out[i] = Binding{Function: s.fn, Driver: s.driver, PID: s.pid}
	}
	return out
}

// Bind makes the device object of the function at addr for the driver
// named driver. The function must be unbound (ErrBound otherwise) and
// well-formed; the object unbinds it when released.
func (b *Broker) Bind(addr pci.Addr, driver string) (*Device, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.slots {
		if s.fn.Addr != addr {
			continue
		}
		if s.dev != nil {
			return nil, fmt.Errorf("bind %v to %s: %w (%s)", addr, driver, ErrBound, s.driver)
		}
		if s.fn.Err != nil {
			return nil, fmt.Errorf("bind %v to %s: %w", addr, driver, s.fn.Err)
		}
		if b.iommu != nil {
			if err := b.iommu.Attach(addr); err != nil {
				return nil, fmt.Errorf("bind %v to %s: %w", addr, driver, err)
			}
		}
		d := newDevice(b, s)
		s.dev, s.driver, s.pid = d, driver, 0
		return d, nil
	}
	return nil, fmt.Errorf("bind %v to %s: %w", addr, driver, ErrNoFunction)
}

// SetPID records the process that runs the driver of d.
func (b *Broker) SetPID(d *Device, pid uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d.slot.dev == d {
		d.slot.pid = pid
	}
}

// unbind frees d's function for another driver.
func (b *Broker) unbind(d *Device) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d.slot.dev == d {
		d.slot.dev, d.slot.driver, d.slot.pid = nil, "", 0
	}
}

// sharesPage reports whether a memory BAR of another function than a
// lies in the pages [first, end).
func (b *Broker) sharesPage(a pci.Addr, first, end uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.slots {
		if s.fn.Addr == a {
			continue
		}
		for _, bar := range s.fn.BARs {
			if !bar.IO && bar.Size > 0 && bar.Addr < end && first < bar.Addr+bar.Size {
				return true
			}
		}
	}
	return false
}
