package main

import (
	"fmt"
	"os"

	"clk/abi"
	"clk/drivers/virtio"
	"clk/drivers/virtio/blk"
	"clk/sdk"
	"clk/sdk/devio"
	"clk/services/block"
)

// queueVector is the MSI-X entry the request queue interrupts on, when
// the device has MSI-X.
const queueVector = 0

func fail(format string, args ...any) {
	fmt.Fprintf(sdk.Console, format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	hs := sdk.StartupHandles()
	if len(hs) < 2 {
		fail("want a device and a service channel, got %d handles", len(hs))
	}
	name := "device"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	dev := sdk.Device(hs[0])
	vd, err := devio.OpenVirtio(dev)
	if err != nil {
		fail("%s: %v", name, err)
	}
	vector, index, err := devio.QueueInterrupt(dev, queueVector)
	if err != nil {
		fail("%s: %v", name, err)
	}
	wait, err := devio.Waiter(dev, index)
	if err != nil {
		fail("%s: %v", name, err)
	}
	disk, err := blk.New(vd, blk.Config{Vector: vector, Wait: wait})
	if err != nil {
		fail("%s: %v", name, err)
	}
	buf, phys, err := dev.AllocDMA(abi.BlockMaxIO)
	if err != nil {
		fail("%s: bounce buffer: %v", name, err)
	}
	d := &bounced{disk: disk, buf: buf, phys: phys}
	fmt.Fprintf(sdk.Console, "%s: %d sectors (%d MiB)%s\n", name, disk.Capacity(), disk.Capacity()>>11, map[bool]string{true: ", read-only"}[disk.ReadOnly()])
	if err := block.Serve(sdk.Channel{Handle: hs[1]}, d); err != nil {
		fail("%s: %v", name, err)
	}
}

// bounced serves the block protocol's requests through one DMA buffer:
// the protocol's data lives in the driver's heap, which the device
// cannot reach.
type bounced struct {
	disk *blk.Disk
	buf  []byte
	phys uint64
}

func (b *bounced) SectorSize() int { return 512 }
func (b *bounced) Sectors() int64  { return int64(b.disk.Capacity()) }
func (b *bounced) ReadOnly() bool  { return b.disk.ReadOnly() }
func (b *bounced) Flush() error    { return b.disk.Flush() }

// ReadSectors reads p, at most the buffer's size, from sector first.
func (b *bounced) ReadSectors(p []byte, first int64) error {
	if len(p) > len(b.buf) {
		return fmt.Errorf("read of %d bytes: %w", len(p), abi.EINVAL)
	}
	if err := b.disk.ReadSectors(uint64(first), virtio.Buffer{Addr: b.phys, Len: uint32(len(p))}); err != nil {
		return err
	}
	copy(p, b.buf)
	return nil
}

// WriteSectors writes p, at most the buffer's size, at sector first.
func (b *bounced) WriteSectors(p []byte, first int64) error {
	if len(p) > len(b.buf) {
		return fmt.Errorf("write of %d bytes: %w", len(p), abi.EINVAL)
	}
	copy(b.buf, p)
	return b.disk.WriteSectors(uint64(first), virtio.Buffer{Addr: b.phys, Len: uint32(len(p))})
}
