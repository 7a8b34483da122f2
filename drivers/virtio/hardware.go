package virtio

// The package reaches its device only through these interfaces. The
// kernel's device handle provides them to a driver process; the tests
// provide a fake device written from the specification
// (clk/drivers/virtio/virtiotest).

// ConfigSpace reads the PCI function's configuration space, offsets 0 to
// 255 at least. Offsets are naturally aligned for the access size.
type ConfigSpace interface {
	Read8(off int) uint8
	Read16(off int) uint16
	Read32(off int) uint32
}

// CommandWriter is implemented by a ConfigSpace through which the driver
// may write the function's command register. Open uses it, when present,
// to turn on memory decoding and bus mastering; without it the kernel is
// expected to have turned them on.
type CommandWriter interface {
	WriteCommand(v uint16)
}

// Registers is a mapped BAR window: single loads and stores of each width
// at byte offsets, naturally aligned. It is device memory: accesses are
// neither merged, split, cached nor reordered with each other.
type Registers interface {
	Read8(off uintptr) uint8
	Read16(off uintptr) uint16
	Read32(off uintptr) uint32
	Write8(off uintptr, v uint8)
	Write16(off uintptr, v uint16)
	Write32(off uintptr, v uint32)
}

// BARs maps the function's base address registers. BAR returns the
// registers of BAR i (0 to 5) and the BAR's size in bytes, or an error for
// a BAR that is absent or cannot be mapped (an I/O BAR, for a kernel that
// maps only memory).
type BARs interface {
	BAR(i int) (Registers, uint64, error)
}

// DMA allocates memory the device can reach. Alloc returns the driver's
// view b of at least size bytes and phys, the bus address of b[0]. The
// memory is physically contiguous, zeroed, its size rounded up to 4096
// and b[0] page-aligned; it is ordinary write-back memory that the device
// reads and writes coherently (x86 DMA snoops the caches).
type DMA interface {
	Alloc(size int) (b []byte, phys uint64, err error)
}
