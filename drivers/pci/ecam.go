package pci

import "fmt"

// MMIO is access to device memory at byte offsets from the start of a
// region: each call is one load or store of its width, uncached.
type MMIO interface {
	Read8(off uintptr) uint8
	Read16(off uintptr) uint16
	Read32(off uintptr) uint32
	Write8(off uintptr, v uint8)
	Write16(off uintptr, v uint16)
	Write32(off uintptr, v uint32)
}

// ECAM is PCI Express's enhanced configuration access mechanism: the 4096
// bytes of each function's configuration space, memory-mapped at
// bus<<20 | device<<15 | function<<12 from the address of bus 0 (PCI
// Express Base Specification, 7.2.2). One region serves a range of buses.
type ECAM struct {
	mem              MMIO
	startBus, endBus uint8
}

// ECAMWindow is the part of a region that is decoded: offset from the
// region's bus-0 address, and length, for the kernel to map.
func ECAMWindow(startBus, endBus uint8) (off, size uint64) {
	return uint64(startBus) << 20, (uint64(endBus) - uint64(startBus) + 1) << 20
}

// NewECAM returns the mechanism for buses startBus to endBus of a region
// whose decoded part (ECAMWindow) mem reaches: offset 0 of mem is
// startBus's device 0, function 0.
func NewECAM(mem MMIO, startBus, endBus uint8) (*ECAM, error) {
	if endBus < startBus {
		return nil, fmt.Errorf("pci: ECAM buses %d to %d", startBus, endBus)
	}
	return &ECAM{mem: mem, startBus: startBus, endBus: endBus}, nil
}

// Size is 4096: ECAM reaches extended configuration space.
func (*ECAM) Size() int { return 4096 }

// Method is "ECAM".
func (*ECAM) Method() string { return "ECAM" }

// offset returns the offset in the window of an access, or false when the
// access is outside the buses or the function's space, or unaligned.
func (e *ECAM) offset(a Addr, off uint16, n int) (uintptr, bool) {
	if !a.valid() || a.Bus < e.startBus || a.Bus > e.endBus || !inRange(off, n, 4096) {
		return 0, false
	}
	return uintptr(a.Bus-e.startBus)<<20 | uintptr(a.Device)<<15 | uintptr(a.Function)<<12 | uintptr(off), true
}

// Read8 reads the byte at off.
func (e *ECAM) Read8(a Addr, off uint16) uint8 {
	if o, ok := e.offset(a, off, 1); ok {
		return e.mem.Read8(o)
	}
	return 0xff
}

// Read16 reads the word at off.
func (e *ECAM) Read16(a Addr, off uint16) uint16 {
	if o, ok := e.offset(a, off, 2); ok {
		return e.mem.Read16(o)
	}
	return 0xffff
}

// Read32 reads the dword at off.
func (e *ECAM) Read32(a Addr, off uint16) uint32 {
	if o, ok := e.offset(a, off, 4); ok {
		return e.mem.Read32(o)
	}
	return 0xffffffff
}

// Write8 writes the byte at off.
func (e *ECAM) Write8(a Addr, off uint16, v uint8) {
	if o, ok := e.offset(a, off, 1); ok {
		e.mem.Write8(o, v)
	}
}

// Write16 writes the word at off.
func (e *ECAM) Write16(a Addr, off uint16, v uint16) {
	if o, ok := e.offset(a, off, 2); ok {
		e.mem.Write16(o, v)
	}
}

// Write32 writes the dword at off.
func (e *ECAM) Write32(a Addr, off uint16, v uint32) {
	if o, ok := e.offset(a, off, 4); ok {
		e.mem.Write32(o, v)
	}
}
