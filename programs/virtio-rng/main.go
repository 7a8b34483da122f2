package main

import (
	"fmt"
	"os"
	"time"

	"clk/drivers/virtio/rng"
	"clk/sdk"
	"clk/sdk/devio"
)

const (
	// firstFeed is what the pool gets once the device is up: enough
	// for any key the kernel or a program draws.
	firstFeed = 256
	// feed is what it gets every interval after: the pool needs no
	// more to stay strong, and a steady trickle costs the device
	// little.
	feed     = 32
	interval = 10 * time.Second
	// queueVector is the MSI-X entry the request queue interrupts on, when
	// the device has MSI-X.
	queueVector = 0
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
	vector, index, err := devio.QueueInterrupt(dev, queueVector)
	if err != nil {
		fail("%s: %v", name, err)
	}
	wait, err := devio.Waiter(dev, index)
	if err != nil {
		fail("%s: %v", name, err)
	}
	r, err := rng.New(vd, rng.Config{Vector: vector, Wait: wait})
	if err != nil {
		fail("%s: %v", name, err)
	}
	fed := 0
	buf := make([]byte, firstFeed)
	for {
		n, err := r.Read(buf)
		if err == nil {
			err = sdk.RandomAdd(buf[:n])
		}
		if err != nil {
			vd.Fail()
			fail("%s: after %d bytes: %v", name, fed, err)
		}
		if fed == 0 {
			fmt.Fprintf(sdk.Console, "%s: fed the kernel's pool %d bytes\n", name, n)
		}
		fed += n
		clear(buf)
		buf = buf[:feed]
		time.Sleep(interval)
	}
}
