package virtiotest

import (
	"encoding/binary"
	"fmt"
	"sync"

	"clk/drivers/virtio"
)

// The fake is written from the specification with its offsets and bits
// spelled out here, not taken from package virtio's constants, so that a
// wrong offset in the package fails a test instead of agreeing with
// itself. Sections are of Virtual I/O Device (VIRTIO) Version 1.2.

// Options describe the device to fake.
type Options struct {
	// Type is the virtio device ID (5): 1 network, 2 block, 4 entropy.
	Type uint16
	// Transitional gives the function a transitional PCI device ID
	// (0x1000 to 0x103f) with the type in the subsystem device ID
	// (4.1.2.3), instead of 0x1040 plus the type.
	Transitional bool
	// Features are the feature bits offered. VIRTIO_F_VERSION_1 (bit
	// 32) is not added: a device without it is a legacy one.
	Features uint64
	// QueueSizes is each virtqueue's queue_size at reset: its maximum.
	QueueSizes []uint16
	// Config is the device-specific configuration's initial bytes; a
	// device with none has no VIRTIO_PCI_CAP_DEVICE_CFG capability.
	Config []byte
	// MSIXVectors is the MSI-X table size, and MSI-X is taken to be
	// enabled by the kernel; 0 means no MSI-X: notifications set the
	// ISR status and count as INTx interrupts.
	MSIXVectors int
	// NotifyMultiplier is notify_off_multiplier (4.1.4.4); queue i's
	// queue_notify_off is i. 0 puts every queue's notify at one address.
	NotifyMultiplier uint32
	// Handler serves each request the driver makes available and
	// returns the bytes it wrote, with which the device completes the
	// request, unless the handler held it (Request.Hold). Unless Defer
	// is set, the device serves a queue when the driver notifies it; a
	// nil Handler leaves requests for Take.
	Handler func(r *Request) (written uint32)
	// Defer makes notifications only counted: requests are served by
	// Serve, or taken by Take and completed by Complete, when the test
	// says, in the order it chooses.
	Defer bool
}

// Where the structures lie in BAR 4, the one memory BAR of the fake, as
// QEMU lays them out: each in its own 4 KiB.
const (
	fakeBAR      = 4
	barSize      = 0x4000
	commonAt     = 0x0000
	commonLength = 0x38 // through queue_device (4.1.4.3)
	isrAt        = 0x1000
	deviceAt     = 0x2000
	notifyAt     = 0x3000
	barAddr      = 0xfe00_0000
)

// Device is a virtio PCI function on the modern transport (4.1): its
// configuration space with the virtio structure capabilities, BAR 4 with
// the common configuration, ISR status, device-specific configuration
// and notification structures, and the memory its rings and buffers are
// in. It checks what the driver does against the specification's driver
// requirements and records each breach as a violation.
//
// It is safe for concurrent use: a driver may run in one goroutine and
// the test serve requests from another.
type Device struct {
	mu     sync.Mutex
	opts   Options
	memory *Memory
	space  [256]byte

	status       uint8
	devSelect    uint32
	drvSelect    uint32
	driverFeats  uint64
	configVector uint16
	generation   uint8
	changed      bool // the configuration changed since the driver last read it
	devcfg       []byte
	isr          uint8
	queueSelect  uint16
	queues       []*queue

	resetReads   int // reads of device_status still to show the old status
	resetDelay   int // what resetReads is set to on a reset
	churn        int // reads of config_generation still to show a new value
	refuse       func(uint64) bool
	refuseVector bool
	tamper       func(q int, id, length *uint32)

	interrupts map[uint16]int
	intx       int
	fired      *sync.Cond // an interrupt was sent, or an IRQ closed
	violations []string
}

// New returns a device as opts describe, in its reset state, with its
// own Memory.
func New(opts Options) *Device {
	d := &Device{
		opts:       opts,
		memory:     NewMemory(),
		devcfg:     append([]byte(nil), opts.Config...),
		interrupts: map[uint16]int{},
	}
	d.fired = sync.NewCond(&d.mu)
	for i, n := range opts.QueueSizes {
		d.queues = append(d.queues, &queue{index: i, max: n})
	}
	d.buildConfigSpace()
	d.reset()
	return d
}

// Memory is the memory the device reaches, the DMA allocator to give the
// driver.
func (d *Device) Memory() *Memory { return d.memory }

// Config is the function's configuration space, a virtio.ConfigSpace
// whose command register the driver may write.
func (d *Device) Config() *ConfigSpace { return &ConfigSpace{d: d} }

// BARs maps the function's BARs: BAR 4 holds the virtio structures; the
// others are absent.
func (d *Device) BARs() virtio.BARs { return bars{d: d} }

// Open is virtio.Open on the device.
func (d *Device) Open() (*virtio.Device, error) {
	return virtio.Open(d.Config(), d.BARs(), d.memory)
}

// transitionalID maps device types to transitional PCI device IDs
// (4.1.2.1).
var transitionalID = map[uint16]uint16{1: 0x1000, 2: 0x1001, 5: 0x1002, 3: 0x1003, 8: 0x1004, 4: 0x1005, 9: 0x1009}

// buildConfigSpace lays out the type 0 header (PCI Local Bus 3.0, 6.1):
// IDs at 0x00 and 0x02, command 0x04, status 0x06 with bit 4 for the
// capability list, revision 0x08, class 0x09-0x0b, BAR4 at 0x20 as a
// 64-bit memory BAR, subsystem IDs at 0x2c and 0x2e, capability pointer
// 0x34; then the capabilities from 0x40.
func (d *Device) buildConfigSpace() {
	s := &d.space
	le := binary.LittleEndian
	le.PutUint16(s[0x00:], 0x1af4)
	le.PutUint16(s[0x02:], 0x1040+d.opts.Type)
	s[0x08] = 1 // non-transitional devices have revision 1 or more (4.1.2.1)
	le.PutUint16(s[0x2e:], 0x1100)
	if d.opts.Transitional {
		le.PutUint16(s[0x02:], transitionalID[d.opts.Type])
		s[0x08] = 0
		le.PutUint16(s[0x2e:], d.opts.Type)
	}
	le.PutUint16(s[0x06:], 1<<4)
	s[0x0b], s[0x0a] = 0xff, 0x00
	le.PutUint32(s[0x20:], barAddr|0x4|0x8) // 64-bit (type 10b), prefetchable
	le.PutUint16(s[0x2c:], 0x1af4)

	// struct virtio_pci_cap (4.1.4): cap_vndr 0x09, cap_next, cap_len,
	// cfg_type, bar, id, padding[2], le32 offset, le32 length.
	type vcap struct {
		at      int
		cfgType uint8
		offset  uint32
		length  uint32
		extra   []byte
	}
	caps := []vcap{
		{0x40, 1, commonAt, commonLength, nil},
		{0x50, 3, isrAt, 1, nil},
	}
	if d.opts.Config != nil {
		caps = append(caps, vcap{0x60, 4, deviceAt, uint32(len(d.opts.Config)), nil})
	}
	caps = append(caps,
		vcap{0x70, 2, notifyAt, uint32(d.notifyLength()), le.AppendUint32(nil, d.opts.NotifyMultiplier)},
		// VIRTIO_PCI_CAP_PCI_CFG (4.1.4.9): bar, offset and length
		// are the driver's to write, with 4 bytes of data after.
		vcap{0x84, 5, 0, 0, make([]byte, 4)},
	)
	s[0x34] = uint8(caps[0].at)
	for i, c := range caps {
		s[c.at] = 0x09
		if i+1 < len(caps) {
			s[c.at+1] = uint8(caps[i+1].at)
		} else if d.opts.MSIXVectors > 0 {
			s[c.at+1] = 0x98
		}
		s[c.at+2] = uint8(16 + len(c.extra))
		s[c.at+3] = c.cfgType
		s[c.at+4] = fakeBAR
		le.PutUint32(s[c.at+8:], c.offset)
		le.PutUint32(s[c.at+12:], c.length)
		copy(s[c.at+16:], c.extra)
	}
	if d.opts.MSIXVectors > 0 {
		// MSI-X (PCI 6.8.2): ID 0x11, message control with the table
		// size - 1 and enable (bit 15), table and PBA in BAR 1.
		s[0x98] = 0x11
		le.PutUint16(s[0x9a:], uint16(d.opts.MSIXVectors-1)|1<<15)
		le.PutUint32(s[0x9c:], 0x0000|1)
		le.PutUint32(s[0xa0:], 0x0800|1)
	}
}

// notifyLength is the notification structure's length: at least 2, and
// queue_notify_off * notify_off_multiplier + 2 for every queue
// (4.1.4.4.1).
func (d *Device) notifyLength() int {
	n := 2
	if len(d.queues) > 0 {
		n = (len(d.queues)-1)*int(d.opts.NotifyMultiplier) + 2
	}
	return n
}

// SetConfig8 changes a byte of configuration space, to make it
// malformed.
func (d *Device) SetConfig8(off int, v uint8) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.space[off] = v
}

// SetConfig32 changes four bytes of configuration space.
func (d *Device) SetConfig32(off int, v uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	binary.LittleEndian.PutUint32(d.space[off:], v)
}

// ConfigSpace is the function's configuration space as the driver sees
// it: reads of the first 256 bytes, and writes to the command register.
type ConfigSpace struct{ d *Device }

func (c *ConfigSpace) read(off, n int) uint32 {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if off < 0 || off%n != 0 || off+n > len(c.d.space) {
		c.d.violate("configuration space read of %d bytes at %#x", n, off)
		return 0xffffffff >> (32 - 8*n)
	}
	var v uint32
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint32(c.d.space[off+i])
	}
	return v
}

// Read8 implements virtio.ConfigSpace.
func (c *ConfigSpace) Read8(off int) uint8 { return uint8(c.read(off, 1)) }

// Read16 implements virtio.ConfigSpace.
func (c *ConfigSpace) Read16(off int) uint16 { return uint16(c.read(off, 2)) }

// Read32 implements virtio.ConfigSpace.
func (c *ConfigSpace) Read32(off int) uint32 { return c.read(off, 4) }

// WriteCommand implements virtio.CommandWriter.
func (c *ConfigSpace) WriteCommand(v uint16) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	binary.LittleEndian.PutUint16(c.d.space[0x04:], v)
}

// Command is the command register (PCI 6.2.2): bit 1 memory decoding,
// bit 2 bus mastering.
func (d *Device) Command() uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return binary.LittleEndian.Uint16(d.space[0x04:])
}

type bars struct{ d *Device }

func (b bars) BAR(i int) (virtio.Registers, uint64, error) {
	if i != fakeBAR {
		return nil, 0, fmt.Errorf("virtiotest: BAR%d is not implemented", i)
	}
	return &Registers{d: b.d}, barSize, nil
}

// violate records a breach of a driver requirement.
//
// Preconditions: d.mu is held.
func (d *Device) violate(format string, args ...any) {
	d.violations = append(d.violations, fmt.Sprintf(format, args...))
}

// Violations are the driver requirements the driver broke, in order.
func (d *Device) Violations() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.violations...)
}
