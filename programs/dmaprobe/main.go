package main

import (
	"fmt"
	"os"
	"time"

	"clk/drivers/virtio"
	"clk/sdk"
	"clk/sdk/devio"
)

const (
	// target is the physical address the device is told to write: the
	// start of the kernel's image.
	target = 0x100000
	// size is how much it is told to write there.
	size = 64
	// patience is how long the device is given to complete the request:
	// a device whose write went through completes it at once.
	patience = 3 * time.Second
)

func fail(format string, args ...any) {
	fmt.Fprintf(sdk.Console, format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	hs := sdk.StartupHandles()
	if len(hs) < 1 {
		fail("no device handle")
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
	if vd.Type() != virtio.TypeEntropy {
		fail("%s: a %v device, not an entropy device", name, vd.Type())
	}
	vector, index, err := devio.QueueInterrupt(dev, 0)
	if err != nil {
		fail("%s: %v", name, err)
	}
	wait, err := devio.Waiter(dev, index)
	if err != nil {
		fail("%s: %v", name, err)
	}
	if err := vd.Negotiate(0); err != nil {
		fail("%s: %v", name, err)
	}
	q, err := vd.SetupQueue(0, 2, vector)
	if err != nil {
		fail("%s: %v", name, err)
	}
	// Its own buffer, only to show where its DMA memory is.
	_, own, err := vd.DMA().Alloc(4096)
	if err != nil {
		fail("%s: %v", name, err)
	}
	if err := vd.Ready(); err != nil {
		fail("%s: %v", name, err)
	}
	if _, err := q.Add(nil, []virtio.Buffer{{Addr: target, Len: size}}); err != nil {
		fail("%s: %v", name, err)
	}
	if err := q.Notify(); err != nil {
		fail("%s: %v", name, err)
	}
	fmt.Fprintf(sdk.Console, "%s: asked the device to write %d bytes at %#x (its DMA memory is at %#x)\n", name, size, target, own)

	interrupted := make(chan struct{}, 1)
	go func() {
		for wait() == nil {
			select {
			case interrupted <- struct{}{}:
			default:
			}
		}
	}()
	deadline := time.After(patience)
	for {
		written, done := uint32(0), false
		if _, err := q.Used(func(_ uint16, w uint32) { written, done = w, true }); err != nil {
			fail("%s: used ring: %v", name, err)
		}
		if done {
			fmt.Fprintf(sdk.Console, "%s: the device completed the request, %d bytes written at %#x as it says\n", name, written, target)
			break
		}
		q.EnableInterrupts()
		select {
		case <-interrupted:
			if vector == virtio.NoVector {
				vd.ISR()
			}
			continue
		case <-deadline:
		}
		fmt.Fprintf(sdk.Console, "%s: the device completed nothing in %v (device status %#x, needs reset %v)\n",
			name, patience, vd.Status(), vd.NeedsReset())
		break
	}
	for {
		time.Sleep(time.Hour)
	}
}
