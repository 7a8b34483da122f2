package virtio

import (
	"errors"
	"fmt"
	"math/bits"
)

// struct virtio_pci_common_cfg (4.1.4.3): byte offsets of its fields. The
// 64-bit queue addresses are written as two 32-bit halves, low first
// (4.1.3.1).
const (
	commonDeviceFeatureSelect = 0x00
	commonDeviceFeature       = 0x04
	commonDriverFeatureSelect = 0x08
	commonDriverFeature       = 0x0c
	commonConfigMSIXVector    = 0x10
	commonNumQueues           = 0x12
	commonDeviceStatus        = 0x14
	commonConfigGeneration    = 0x15
	commonQueueSelect         = 0x16
	commonQueueSize           = 0x18
	commonQueueMSIXVector     = 0x1a
	commonQueueEnable         = 0x1c
	commonQueueNotifyOff      = 0x1e
	commonQueueDesc           = 0x20
	commonQueueDriver         = 0x28
	commonQueueDevice         = 0x30
	commonLen                 = 0x38 // through queue_device
)

// Device status bits (2.1), in the order a driver sets them.
const (
	StatusAcknowledge uint8 = 1
	StatusDriver      uint8 = 2
	StatusFeaturesOK  uint8 = 8
	StatusDriverOK    uint8 = 4
	StatusNeedsReset  uint8 = 64
	StatusFailed      uint8 = 128
)

// ISR status bits (4.1.4.5).
const (
	ISRQueue  uint8 = 1 << 0 // a virtqueue was used
	ISRConfig uint8 = 1 << 1 // the device configuration changed
)

// NoVector, written as an MSI-X vector, maps the event to no vector
// (4.1.5.1.2); the device reads it back for a mapping it refused.
const NoVector uint16 = 0xffff

// maxVector is the highest MSI-X table entry (4.1.5.1.2).
const maxVector = 0x7ff

// resetPolls bounds the reads of device_status waiting for a reset to
// finish (4.1.4.3.2). QEMU resets within the write; the bound only keeps
// a broken device from hanging the driver.
const resetPolls = 1 << 20

// configTries bounds the reads of the device configuration that the
// generation count sends back to the start (2.5.1). A device changes it
// only when the configuration changed since the driver last read it, so
// it settles at once.
const configTries = 64

// phase is how far the initialization of 3.1.1 has come.
type phase uint8

const (
	phaseOpen     phase = iota // found; not negotiated, or reset since
	phaseFeatures              // FEATURES_OK accepted: queues may be set up
	phaseLive                  // DRIVER_OK set
	phaseFailed                // negotiation failed or the driver gave up: reset to start again
)

// Device is a virtio device on the modern PCI transport.
//
// A Device and its Queues are not safe for concurrent use: a driver calls
// them from one goroutine, or under its own lock.
type Device struct {
	typ       DeviceType
	common    window
	notify    window
	isr       window
	devcfg    window
	notifyMul uint64
	numQueues int
	dma       DMA

	phase    phase
	offered  uint64
	features uint64
	queues   []*Queue
	// rings keeps each queue's ring memory across resets: the DMA
	// interface cannot free it, so setting a queue up again reuses it.
	rings []ringMemory
}

type ringMemory struct {
	b    []byte
	phys uint64
}

// Open finds the virtio device behind cfg and bars: its type (4.1.2) and
// its common configuration, notification, ISR and device-specific
// configuration structures (4.1.4), each the first the device lists that
// is well formed and lies inside its BAR. It writes nothing to the device
// but the command register, when cfg is a CommandWriter and memory
// decoding or bus mastering is off. Rings are allocated from dma when
// queues are set up.
//
// Then the driver calls Negotiate, sets its queues up with SetupQueue,
// and calls Ready.
func Open(cfg ConfigSpace, bars BARs, dma DMA) (*Device, error) {
	t, err := Identify(cfg)
	if err != nil {
		return nil, err
	}
	caps, err := virtioCaps(cfg)
	if err != nil {
		return nil, fmt.Errorf("%v device: %w", t, err)
	}
	if len(caps) == 0 {
		return nil, fmt.Errorf("%v device has no virtio structure capabilities: %w", t, ErrLegacyOnly)
	}
	m := &mapper{bars: bars}
	d := &Device{typ: t, dma: dma}
	var notify capability
	if d.common, _, err = m.pick(caps, cfgCommon); err != nil {
		if errors.Is(err, errNoStructure) {
			return nil, fmt.Errorf("%v device: %w, which every modern device has (4.1.4.3.1): %w", t, err, ErrLegacyOnly)
		}
		return nil, fmt.Errorf("%v device: %w", t, err)
	}
	if d.notify, notify, err = m.pick(caps, cfgNotify); err != nil {
		return nil, fmt.Errorf("%v device: %w", t, wrapMissing(err))
	}
	d.notifyMul = uint64(notify.multiplier)
	if d.isr, _, err = m.pick(caps, cfgISR); err != nil {
		return nil, fmt.Errorf("%v device: %w", t, wrapMissing(err))
	}
	// Device types without a device-specific configuration have no such
	// structure (4.1.4.6); one that is there must be usable.
	if d.devcfg, _, err = m.pick(caps, cfgDevice); err != nil && !errors.Is(err, errNoStructure) {
		return nil, fmt.Errorf("%v device: %w", t, err)
	}
	d.numQueues = int(d.common.Read16(commonNumQueues))
	d.queues = make([]*Queue, d.numQueues)
	d.rings = make([]ringMemory, d.numQueues)
	if w, ok := cfg.(CommandWriter); ok {
		if cmd := cfg.Read16(pciRegCommand); cmd&(pciCmdMemory|pciCmdMaster) != pciCmdMemory|pciCmdMaster {
			w.WriteCommand(cmd | pciCmdMemory | pciCmdMaster)
		}
	}
	return d, nil
}

// wrapMissing makes the absence of a structure every device must present
// (4.1.4.4.1, 4.1.4.5.1) a malformed device.
func wrapMissing(err error) error {
	if errors.Is(err, errNoStructure) {
		return fmt.Errorf("%w: %w", err, ErrMalformed)
	}
	return err
}

// Type is the device type.
func (d *Device) Type() DeviceType { return d.typ }

// DMA is the allocator the device was opened with, for the buffers of
// the driver's requests.
func (d *Device) DMA() DMA { return d.dma }

// NumQueues is the number of virtqueues the device has (num_queues).
func (d *Device) NumQueues() int { return d.numQueues }

// Offered is the feature bits the device offered at the last Negotiate
// (the first 64).
func (d *Device) Offered() uint64 { return d.offered }

// Features is the feature bits negotiated: those the device accepted with
// FEATURES_OK. It is 0 before Negotiate succeeds.
func (d *Device) Features() uint64 { return d.features }

// Status reads device_status (2.1).
func (d *Device) Status() uint8 { return d.common.Read8(commonDeviceStatus) }

// NeedsReset reports whether the device has set DEVICE_NEEDS_RESET: it
// met an error it cannot recover from, and requests in flight may or may
// not complete (2.1.1). The driver resets it and initializes it again.
func (d *Device) NeedsReset() bool { return d.Status()&StatusNeedsReset != 0 }

// ISR reads the ISR status (4.1.4.5), which acknowledges an INTx
// interrupt: the read clears it and deasserts the line. A driver using
// INTx or a single MSI without MSI-X reads it on each interrupt and
// reaps its queues if ISRQueue is set, rereads the configuration if
// ISRConfig is; with MSI-X it should not read it (4.1.4.5.2).
func (d *Device) ISR() uint8 { return d.isr.Read8(0) }

// DeviceConfig is the device-specific configuration structure (5.x.4 of
// each device type): reads and writes at offsets from its start. Accesses
// beyond DeviceConfigLen read as all ones and are dropped; a device
// without the structure has length 0. Reads of more than one 32-bit field
// belong in ReadConfig.
func (d *Device) DeviceConfig() Registers { return d.devcfg }

// DeviceConfigLen is the length of the device-specific configuration.
func (d *Device) DeviceConfigLen() int { return int(d.devcfg.size) }

// ReadConfig calls read with the device-specific configuration until the
// configuration generation is the same before and after (2.5.1), so that
// what read gathers across fields, or the halves of a 64-bit field, is
// one version of the configuration. It gives up with ErrConfigUnstable
// after a bounded number of tries.
func (d *Device) ReadConfig(read func(cfg Registers)) error {
	for range configTries {
		before := d.common.Read8(commonConfigGeneration)
		read(d.devcfg)
		if d.common.Read8(commonConfigGeneration) == before {
			return nil
		}
	}
	return fmt.Errorf("%v device: %d reads: %w", d.typ, configTries, ErrConfigUnstable)
}

// Negotiate runs steps 1 to 6 of the initialization (3.1.1): it resets the
// device, sets ACKNOWLEDGE and DRIVER, reads the features the device
// offers and accepts those of supported that it offers, with
// VIRTIO_F_VERSION_1 (required: ErrLegacyOnly without it) and the
// platform features of FeatureAccessPlatform and FeatureOrderPlatform.
// supported holds device-type bits (DeviceFeatures) and, to have
// used_event and avail_event suppress notifications, FeatureEventIdx.
// Then it sets FEATURES_OK and reads it back: a device that clears it
// refuses that set of features (ErrFeaturesRefused).
//
// On an error the device is left with FAILED set; Negotiate may be called
// again, with fewer features, since it starts with a reset. Queues set up
// before are stopped.
func (d *Device) Negotiate(supported uint64) error {
	if err := d.Reset(); err != nil {
		return err
	}
	d.setStatus(StatusAcknowledge)
	d.setStatus(StatusDriver)
	d.common.Write32(commonDeviceFeatureSelect, 0)
	lo := d.common.Read32(commonDeviceFeature)
	d.common.Write32(commonDeviceFeatureSelect, 1)
	hi := d.common.Read32(commonDeviceFeature)
	d.offered = uint64(hi)<<32 | uint64(lo)
	if d.offered&FeatureVersion1 == 0 {
		d.Fail()
		return fmt.Errorf("%v device offers features %#x without VIRTIO_F_VERSION_1: %w", d.typ, d.offered, ErrLegacyOnly)
	}
	accept := acceptable(supported, d.offered)
	d.common.Write32(commonDriverFeatureSelect, 0)
	d.common.Write32(commonDriverFeature, uint32(accept))
	d.common.Write32(commonDriverFeatureSelect, 1)
	d.common.Write32(commonDriverFeature, uint32(accept>>32))
	d.setStatus(StatusFeaturesOK)
	if d.Status()&StatusFeaturesOK == 0 {
		d.Fail()
		return fmt.Errorf("%v device: features %#x of %#x offered: %w", d.typ, accept, d.offered, ErrFeaturesRefused)
	}
	d.features = accept
	d.phase = phaseFeatures
	return nil
}

// Ready sets DRIVER_OK (3.1.1 step 8): the device is live and may use the
// buffers of the queues set up. Queues may be notified from now on.
func (d *Device) Ready() error {
	if d.phase != phaseFeatures {
		return fmt.Errorf("%v device: DRIVER_OK before FEATURES_OK or twice: %w", d.typ, ErrState)
	}
	d.setStatus(StatusDriverOK)
	d.phase = phaseLive
	for _, q := range d.queues {
		if q != nil {
			if err := q.Notify(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Reset resets the device: it writes 0 to device_status and waits, a
// bounded number of reads, for it to read 0 (4.1.4.3.2). Every queue is
// stopped and every feature forgotten; the driver starts again with
// Negotiate. The ring memory is kept for the queues' next setup.
func (d *Device) Reset() error {
	d.common.Write8(commonDeviceStatus, 0)
	d.stopQueues()
	d.features = 0
	d.phase = phaseOpen
	for range resetPolls {
		if d.Status() == 0 {
			return nil
		}
	}
	d.phase = phaseFailed
	return fmt.Errorf("%v device: device_status still %#x after %d reads: %w", d.typ, d.Status(), resetPolls, ErrResetTimeout)
}

// Fail sets FAILED: the driver has given up on the device (3.1.1). Its
// queues stop; only a Reset or a Negotiate brings it back.
func (d *Device) Fail() {
	d.setStatus(StatusFailed)
	d.stopQueues()
	d.phase = phaseFailed
}

func (d *Device) setStatus(bit uint8) {
	// Set bits are never cleared (2.1.1): write back what reads.
	d.common.Write8(commonDeviceStatus, d.Status()|bit)
}

func (d *Device) stopQueues() {
	for i, q := range d.queues {
		if q != nil {
			q.stop()
			d.queues[i] = nil
		}
	}
}

// SetConfigVector maps configuration change notifications to MSI-X table
// entry v, or unmaps them with NoVector, and checks that the device
// accepted the mapping (4.1.5.1.2). The kernel programs table entry v; the
// driver waits on the interrupt object it gave for v. It is called after
// Negotiate, whose reset unmaps every vector.
func (d *Device) SetConfigVector(v uint16) error {
	if d.phase != phaseFeatures && d.phase != phaseLive {
		return fmt.Errorf("%v device: configuration vector set before features are negotiated: %w", d.typ, ErrState)
	}
	if v > maxVector && v != NoVector {
		return fmt.Errorf("%v device: configuration vector %#x: %w", d.typ, v, ErrInvalid)
	}
	d.common.Write16(commonConfigMSIXVector, v)
	if got := d.common.Read16(commonConfigMSIXVector); got != v {
		return fmt.Errorf("%v device: configuration vector %#x reads back %#x: %w", d.typ, v, got, ErrVectorRefused)
	}
	return nil
}

// Queue is virtqueue i if it is set up, or nil.
func (d *Device) Queue(i int) *Queue {
	if i < 0 || i >= len(d.queues) {
		return nil
	}
	return d.queues[i]
}

// SetupQueue sets up virtqueue index (4.1.5.1.3) between Negotiate and
// Ready: it takes the smaller of size and the device's queue_size,
// rounded down to a power of two, allocates and zeroes the rings, maps the
// queue's used buffer notifications to MSI-X table entry vector (or to
// none with NoVector, for a driver using INTx) and checks the device took
// it, and enables the queue. A queue has at least 2 entries.
func (d *Device) SetupQueue(index, size int, vector uint16) (*Queue, error) {
	if d.phase != phaseFeatures {
		return nil, fmt.Errorf("%v device: queue %d set up outside feature negotiation and DRIVER_OK: %w", d.typ, index, ErrState)
	}
	if index < 0 || index >= d.numQueues {
		return nil, fmt.Errorf("%v device: queue %d of %d: %w", d.typ, index, d.numQueues, ErrNoQueue)
	}
	if d.queues[index] != nil {
		return nil, fmt.Errorf("%v device: queue %d set up twice: %w", d.typ, index, ErrState)
	}
	if size < minQueueSize {
		return nil, fmt.Errorf("%v device: queue %d of size %d: %w", d.typ, index, size, ErrInvalid)
	}
	if vector > maxVector && vector != NoVector {
		return nil, fmt.Errorf("%v device: queue %d vector %#x: %w", d.typ, index, vector, ErrInvalid)
	}
	d.common.Write16(commonQueueSelect, uint16(index))
	max := int(d.common.Read16(commonQueueSize))
	switch {
	case max == 0:
		return nil, fmt.Errorf("%v device: queue %d has size 0: %w", d.typ, index, ErrNoQueue)
	case max&(max-1) != 0:
		return nil, fmt.Errorf("%v device: queue %d size %d is not a power of two: %w", d.typ, index, max, ErrMalformed)
	case max < minQueueSize:
		return nil, fmt.Errorf("%v device: queue %d of %d entry is below the package's %d: %w", d.typ, index, max, minQueueSize, ErrNoQueue)
	}
	n := 1 << (bits.Len(uint(min(size, max))) - 1)
	if n != max {
		d.common.Write16(commonQueueSize, uint16(n))
	}
	lay := layoutFor(n)
	mem, err := d.ringMemory(index, lay.size)
	if err != nil {
		return nil, fmt.Errorf("%v device: queue %d: %w", d.typ, index, err)
	}
	d.common.Write16(commonQueueMSIXVector, vector)
	if got := d.common.Read16(commonQueueMSIXVector); got != vector {
		return nil, fmt.Errorf("%v device: queue %d vector %#x reads back %#x: %w", d.typ, index, vector, got, ErrVectorRefused)
	}
	notifyOff := uint64(d.common.Read16(commonQueueNotifyOff)) * d.notifyMul
	if notifyOff+2 > uint64(d.notify.size) {
		return nil, fmt.Errorf("%v device: queue %d notifies at %#x, past the notification structure's %d bytes: %w", d.typ, index, notifyOff, d.notify.size, ErrMalformed)
	}
	d.write64(commonQueueDesc, mem.phys+uint64(lay.desc))
	d.write64(commonQueueDriver, mem.phys+uint64(lay.avail))
	d.write64(commonQueueDevice, mem.phys+uint64(lay.used))
	d.common.Write16(commonQueueEnable, 1)
	q := newQueue(d, uint16(index), n, lay, mem.b, d.notify, uintptr(notifyOff), d.features&FeatureEventIdx != 0)
	d.queues[index] = q
	return q, nil
}

func (d *Device) write64(off uintptr, v uint64) {
	d.common.Write32(off, uint32(v))
	d.common.Write32(off+4, uint32(v>>32))
}

// ringMemory returns zeroed DMA memory of n bytes for queue i, reusing
// what an earlier setup of the queue allocated when it is large enough.
// The rings need the descriptor table 16-byte aligned (2.7) and the
// package's atomic ring accesses need 4-byte alignment in both views.
func (d *Device) ringMemory(i, n int) (ringMemory, error) {
	if m := d.rings[i]; len(m.b) >= n {
		clear(m.b)
		return m, nil
	}
	if d.dma == nil {
		return ringMemory{}, fmt.Errorf("no DMA allocator: %w", ErrDMA)
	}
	b, phys, err := d.dma.Alloc(n)
	if err != nil {
		return ringMemory{}, fmt.Errorf("allocate %d bytes of rings: %w", n, err)
	}
	if len(b) < n || phys%16 != 0 || !aligned4(b) || phys+uint64(n) < phys {
		return ringMemory{}, fmt.Errorf("%d bytes at bus address %#x for %d bytes of rings: %w", len(b), phys, n, ErrDMA)
	}
	clear(b[:n])
	d.rings[i] = ringMemory{b: b, phys: phys}
	return d.rings[i], nil
}
