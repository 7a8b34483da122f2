package net

import (
	"errors"
	"fmt"
	"sync/atomic"

	"clk/drivers/virtio"
)

// Ethernet frames as the NIC sends and delivers them: destination and
// source addresses and the EtherType, then the payload, without the frame
// check sequence, which the device adds and strips. Frames are not padded
// to Ethernet's 60 bytes: the device pads what it sends on the wire.
const (
	MinFrame = 14   // the Ethernet header alone
	MaxFrame = 1514 // the header and 1500 bytes of payload (5.1.6.3)
)

// Feature bits of the network device (5.1.3) the package negotiates.
// Offloads (checksums, segmentation), merged receive buffers, the control
// queue and multiqueue are not negotiated: frames go through the queues
// whole and fully checksummed.
const (
	FeatureMAC    uint64 = 1 << 5  // mac holds the device's address
	FeatureStatus uint64 = 1 << 16 // status holds the link state
)

// struct virtio_net_config (5.1.4): byte offsets of its fields, and the
// status bit the package reads.
const (
	cfgMAC       = 0 // u8 mac[6]
	cfgStatus    = 6 // le16, with VIRTIO_NET_F_STATUS
	statusLinkUp = 1
)

// struct virtio_net_hdr (5.1.6): u8 flags, u8 gso_type, le16 hdr_len,
// le16 gso_size, le16 csum_start, le16 csum_offset, le16 num_buffers. With
// VIRTIO_F_VERSION_1 it is 12 bytes whether or not VIRTIO_NET_F_MRG_RXBUF
// is negotiated (5.1.6.1). It precedes every frame in both queues.
const (
	hdrSize       = 12
	hdrFlags      = 0
	hdrGSOType    = 1
	flagNeedsCsum = 1 // VIRTIO_NET_HDR_F_NEEDS_CSUM
	gsoNone       = 0 // VIRTIO_NET_HDR_GSO_NONE
)

// Virtqueues of a device without VIRTIO_NET_F_MQ (5.1.2).
const (
	queueRX = 0 // receiveq1
	queueTX = 1 // transmitq1
)

// bufSize is the stride of the receive and transmit buffers in their DMA
// areas: a header and the largest frame make 1526 bytes, the least a
// receive buffer should hold (5.1.6.3.1), rounded up to whole cache lines.
// Receive buffers are posted whole, so a frame a little over MaxFrame (one
// with an 802.1Q tag) is seen and dropped, not taken for a broken device.
const bufSize = 1536

// Buffer counts when Config leaves them 0.
const (
	defaultRXBuffers = 128
	defaultTXBuffers = 64
)

// The causes of the package's errors, for errors.Is. Errors of the queues
// and of the Waits are wrapped as they come: a device that breaks a
// queue's protocol ends the NIC with an error wrapping
// virtio.ErrDeviceBroken.
var (
	// ErrNotNet: New was given a device of another type.
	ErrNotNet = errors.New("net: not a network device")
	// ErrNoWait: New was given no Config.WaitRX, or no Config.WaitTX
	// for a transmit queue on a vector of its own.
	ErrNoWait = errors.New("net: no way to wait for interrupts")
	// ErrFrameSize: Send was given fewer than MinFrame or more than
	// MaxFrame bytes; nothing was sent.
	ErrFrameSize = errors.New("net: frame size out of range")
	// ErrNeedsReset: the device set DEVICE_NEEDS_RESET (2.1.2).
	ErrNeedsReset = errors.New("net: device needs a reset")
	// ErrClosed: Close was called.
	ErrClosed = errors.New("net: NIC closed")
	// ErrBusy: Receive, or Reclaim, was called while another call of it
	// runs.
	ErrBusy = errors.New("net: loop already running")
)

// Config is how the NIC takes interrupts and how many buffers it keeps.
type Config struct {
	// RXVector and TXVector are the MSI-X table entries the kernel
	// programmed for the receive and transmit queues. The same entry
	// for both makes one interrupt for the two; virtio.NoVector for
	// both means the device interrupts through INTx (or a single MSI),
	// and the NIC reads the ISR status after each wait to acknowledge
	// it (4.1.5.5). Configuration changes interrupt on RXVector.
	RXVector, TXVector uint16
	// WaitRX and WaitTX block until the device interrupts on RXVector
	// and TXVector, and return at once if it did since their previous
	// return. When the vectors are the same WaitTX is not used. An error
	// ends the NIC.
	WaitRX, WaitTX func() error
	// RXBuffers and TXBuffers are the receive buffers kept in the device
	// and the frames that may be in flight to it; each is a queue size
	// to ask for, rounded down to a power of two and to what the device
	// offers. 0 asks for 128 and 64.
	RXBuffers, TXBuffers int
	// MACSeed is the address to use, made locally administered and
	// unicast, when the device gives none (no VIRTIO_NET_F_MAC).
	MACSeed [6]byte
}

// Stats counts the frames through the NIC. Each count only grows.
type Stats struct {
	// InFrames and InBytes: frames delivered, and their bytes.
	InFrames, InBytes uint64
	// InErrors: buffers the device returned that hold no frame: shorter
	// than a header and an Ethernet header, or with a header asking for
	// offloads that were not negotiated.
	InErrors uint64
	// InDropped: frames received but longer than MaxFrame.
	InDropped uint64
	// OutFrames and OutBytes: frames handed to the device, and their
	// bytes.
	OutFrames, OutBytes uint64
	// OutErrors: frames Send refused for their size.
	OutErrors uint64
	// OutDropped: frames Send could not hand over because the NIC ended.
	OutDropped uint64
}

// NIC is a virtio network device. See the package documentation for the
// goroutines a driver runs and the locks.
type NIC struct {
	dev       *virtio.Device
	mac       [6]byte
	hasStatus bool
	rxIRQ     *interrupt
	txIRQ     *interrupt // rxIRQ when the queues share a vector

	rx receiver
	tx transmitter

	// err ends the NIC. It is written with rx.mu and tx.mu both held,
	// and read with either.
	err      error
	resetErr error // the reset that ended the NIC failed

	in, inBytes, inErrors, inDropped     atomic.Uint64
	out, outBytes, outErrors, outDropped atomic.Uint64
}

// New initializes the network device d (3.1.1, 5.1.5): features, the MAC
// address, the receive and transmit queues, the receive queue filled
// with buffers, DRIVER_OK. The NIC then waits for the driver to run
// Receive and Reclaim.
func New(d *virtio.Device, cfg Config) (*NIC, error) {
	if d.Type() != virtio.TypeNet {
		return nil, fmt.Errorf("%v device: %w", d.Type(), ErrNotNet)
	}
	shared := cfg.RXVector == cfg.TXVector
	if cfg.WaitRX == nil || !shared && cfg.WaitTX == nil {
		return nil, ErrNoWait
	}
	// A function interrupts through MSI-X or through INTx, never both.
	if !shared && (cfg.RXVector == virtio.NoVector || cfg.TXVector == virtio.NoVector) {
		return nil, fmt.Errorf("net: vectors %#x and %#x mix INTx and MSI-X: %w", cfg.RXVector, cfg.TXVector, virtio.ErrInvalid)
	}
	if cfg.RXBuffers == 0 {
		cfg.RXBuffers = defaultRXBuffers
	}
	if cfg.TXBuffers == 0 {
		cfg.TXBuffers = defaultTXBuffers
	}
	if err := d.Negotiate(FeatureMAC | FeatureStatus | virtio.FeatureEventIdx); err != nil {
		return nil, fmt.Errorf("net: %w", err)
	}
	n := &NIC{dev: d}
	if err := n.readConfig(cfg.MACSeed); err != nil {
		d.Fail()
		return nil, err
	}
	if err := n.setup(cfg); err != nil {
		d.Fail()
		return nil, fmt.Errorf("net: %w", err)
	}
	if err := d.Ready(); err != nil {
		return nil, fmt.Errorf("net: %w", err)
	}
	var ack func()
	if cfg.RXVector == virtio.NoVector {
		ack = func() { d.ISR() }
	}
	n.rxIRQ = newInterrupt(cfg.WaitRX, ack)
	n.txIRQ = n.rxIRQ
	if !shared {
		n.txIRQ = newInterrupt(cfg.WaitTX, nil)
	}
	return n, nil
}

// readConfig takes the MAC address from the device configuration, read
// in one generation (2.5.1), or makes it from seed.
func (n *NIC) readConfig(seed [6]byte) error {
	f := n.dev.Features()
	n.hasStatus = f&FeatureStatus != 0
	need := 0
	if f&FeatureMAC != 0 {
		need = cfgMAC + 6
	}
	if n.hasStatus {
		need = cfgStatus + 2
	}
	if got := n.dev.DeviceConfigLen(); got < need {
		return fmt.Errorf("net: device configuration of %d bytes, features %#x need %d: %w", got, f, need, virtio.ErrMalformed)
	}
	if f&FeatureMAC == 0 {
		// A locally administered (bit 1), unicast (bit 0 clear)
		// address, as 5.1.4.2 asks of a driver without the feature
		// (IEEE 802, 9.2).
		n.mac = seed
		n.mac[0] = n.mac[0]&^1 | 2
		return nil
	}
	err := n.dev.ReadConfig(func(r virtio.Registers) {
		for i := range n.mac {
			n.mac[i] = r.Read8(uintptr(cfgMAC + i))
		}
	})
	if err != nil {
		return fmt.Errorf("net: %w", err)
	}
	// The driver must use the device's address (5.1.4.2); one that
	// cannot be a station's is a broken configuration, not an address.
	if n.mac[0]&1 != 0 || n.mac == [6]byte{} {
		return fmt.Errorf("net: device MAC address %x is not a unicast address: %w", n.mac[:], virtio.ErrMalformed)
	}
	return nil
}

// setup sets the two queues up, maps configuration changes to the receive
// queue's vector, and fills the receive queue.
func (n *NIC) setup(cfg Config) error {
	rxq, err := n.dev.SetupQueue(queueRX, cfg.RXBuffers, cfg.RXVector)
	if err != nil {
		return err
	}
	txq, err := n.dev.SetupQueue(queueTX, cfg.TXBuffers, cfg.TXVector)
	if err != nil {
		return err
	}
	if err := n.dev.SetConfigVector(cfg.RXVector); err != nil {
		return err
	}
	rxMem, rxPhys, err := n.alloc(rxq.Size())
	if err != nil {
		return err
	}
	txMem, txPhys, err := n.alloc(txq.Size())
	if err != nil {
		return err
	}
	n.rx.init(rxq, rxMem, rxPhys)
	n.tx.init(txq, txMem, txPhys)
	for i := range rxq.Size() {
		if err := n.rx.post(i); err != nil {
			return err
		}
	}
	// Transmit completions are reaped by the next Send; an interrupt is
	// wanted only while a Send waits for a buffer (5.1.6.2.3).
	txq.DisableInterrupts()
	return nil
}

// alloc allocates count buffers of DMA memory in one piece.
func (n *NIC) alloc(count int) ([]byte, uint64, error) {
	size := count * bufSize
	b, phys, err := n.dev.DMA().Alloc(size)
	if err != nil || len(b) < size || phys+uint64(size) < phys {
		return nil, 0, fmt.Errorf("allocate %d buffers of %d bytes, got %d: %w", count, bufSize, len(b), errors.Join(err, virtio.ErrDMA))
	}
	return b[:size], phys, nil
}

// MAC is the NIC's Ethernet address: the device's, or the one made from
// Config.MACSeed.
func (n *NIC) MAC() [6]byte { return n.mac }

// MTU is the largest payload of a frame: 1500 bytes.
func (n *NIC) MTU() int { return MaxFrame - MinFrame }

// LinkUp reports whether the link is up: the device's status with
// VIRTIO_NET_F_STATUS, else always, as a driver without the feature
// assumes (5.1.4.2). It reads the device at each call.
func (n *NIC) LinkUp() bool {
	if !n.hasStatus {
		return true
	}
	// One 16-bit field: no generation to check (2.5.1).
	return n.dev.DeviceConfig().Read16(cfgStatus)&statusLinkUp != 0
}

// Stats returns the NIC's counts.
func (n *NIC) Stats() Stats {
	return Stats{
		InFrames: n.in.Load(), InBytes: n.inBytes.Load(),
		InErrors: n.inErrors.Load(), InDropped: n.inDropped.Load(),
		OutFrames: n.out.Load(), OutBytes: n.outBytes.Load(),
		OutErrors: n.outErrors.Load(), OutDropped: n.outDropped.Load(),
	}
}

// Close ends the NIC: the device is reset, so that it uses no buffer any
// more, and every Send, and every Receive or Reclaim not inside a Wait,
// returns ErrClosed. A loop inside Config.WaitRX or WaitTX returns when
// that Wait does: the reset device sends no more interrupts, so the
// driver ends its Waits itself, by closing its interrupt objects. Close
// returns an error only if the device did not finish its reset.
func (n *NIC) Close() error {
	n.end(ErrClosed)
	n.rx.mu.Lock()
	defer n.rx.mu.Unlock()
	return n.resetErr
}

// end ends the NIC with err, unless it has ended already, and returns the
// error it ended with. The device is reset, so that it neither reads nor
// writes a buffer any more and its queues refuse use, and every goroutine
// waiting in the NIC is woken to find the error.
//
// Preconditions: neither rx.mu nor tx.mu is held.
func (n *NIC) end(err error) error {
	n.rx.mu.Lock()
	n.tx.mu.Lock()
	if n.err == nil {
		n.err = err
		if rerr := n.dev.Reset(); rerr != nil {
			n.resetErr = fmt.Errorf("net: %w", rerr)
		}
	}
	err = n.err
	n.tx.room.Broadcast()
	n.tx.wanted.Broadcast()
	n.tx.mu.Unlock()
	n.rx.mu.Unlock()
	n.rxIRQ.stop(err)
	n.txIRQ.stop(err)
	return err
}
