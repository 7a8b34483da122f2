package net_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/net"
	"clk/drivers/virtio/virtiotest"
)

func TestNegotiationTakesNoOffloads(t *testing.T) {
	// Every device-type bit of the first 24, checksum and segmentation
	// offloads, merged buffers, the control queue and multiqueue among
	// them.
	all := uint64(1<<24-1) | bitEventIdx
	for _, c := range []struct {
		offered, want uint64
	}{
		{all, bitVersion1 | bitMAC | bitStatus | bitEventIdx},
		{bitMAC, bitVersion1 | bitMAC},
		{0, bitVersion1},
	} {
		w := newWire(t, c.offered, nil)
		n := start(t, w, twoVectors, net.Config{})
		if got := w.DriverFeatures(); got != c.want {
			t.Errorf("offered %#x: driver accepted %#x, want %#x", c.offered, got, c.want)
		}
		if w.Status()&4 == 0 {
			t.Errorf("offered %#x: DRIVER_OK not set", c.offered)
		}
		n.stop(t)
	}
}

func TestTheMACIsTheDevicesOrMadeFromTheSeed(t *testing.T) {
	w := newWire(t, bitMAC, nil)
	if n := start(t, w, twoVectors, net.Config{MACSeed: [6]byte{9, 9, 9, 9, 9, 9}}); n.MAC() != deviceMAC {
		t.Errorf("MAC %x, want the device's %x", n.MAC(), deviceMAC)
	}
	// Without VIRTIO_NET_F_MAC: the seed, locally administered (bit 1
	// of the first octet) and unicast (bit 0 clear).
	for _, c := range []struct{ seed, want [6]byte }{
		{[6]byte{0x01, 2, 3, 4, 5, 6}, [6]byte{0x02, 2, 3, 4, 5, 6}},
		{[6]byte{0xfc, 0xaa, 0, 0, 0, 0xff}, [6]byte{0xfe, 0xaa, 0, 0, 0, 0xff}},
	} {
		w := newWire(t, 0, nil)
		if n := start(t, w, twoVectors, net.Config{MACSeed: c.seed}); n.MAC() != c.want {
			t.Errorf("seed %x: MAC %x, want %x", c.seed, n.MAC(), c.want)
		}
	}
}

func TestTheMACIsReadInOneConfigurationGeneration(t *testing.T) {
	w := newWire(t, bitMAC, nil)
	w.ChurnGeneration(5)
	if n := start(t, w, twoVectors, net.Config{}); n.MAC() != deviceMAC {
		t.Errorf("MAC %x after the generation changed, want %x", n.MAC(), deviceMAC)
	}
	w = newWire(t, bitMAC, nil)
	w.ChurnGeneration(1 << 20)
	d, err := w.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.New(d, net.Config{WaitRX: func() error { return nil }}); !errors.Is(err, virtio.ErrConfigUnstable) {
		t.Errorf("New with a generation that never settles: %v, want ErrConfigUnstable", err)
	}
}

func TestNewRefusesConfigurationsThatCannotBeUsed(t *testing.T) {
	wait := func() error { return nil }
	for _, c := range []struct {
		name     string
		features uint64
		mutate   func(*virtiotest.Options)
		cfg      net.Config
		want     error
	}{
		{"a multicast MAC", bitMAC, func(o *virtiotest.Options) { o.Config[0] = 0x01 }, net.Config{WaitRX: wait}, virtio.ErrMalformed},
		{"a MAC of zeros", bitMAC, func(o *virtiotest.Options) { clear(o.Config[:6]) }, net.Config{WaitRX: wait}, virtio.ErrMalformed},
		{"a configuration too short for the status", bitMAC | bitStatus, func(o *virtiotest.Options) { o.Config = o.Config[:6] }, net.Config{WaitRX: wait}, virtio.ErrMalformed},
		{"no WaitRX", bitMAC, nil, net.Config{}, net.ErrNoWait},
		{"two vectors and no WaitTX", bitMAC, nil, net.Config{RXVector: 0, TXVector: 1, WaitRX: wait}, net.ErrNoWait},
		{"INTx mixed with MSI-X", bitMAC, nil, net.Config{RXVector: virtio.NoVector, TXVector: 1, WaitRX: wait, WaitTX: wait}, virtio.ErrInvalid},
		{"a single queue", bitMAC, func(o *virtiotest.Options) { o.QueueSizes = o.QueueSizes[:1] }, net.Config{WaitRX: wait}, virtio.ErrNoQueue},
		{"an entropy device", 0, func(o *virtiotest.Options) { o.Type = 4 }, net.Config{WaitRX: wait}, net.ErrNotNet},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWire(t, c.features, c.mutate)
			d, err := w.Open()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := net.New(d, c.cfg); !errors.Is(err, c.want) {
				t.Fatalf("New: %v, want %v", err, c.want)
			}
			if s := w.Status(); s&4 != 0 {
				t.Errorf("device_status %#x: DRIVER_OK after New failed", s)
			}
		})
	}
}

func TestLinkUpFollowsTheStatusField(t *testing.T) {
	w := newWire(t, bitMAC|bitStatus, nil)
	n := start(t, w, twoVectors, net.Config{})
	if !n.LinkUp() {
		t.Error("LinkUp false with VIRTIO_NET_S_LINK_UP set")
	}
	w.SetDeviceConfig(6, []byte{0, 0})
	if n.LinkUp() {
		t.Error("LinkUp true with VIRTIO_NET_S_LINK_UP clear")
	}
	// The change interrupted Receive, which goes on.
	if w.Interrupts(0) == 0 {
		t.Error("no configuration change notification on the receive vector")
	}
	w.push(frame(60, 1))
	eventually(t, "a frame after the change", func() bool { return len(n.received()) >= 1 })
	// Without VIRTIO_NET_F_STATUS the driver assumes the link is up
	// (5.1.4.2), whatever the field holds.
	w = newWire(t, bitMAC, func(o *virtiotest.Options) { clear(o.Config[6:8]) })
	if n := start(t, w, twoVectors, net.Config{}); !n.LinkUp() {
		t.Error("LinkUp false without VIRTIO_NET_F_STATUS")
	}
}

func TestFramesRoundTripThroughAnEchoingDevice(t *testing.T) {
	for _, m := range modes {
		for _, features := range []uint64{bitMAC | bitStatus, bitMAC | bitStatus | bitEventIdx} {
			t.Run(fmt.Sprintf("%s, features %#x", m.name, features), func(t *testing.T) {
				w := newWire(t, features, func(o *virtiotest.Options) { o.MSIXVectors = m.msix })
				w.echo = true
				n := start(t, w, m, net.Config{RXBuffers: 16, TXBuffers: 4})
				sizes := []int{14, 15, 17, 18, 60, 61, 1000, 1513, 1514}
				var bytesOut uint64
				for i, size := range sizes {
					f := frame(size, uint32(i))
					if err := n.Send(f); err != nil {
						t.Fatalf("Send of %d bytes: %v", size, err)
					}
					bytesOut += uint64(size)
					eventually(t, fmt.Sprintf("the %d-byte frame back", size), func() bool { return len(n.received()) >= i+1 })
					if got := n.received()[i]; !bytes.Equal(got, f) {
						t.Fatalf("%d-byte frame came back as %d bytes % x", size, len(got), got[:min(len(got), 32)])
					}
				}
				want := net.Stats{
					InFrames: uint64(len(sizes)), InBytes: bytesOut,
					OutFrames: uint64(len(sizes)), OutBytes: bytesOut,
				}
				if s := n.Stats(); s != want {
					t.Errorf("Stats %+v, want %+v", s, want)
				}
				if m.msix == 0 && w.INTx() == 0 {
					t.Error("no INTx interrupt")
				}
			})
		}
	}
}

func TestSendRefusesWhatIsNotAnEthernetFrame(t *testing.T) {
	w := newWire(t, bitMAC, nil)
	n := start(t, w, twoVectors, net.Config{})
	for _, size := range []int{0, 13, 1515, 9000} {
		if err := n.Send(make([]byte, size)); !errors.Is(err, net.ErrFrameSize) {
			t.Errorf("Send of %d bytes: %v, want ErrFrameSize", size, err)
		}
	}
	if k := w.Kicks(1); k != 0 || len(w.sentFrames()) != 0 {
		t.Errorf("%d notifications, %d frames sent for refused frames", k, len(w.sentFrames()))
	}
	if s := n.Stats(); s.OutErrors != 4 || s.OutFrames != 0 {
		t.Errorf("Stats %+v, want 4 errors out and no frame", s)
	}
}

func TestTheReceiveQueueStaysFullOverThousandsOfFrames(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const buffers, total, burst = 32, 5000, 100
			w := newWire(t, bitMAC|bitEventIdx, func(o *virtiotest.Options) { o.MSIXVectors = m.msix })
			n := start(t, w, m, net.Config{RXBuffers: buffers})
			if got := w.held(); got != buffers {
				t.Fatalf("device holds %d receive buffers after New, want %d", got, buffers)
			}
			// Bursts larger than the queue: frames wait in the device
			// for buffers, which come back as each frame is copied out.
			for sent := 0; sent < total; sent += burst {
				for i := range burst {
					w.push(frame(60+(sent+i)%1400, uint32(sent+i)))
				}
				eventually(t, "the burst delivered", func() bool { return len(n.received()) >= sent+burst })
				if got := w.held(); got != buffers {
					t.Fatalf("after %d frames the device holds %d receive buffers, want %d", sent+burst, got, buffers)
				}
			}
			for i, f := range n.received() {
				if len(f) != 60+i%1400 || tagOf(f) != uint32(i) || !bytes.Equal(f, frame(len(f), uint32(i))) {
					t.Fatalf("frame %d: %d bytes, tag %d", i, len(f), tagOf(f))
				}
			}
			if s := n.Stats(); s.InFrames != total || s.InErrors != 0 || s.InDropped != 0 {
				t.Errorf("Stats %+v", s)
			}
		})
	}
}

// TestConcurrentSendsLoseAndDuplicateNothing has 8 goroutines send 10000
// frames in all through 8 transmit buffers, to a device in a goroutine of
// its own that echoes them back and gives transmit buffers back only 8 at
// a time, so that every buffer is in flight again and again and Sends
// wait for Reclaim.
func TestConcurrentSendsLoseAndDuplicateNothing(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const senders, each, txBuffers = 8, 1250, 8
			w := newWire(t, bitMAC|bitEventIdx, func(o *virtiotest.Options) {
				o.MSIXVectors = m.msix
				o.Defer = true
			})
			w.echo, w.txBatch = true, txBuffers
			stop := make(chan struct{})
			var device sync.WaitGroup
			device.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						// Yield when idle: on one CPU the driver
						// runs only when the device does not.
						if w.Serve() == 0 {
							runtime.Gosched()
						}
					}
				}
			})
			defer device.Wait()
			defer close(stop)
			n := start(t, w, m, net.Config{RXBuffers: 64, TXBuffers: txBuffers})
			var wg sync.WaitGroup
			for g := range senders {
				wg.Go(func() {
					for i := range each {
						if err := n.Send(frame(64+i%64, uint32(g<<16|i))); err != nil {
							t.Errorf("sender %d, frame %d: %v", g, i, err)
							return
						}
					}
				})
			}
			within(t, "the senders", wg.Wait)
			const total = senders * each
			eventually(t, "every frame echoed", func() bool { return len(n.received()) >= total })
			// The device saw each sender's frames in its order, each
			// once; the driver received each once.
			next := make([]int, senders)
			for _, f := range w.sentFrames() {
				g, i := int(tagOf(f)>>16), int(tagOf(f)&0xffff)
				if g >= senders || i != next[g] || !bytes.Equal(f, frame(64+i%64, tagOf(f))) {
					t.Fatalf("device got frame %d of sender %d, want %d", i, g, next[g%senders])
				}
				next[g]++
			}
			seen := map[uint32]bool{}
			for _, f := range n.received() {
				if seen[tagOf(f)] {
					t.Fatalf("frame %#x delivered twice", tagOf(f))
				}
				seen[tagOf(f)] = true
			}
			if len(seen) != total {
				t.Errorf("%d distinct frames delivered, want %d", len(seen), total)
			}
			w.mu.Lock()
			bufs := len(w.txBufs)
			w.mu.Unlock()
			if bufs != txBuffers {
				t.Errorf("%d distinct transmit buffers carried %d frames, want %d", bufs, total, txBuffers)
			}
			if s := n.Stats(); s.OutFrames != total || s.InFrames != total || s.OutDropped != 0 {
				t.Errorf("Stats %+v", s)
			}
		})
	}
}

// TestDeliverMaySendWithEveryBufferInFlight answers each frame received
// from deliver, through 2 transmit buffers the device gives back only
// two at a time: the Send in deliver waits for a buffer, and must not
// wait on the Receive loop it runs in.
func TestDeliverMaySendWithEveryBufferInFlight(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const total = 300
			w := newWire(t, bitMAC|bitEventIdx, func(o *virtiotest.Options) { o.MSIXVectors = m.msix })
			w.txBatch = 2
			n := start(t, w, m, net.Config{RXBuffers: 16, TXBuffers: 2})
			n.mu.Lock()
			n.deliver = func(f []byte) {
				if err := n.Send(f); err != nil {
					t.Errorf("Send from deliver: %v", err)
				}
			}
			n.mu.Unlock()
			for i := range total {
				w.push(frame(100, uint32(i)))
			}
			eventually(t, "every answer sent", func() bool { return len(w.sentFrames()) >= total })
			for i, f := range w.sentFrames() {
				if tagOf(f) != uint32(i) {
					t.Fatalf("answer %d has tag %d", i, tagOf(f))
				}
			}
		})
	}
}

func TestTheTransmitInterruptStaysOffWhileBuffersAreFree(t *testing.T) {
	for _, features := range []uint64{bitMAC, bitMAC | bitEventIdx} {
		w := newWire(t, features, nil)
		n := start(t, w, twoVectors, net.Config{TXBuffers: 4})
		for i := range 1000 {
			if err := n.Send(frame(60, uint32(i))); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.Interrupts(1); got != 0 {
			t.Errorf("features %#x: %d transmit interrupts with buffers always free, want 0", features, got)
		}
		n.stop(t)
	}
}

func TestMalformedBuffersAreCountedAndNotDelivered(t *testing.T) {
	w := newWire(t, bitMAC|bitEventIdx, nil)
	n := start(t, w, twoVectors, net.Config{RXBuffers: 8})
	hdr := func(flags, gso, numBuffers byte) []byte {
		h := make([]byte, hdrLen)
		h[0], h[1], h[10] = flags, gso, numBuffers
		return h
	}
	good := frame(60, 7)
	withHeader := func(h []byte, f []byte) []byte { return append(h, f...) }
	for _, c := range []struct {
		data    []byte
		written uint32
	}{
		{withHeader(hdr(0, 0, 1), good), 0},                            // nothing written
		{withHeader(hdr(0, 0, 1), good), 5},                            // shorter than the header
		{withHeader(hdr(0, 0, 1), good), hdrLen + 13},                  // shorter than an Ethernet header
		{withHeader(hdr(1, 0, 1), good), hdrLen + 60},                  // VIRTIO_NET_HDR_F_NEEDS_CSUM
		{withHeader(hdr(0, 1, 1), good), hdrLen + 60},                  // VIRTIO_NET_HDR_GSO_TCPV4
		{withHeader(hdr(0, 0x80, 1), good), hdrLen + 60},               // VIRTIO_NET_HDR_GSO_ECN
		{withHeader(hdr(0, 0, 1), frame(1518, 8)), hdrLen + 1518},      // longer than MaxFrame: dropped
		{withHeader(hdr(0, 0, 1), frame(1524, 9)), hdrLen + 1524},      // the whole buffer: dropped
		{withHeader(hdr(2, 0, 1), good), hdrLen + 60},                  // DATA_VALID says nothing of the bytes
		{withHeader(hdr(0, 0, 0), good), hdrLen + 60},                  // num_buffers left 0
		{withHeader(hdr(0, 0, 1), frame(1514, 10)), hdrLen + 1514},     // the longest frame
		{withHeader(hdr(0, 0, 1), frame(14, 0)), hdrLen + 14},          // the shortest
		{withHeader(hdr(0, 0, 1), append(good, 1, 2, 3)), hdrLen + 60}, // written bounds the frame
	} {
		w.pushRaw(c.data, c.written)
	}
	eventually(t, "every buffer taken back", func() bool {
		s := n.Stats()
		return s.InFrames+s.InErrors+s.InDropped == 13
	})
	want := [][]byte{good, good, frame(1514, 10), frame(14, 0), good}
	got := n.received()
	if len(got) != len(want) {
		t.Fatalf("%d frames delivered, want %d", len(got), len(want))
	}
	for i, f := range got {
		if !bytes.Equal(f, want[i]) {
			t.Errorf("delivered frame %d is %d bytes, want %d", i, len(f), len(want[i]))
		}
	}
	if s := n.Stats(); s.InFrames != 5 || s.InErrors != 6 || s.InDropped != 2 {
		t.Errorf("Stats %+v, want 5 frames, 6 errors, 2 dropped", s)
	}
	if got := w.held(); got != 8 {
		t.Errorf("device holds %d receive buffers, want all 8 back", got)
	}
}

func TestALengthBeyondTheBufferEndsTheNIC(t *testing.T) {
	w := newWire(t, bitMAC|bitEventIdx, nil)
	n := start(t, w, twoVectors, net.Config{RXBuffers: 8})
	w.push(frame(60, 1))
	eventually(t, "a frame", func() bool { return len(n.received()) >= 1 })
	w.pushRaw(append(make([]byte, hdrLen), frame(1514, 2)...), 1537)
	select {
	case err := <-n.rxDone:
		if !errors.Is(err, virtio.ErrDeviceBroken) {
			t.Errorf("Receive: %v, want ErrDeviceBroken", err)
		}
		n.rxDone <- err
	case <-timeout():
		t.Fatal("Receive did not end")
	}
	if len(n.received()) != 1 {
		t.Errorf("%d frames delivered, want only the first", len(n.received()))
	}
	if err := n.Send(frame(60, 3)); !errors.Is(err, virtio.ErrDeviceBroken) {
		t.Errorf("Send after: %v, want ErrDeviceBroken", err)
	}
	if s := w.Status(); s != 0 {
		t.Errorf("device_status %#x: the device was not reset", s)
	}
	rxErr, txErr := n.stop(t)
	if !errors.Is(rxErr, virtio.ErrDeviceBroken) || !errors.Is(txErr, virtio.ErrDeviceBroken) {
		t.Errorf("loops ended with %v and %v, want ErrDeviceBroken", rxErr, txErr)
	}
}

func TestABrokenDeviceEndsReceiveWithATypedError(t *testing.T) {
	for _, c := range []struct {
		name    string
		breakIt func(w *wire)
		want    error
	}{
		{"DEVICE_NEEDS_RESET", func(w *wire) { w.Break() }, net.ErrNeedsReset},
		{"a used id not in flight", func(w *wire) {
			w.Tamper(func(q int, id, _ *uint32) { *id = 300 })
			w.push(frame(60, 1))
		}, virtio.ErrDeviceBroken},
		// A device that jumps its index need not notify: a
		// configuration change wakes Receive to look.
		{"a used index that jumps", func(w *wire) { w.SetUsedIdx(0, 1000); w.SetDeviceConfig(6, []byte{1, 0}) }, virtio.ErrDeviceBroken},
	} {
		for _, m := range modes {
			t.Run(c.name+", "+m.name, func(t *testing.T) {
				w := newWire(t, bitMAC|bitEventIdx, func(o *virtiotest.Options) { o.MSIXVectors = m.msix })
				n := start(t, w, m, net.Config{RXBuffers: 8})
				c.breakIt(w)
				select {
				case err := <-n.rxDone:
					if !errors.Is(err, c.want) {
						t.Errorf("Receive: %v, want %v", err, c.want)
					}
					n.rxDone <- err
				case <-timeout():
					t.Fatal("Receive did not end")
				}
				if err := n.Send(frame(60, 2)); !errors.Is(err, c.want) {
					t.Errorf("Send: %v, want %v", err, c.want)
				}
				if s := w.Status(); s != 0 {
					t.Errorf("device_status %#x: the device was not reset", s)
				}
				n.stop(t)
			})
		}
	}
}

func TestABrokenTransmitQueueEndsTheNIC(t *testing.T) {
	w := newWire(t, bitMAC|bitEventIdx, nil)
	n := start(t, w, twoVectors, net.Config{})
	// A transmit buffer is device-readable only: no correct device
	// says it wrote to one.
	w.Tamper(func(q int, _, written *uint32) {
		if q == 1 {
			*written = 1
		}
	})
	if err := n.Send(frame(60, 1)); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	if err := n.Send(frame(60, 2)); !errors.Is(err, virtio.ErrDeviceBroken) {
		t.Fatalf("Send after the bad completion: %v, want ErrDeviceBroken", err)
	}
	if s := w.Status(); s != 0 {
		t.Errorf("device_status %#x: the device was not reset", s)
	}
	rxErr, txErr := n.stop(t)
	if !errors.Is(rxErr, virtio.ErrDeviceBroken) || !errors.Is(txErr, virtio.ErrDeviceBroken) {
		t.Errorf("loops ended with %v and %v, want ErrDeviceBroken", rxErr, txErr)
	}
}

func TestAFailedWaitEndsTheNIC(t *testing.T) {
	w := newWire(t, bitMAC, nil)
	d, err := w.Open()
	if err != nil {
		t.Fatal(err)
	}
	killed := errors.New("killed")
	n, err := net.New(d, net.Config{RXVector: 0, TXVector: 1, WaitRX: func() error { return killed }, WaitTX: func() error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Receive(func([]byte) {}); !errors.Is(err, killed) {
		t.Fatalf("Receive: %v, want the wait's error", err)
	}
	if err := n.Send(frame(60, 1)); !errors.Is(err, killed) {
		t.Errorf("Send: %v, want the wait's error", err)
	}
	if err := n.Reclaim(); !errors.Is(err, killed) {
		t.Errorf("Reclaim: %v, want the wait's error", err)
	}
	if s := w.Status(); s != 0 {
		t.Errorf("device_status %#x: the device was not reset", s)
	}
}

func TestCloseWakesWaitingSendsAndEndsTheLoops(t *testing.T) {
	w := newWire(t, bitMAC|bitEventIdx, nil)
	w.txBatch = 1 << 20 // transmit buffers never come back
	n := start(t, w, twoVectors, net.Config{TXBuffers: 2})
	for i := range 2 {
		if err := n.Send(frame(60, uint32(i))); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 3)
	for i := range 3 {
		go func() { errs <- n.Send(frame(60, uint32(10+i))) }()
	}
	eventually(t, "the transmit interrupt asked for", func() bool { return w.UsedEvent(1) == 0 })
	rxErr, txErr := n.stop(t)
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("waiting Send: %v, want ErrClosed", err)
			}
		case <-timeout():
			t.Fatal("a waiting Send did not return after Close")
		}
	}
	if !errors.Is(rxErr, net.ErrClosed) || !errors.Is(txErr, net.ErrClosed) {
		t.Errorf("loops ended with %v and %v, want ErrClosed", rxErr, txErr)
	}
	if s := n.Stats(); s.OutFrames != 2 || s.OutDropped != 3 {
		t.Errorf("Stats %+v, want 2 frames out and 3 dropped", s)
	}
	if s := w.Status(); s != 0 {
		t.Errorf("device_status %#x: the device was not reset", s)
	}
}

func TestReceiveAndReclaimRunOnceAtATime(t *testing.T) {
	w := newWire(t, bitMAC, nil)
	d, err := w.Open()
	if err != nil {
		t.Fatal(err)
	}
	rx, tx := w.IRQ(0), w.IRQ(1)
	n, err := net.New(d, net.Config{RXVector: 0, TXVector: 1, WaitRX: rx.Wait, WaitTX: tx.Wait})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan error, 4)
	for range 2 {
		go func() { results <- n.Receive(func([]byte) {}) }()
		go func() { results <- n.Reclaim() }()
	}
	// The second of each returns at once; the first runs until Close.
	for range 2 {
		select {
		case err := <-results:
			if !errors.Is(err, net.ErrBusy) {
				t.Errorf("a second loop returned %v, want ErrBusy", err)
			}
		case <-timeout():
			t.Fatal("a second loop did not return")
		}
	}
	n.Close()
	rx.Close()
	tx.Close()
	for range 2 {
		select {
		case err := <-results:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("a loop returned %v after Close, want ErrClosed", err)
			}
		case <-timeout():
			t.Fatal("a loop did not end after Close")
		}
	}
}
