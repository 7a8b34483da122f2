// Package devio gives a driver process's device handle (sdk.Device) the
// shapes the hardware libraries of drivers/ take: configuration space,
// BARs and DMA memory for drivers/virtio, and a wait on an interrupt.
// The libraries stay plain Go that is tested on the host against fake
// devices; this package is the one place that binds them to the kernel's
// calls.
package devio

import (
	"fmt"
	"sync"

	"clk/drivers/virtio"
	"clk/sdk"
)

// Config is a device's configuration space as drivers/virtio reads it.
// A read the kernel refuses gives all ones, as a missing function does.
type Config struct{ D sdk.Device }

func (c Config) read(off, width int) uint32 {
	v, err := c.D.ConfigRead(off, width)
	if err != nil {
		return 1<<(8*width) - 1
	}
	return v
}

// Read8 reads a byte of configuration space.
func (c Config) Read8(off int) uint8 { return uint8(c.read(off, 1)) }

// Read16 reads 16 bits of configuration space.
func (c Config) Read16(off int) uint16 { return uint16(c.read(off, 2)) }

// Read32 reads 32 bits of configuration space.
func (c Config) Read32(off int) uint32 { return c.read(off, 4) }

// WriteCommand writes the command register; the kernel keeps the bits
// that are not the driver's.
func (c Config) WriteCommand(v uint16) { c.D.ConfigWrite(0x04, 2, uint32(v)) }

// BARs maps a device's memory BARs, each once.
type BARs struct {
	D      sdk.Device
	mu     sync.Mutex
	mapped map[int]sdk.MMIO
}

// BAR maps BAR i (once; later calls return the same mapping).
func (b *BARs) BAR(i int) (virtio.Registers, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m, ok := b.mapped[i]; ok {
		return m, m.Size(), nil
	}
	m, err := b.D.MapBAR(i)
	if err != nil {
		return nil, 0, fmt.Errorf("map BAR %d: %w", i, err)
	}
	if b.mapped == nil {
		b.mapped = make(map[int]sdk.MMIO)
	}
	b.mapped[i] = m
	return m, m.Size(), nil
}

// DMA allocates a device's DMA memory.
type DMA struct{ D sdk.Device }

// Alloc returns size bytes, rounded up to pages, of zeroed physically
// contiguous memory and its bus address.
func (d DMA) Alloc(size int) ([]byte, uint64, error) { return d.D.AllocDMA(size) }

// OpenVirtio finds the virtio device behind d (virtio.Open).
func OpenVirtio(d sdk.Device) (*virtio.Device, error) {
	return virtio.Open(Config{d}, &BARs{D: d}, DMA{d})
}

// QueueInterrupt returns how a virtio queue of d that would use MSI-X
// table entry entry interrupts: vector is what to write as the queue's
// MSI-X vector, entry itself or virtio.NoVector when d has no MSI-X, and
// index is the interrupt of d to wait on (Waiter): entry, or 0, d's one
// interrupt (INTx, or a single MSI), which every queue then shares and
// after which the driver reads the ISR status.
func QueueInterrupt(d sdk.Device, entry uint16) (vector uint16, index int, err error) {
	info, err := d.Info()
	if err != nil {
		return 0, 0, fmt.Errorf("device info: %w", err)
	}
	if info.MSIXSize == 0 {
		return virtio.NoVector, 0, nil
	}
	return entry, int(entry), nil
}

// Waiter returns a wait on MSI-X entry index of d (or, for index 0 on a
// device without MSI-X, its MSI vector or its INTx line): each call blocks until the
// interrupt has fired since the previous call returned, as the virtio
// device libraries' Config.Wait wants.
func Waiter(d sdk.Device, index int) (func() error, error) {
	irq, err := d.IRQ(index)
	if err != nil {
		return nil, fmt.Errorf("interrupt %d: %w", index, err)
	}
	return func() error {
		_, err := irq.Wait(sdk.Never)
		return err
	}, nil
}
