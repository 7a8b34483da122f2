package virtio

// window is a virtio structure inside a BAR: offsets are relative to the
// structure's start and bounded by its length, so that an offset the
// device influences (a queue's notify offset, a field of a configuration
// shorter than the driver expects) never reaches other registers of the
// BAR. An access that is misaligned or not wholly inside reads as all
// ones, like a PCI read of nothing, and a write is dropped.
type window struct {
	regs Registers
	base uintptr
	size uintptr
}

// inside reports whether an access of n bytes at off is aligned and
// within the window.
func (w window) inside(off uintptr, n uintptr) bool {
	return w.regs != nil && off%n == 0 && off <= w.size && n <= w.size-off
}

// Read8 implements Registers.
func (w window) Read8(off uintptr) uint8 {
	if !w.inside(off, 1) {
		return 0xff
	}
	return w.regs.Read8(w.base + off)
}

// Read16 implements Registers.
func (w window) Read16(off uintptr) uint16 {
	if !w.inside(off, 2) {
		return 0xffff
	}
	return w.regs.Read16(w.base + off)
}

// Read32 implements Registers.
func (w window) Read32(off uintptr) uint32 {
	if !w.inside(off, 4) {
		return 0xffffffff
	}
	return w.regs.Read32(w.base + off)
}

// Write8 implements Registers.
func (w window) Write8(off uintptr, v uint8) {
	if w.inside(off, 1) {
		w.regs.Write8(w.base+off, v)
	}
}

// Write16 implements Registers.
func (w window) Write16(off uintptr, v uint16) {
	if w.inside(off, 2) {
		w.regs.Write16(w.base+off, v)
	}
}

// Write32 implements Registers.
func (w window) Write32(off uintptr, v uint32) {
	if w.inside(off, 4) {
		w.regs.Write32(w.base+off, v)
	}
}
