package net_test

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"clk/drivers/virtio"
	"clk/drivers/virtio/net"
	"clk/drivers/virtio/virtiotest"
)

// Bits and sizes spelled out from the specification, so that a wrong
// constant in the package does not agree with itself.
const (
	bitMAC      = 1 << 5  // VIRTIO_NET_F_MAC (5.1.3)
	bitStatus   = 1 << 16 // VIRTIO_NET_F_STATUS
	bitEventIdx = 1 << 29 // VIRTIO_F_EVENT_IDX (6)
	bitVersion1 = 1 << 32 // VIRTIO_F_VERSION_1
	hdrLen      = 12      // struct virtio_net_hdr with VERSION_1 (5.1.6)
	minRXBuffer = 1526    // a header and a 1514-byte frame (5.1.6.3.1)
)

// deviceMAC is the address in the fake's configuration.
var deviceMAC = [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}

// wire is a fake virtio network device (5.1) on a virtiotest.Device: its
// configuration is struct virtio_net_config (5.1.4), mac at 0 and status
// at 6 with the link up. It holds each receive buffer the driver gives
// until a packet for it comes (push, pushRaw) and takes each frame the
// driver transmits, checking its header, echoing it back if echo is set,
// and holding its buffer, if txBatch is set, until that many are held.
type wire struct {
	*virtiotest.Device
	t *testing.T

	mu      sync.Mutex
	buffers []*virtiotest.Request // receive buffers given and not yet used, oldest first
	inbound []packet              // packets for the driver, waiting for a buffer
	sent    [][]byte              // frames the driver transmitted, without header
	echo    bool
	txBatch int                   // when not 0, transmit buffers are held until this many are
	heldTX  []*virtiotest.Request // transmit buffers held
	txBufs  map[*byte]bool        // the transmit buffers seen, by their first byte
}

// packet is what the device puts in a receive buffer: a header and a
// frame, and the length its used entry gives, if not their length.
type packet struct {
	data    []byte
	written uint32
	raw     bool
}

// newWire returns a fake network device offering VERSION_1 and features,
// with queues of 256 and MSI-X table entries 0 to 2, as mutate changes
// it; its driver-requirement breaches fail the test.
func newWire(t *testing.T, features uint64, mutate func(*virtiotest.Options)) *wire {
	t.Helper()
	w := makeWire(t, features, mutate)
	t.Cleanup(func() {
		for _, v := range w.Violations() {
			t.Errorf("driver requirement broken: %s", v)
		}
	})
	return w
}

// makeWire is newWire for a test that makes the device misbehave, after
// which the fake's record of the driver's breaches means nothing.
func makeWire(t *testing.T, features uint64, mutate func(*virtiotest.Options)) *wire {
	w := &wire{t: t, txBufs: map[*byte]bool{}}
	cfg := make([]byte, 12)
	copy(cfg, deviceMAC[:])
	binary.LittleEndian.PutUint16(cfg[6:], 1) // VIRTIO_NET_S_LINK_UP
	opts := virtiotest.Options{
		Type: 1, Features: bitVersion1 | features, QueueSizes: []uint16{256, 256},
		Config: cfg, MSIXVectors: 3, NotifyMultiplier: 4, Handler: w.serve,
	}
	if mutate != nil {
		mutate(&opts)
	}
	w.Device = virtiotest.New(opts)
	return w
}

func (w *wire) serve(r *virtiotest.Request) uint32 {
	switch r.Queue {
	case 0:
		// Without VIRTIO_NET_F_MRG_RXBUF a packet takes one buffer,
		// device-writable, of 1526 bytes at least (5.1.6.3).
		if len(r.Out) != 0 || r.Writable() < minRXBuffer {
			w.t.Errorf("receive buffer of %d readable and %d writable bytes", len(r.Readable()), r.Writable())
		}
		r.Hold()
		w.mu.Lock()
		defer w.mu.Unlock()
		w.buffers = append(w.buffers, r)
		w.flush()
	case 1:
		p := r.Readable()
		// The header is zero: no offloads, num_buffers 0 (5.1.6.2.1).
		if len(r.In) != 0 || len(p) < hdrLen+14 || len(p) > hdrLen+1514 || !zero(p[:hdrLen]) {
			w.t.Errorf("transmitted %d writable buffers, %d bytes, header % x", len(r.In), len(p), p[:min(len(p), hdrLen)])
			return 0
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		frame := p[hdrLen:]
		w.sent = append(w.sent, frame)
		w.txBufs[&r.Out[0][0]] = true
		if w.echo {
			w.inbound = append(w.inbound, packet{data: append(make([]byte, hdrLen), frame...)})
			w.flush()
		}
		if w.txBatch > 0 {
			r.Hold()
			w.heldTX = append(w.heldTX, r)
			if len(w.heldTX) >= w.txBatch {
				for _, h := range w.heldTX {
					w.Complete(h, 0)
				}
				w.heldTX = nil
			}
		}
	default:
		w.t.Errorf("request on queue %d: the driver uses receiveq1 and transmitq1 only", r.Queue)
	}
	return 0
}

func zero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// flush fills the oldest receive buffers with the oldest packets.
//
// Preconditions: w.mu is held.
func (w *wire) flush() {
	for len(w.buffers) > 0 && len(w.inbound) > 0 {
		r, p := w.buffers[0], w.inbound[0]
		w.buffers, w.inbound = w.buffers[1:], w.inbound[1:]
		n := r.Fill(p.data)
		if p.raw {
			n = p.written
		}
		w.Complete(r, n)
	}
}

// push sends frame to the driver behind a header of zeros and
// num_buffers 1.
func (w *wire) push(frame []byte) {
	hdr := make([]byte, hdrLen)
	hdr[10] = 1
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inbound = append(w.inbound, packet{data: append(hdr, frame...)})
	w.flush()
}

// pushRaw sends data, header and all, with a used length of written.
func (w *wire) pushRaw(data []byte, written uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inbound = append(w.inbound, packet{data: data, written: written, raw: true})
	w.flush()
}

func (w *wire) set(f func(w *wire)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w)
}

// held is the number of receive buffers the device holds.
func (w *wire) held() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.buffers)
}

func (w *wire) sentFrames() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.sent...)
}

// mode is how the device interrupts.
type mode struct {
	name   string
	msix   int
	rx, tx uint16
}

var (
	twoVectors = mode{"two MSI-X vectors", 3, 0, 1}
	oneVector  = mode{"one MSI-X vector", 3, 2, 2}
	intx       = mode{"INTx", 0, virtio.NoVector, virtio.NoVector}
	modes      = []mode{twoVectors, oneVector, intx}
)

// nic is a net.NIC on a wire with its Receive and Reclaim running, and
// the frames it delivered.
type nic struct {
	*net.NIC
	w    *wire
	irqs []*virtiotest.IRQ

	mu      sync.Mutex
	got     [][]byte
	deliver func(frame []byte) // besides keeping a copy, if not nil

	rxDone, txDone chan error
	stopped        bool
	rxErr, txErr   error
}

// start makes a NIC on w, interrupting as m says, and runs its loops.
// The test's end closes it and checks that the loops ended.
func start(t *testing.T, w *wire, m mode, cfg net.Config) *nic {
	t.Helper()
	d, err := w.Open()
	if err != nil {
		t.Fatal(err)
	}
	rx := w.IRQ(m.rx)
	n := &nic{w: w, irqs: []*virtiotest.IRQ{rx}, rxDone: make(chan error, 1), txDone: make(chan error, 1)}
	cfg.RXVector, cfg.TXVector, cfg.WaitRX = m.rx, m.tx, rx.Wait
	if m.tx != m.rx {
		tx := w.IRQ(m.tx)
		n.irqs = append(n.irqs, tx)
		cfg.WaitTX = tx.Wait
	}
	n.NIC, err = net.New(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		n.rxDone <- n.Receive(func(f []byte) {
			n.mu.Lock()
			n.got = append(n.got, append([]byte(nil), f...))
			deliver := n.deliver
			n.mu.Unlock()
			if deliver != nil {
				deliver(f)
			}
		})
	}()
	go func() { n.txDone <- n.Reclaim() }()
	t.Cleanup(func() {
		if !n.stopped {
			rxErr, txErr := n.stop(t)
			if !errors.Is(rxErr, net.ErrClosed) || !errors.Is(txErr, net.ErrClosed) {
				t.Errorf("loops ended with %v and %v, want ErrClosed", rxErr, txErr)
			}
		}
	})
	return n
}

// stop closes the NIC and its interrupt objects and returns what its
// loops returned.
func (n *nic) stop(t *testing.T) (rxErr, txErr error) {
	t.Helper()
	if n.stopped {
		return n.rxErr, n.txErr
	}
	n.stopped = true
	if err := n.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for _, q := range n.irqs {
		q.Close()
	}
	for _, c := range []struct {
		done chan error
		err  *error
	}{{n.rxDone, &n.rxErr}, {n.txDone, &n.txErr}} {
		select {
		case *c.err = <-c.done:
		case <-time.After(patience):
			t.Fatal("a loop did not end after Close")
		}
	}
	return n.rxErr, n.txErr
}

func (n *nic) received() [][]byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([][]byte(nil), n.got...)
}

// patience bounds every wait of the tests, generously: they run in QEMU
// too.
const patience = 60 * time.Second

// eventually waits until cond holds, failing the test after patience.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// frame makes an Ethernet frame of size bytes to the device's address,
// with an EtherType for local experiments (IEEE 802, 0x88b5) and tag in
// its first payload bytes, where there is room; cut short if size is
// below an Ethernet header.
func frame(size int, tag uint32) []byte {
	f := make([]byte, max(size, 14))
	copy(f, deviceMAC[:])
	copy(f[6:], []byte{0x02, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(f[12:], 0x88b5)
	for i := 14; i < size; i++ {
		f[i] = byte(i) ^ byte(tag)
	}
	if size >= 18 {
		binary.BigEndian.PutUint32(f[14:], tag)
	}
	return f[:size]
}

func tagOf(f []byte) uint32 { return binary.BigEndian.Uint32(f[14:]) }

// within runs f, failing the test if it does not return within
// patience.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
	case <-timeout():
		t.Fatalf("timed out waiting for %s", what)
	}
}

// timeout fires after patience.
func timeout() <-chan time.Time { return time.After(patience) }
