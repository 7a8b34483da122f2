package virtiotest

import "encoding/binary"

// Registers is BAR 4 as the driver sees it: the common configuration,
// ISR status, device-specific configuration and notification structures
// at the offsets of the capabilities. Accesses outside them, or of the
// wrong width for the field (4.1.3.1), are violations.
type Registers struct{ d *Device }

// Read8 implements virtio.Registers.
func (r *Registers) Read8(off uintptr) uint8 { return uint8(r.d.read(off, 1)) }

// Read16 implements virtio.Registers.
func (r *Registers) Read16(off uintptr) uint16 { return uint16(r.d.read(off, 2)) }

// Read32 implements virtio.Registers.
func (r *Registers) Read32(off uintptr) uint32 { return r.d.read(off, 4) }

// Write8 implements virtio.Registers.
func (r *Registers) Write8(off uintptr, v uint8) { r.d.write(off, 1, uint32(v)) }

// Write16 implements virtio.Registers.
func (r *Registers) Write16(off uintptr, v uint16) { r.d.write(off, 2, uint32(v)) }

// Write32 implements virtio.Registers.
func (r *Registers) Write32(off uintptr, v uint32) { r.d.write(off, 4, v) }

// commonField is a field of struct virtio_pci_common_cfg (4.1.4.3): its
// offset, width in bytes (a 64-bit field is two 32-bit ones, 4.1.3.1)
// and whether the driver may write it (4.1.4.3.2).
type commonField struct {
	name     string
	width    int
	writable bool
}

var commonFields = map[uintptr]commonField{
	0x00: {"device_feature_select", 4, true},
	0x04: {"device_feature", 4, false},
	0x08: {"driver_feature_select", 4, true},
	0x0c: {"driver_feature", 4, true},
	0x10: {"config_msix_vector", 2, true},
	0x12: {"num_queues", 2, false},
	0x14: {"device_status", 1, true},
	0x15: {"config_generation", 1, false},
	0x16: {"queue_select", 2, true},
	0x18: {"queue_size", 2, true},
	0x1a: {"queue_msix_vector", 2, true},
	0x1c: {"queue_enable", 2, true},
	0x1e: {"queue_notify_off", 2, false},
	0x20: {"queue_desc", 4, true},
	0x24: {"queue_desc high", 4, true},
	0x28: {"queue_driver", 4, true},
	0x2c: {"queue_driver high", 4, true},
	0x30: {"queue_device", 4, true},
	0x34: {"queue_device high", 4, true},
}

// Device status bits (2.1).
const (
	acknowledge = 1
	driver      = 2
	driverOK    = 4
	featuresOK  = 8
	needsReset  = 64
	failed      = 128
)

const (
	noVector = 0xffff // VIRTIO_MSI_NO_VECTOR (4.1.5.1.2)
	version1 = 1 << 32
	eventIdx = 1 << 29
)

func (d *Device) read(off uintptr, n int) uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case off < commonAt+commonLength:
		f, ok := commonFields[off-commonAt]
		if !ok || f.width != n {
			d.violate("common configuration read of %d bytes at %#x", n, off)
			return 0
		}
		return d.readCommon(off - commonAt)
	case off == isrAt:
		if n != 1 {
			d.violate("ISR status read of %d bytes", n)
		}
		// Reading resets it and deasserts the interrupt (4.1.4.5).
		v := d.isr
		d.isr = 0
		return uint32(v)
	case off >= deviceAt && off < deviceAt+uintptr(len(d.devcfg)):
		o := int(off - deviceAt)
		if o%n != 0 || o+n > len(d.devcfg) {
			d.violate("device configuration read of %d bytes at %#x", n, o)
			return 0
		}
		// A changed configuration shows a new generation once the
		// driver reads it (4.1.4.3.1).
		if d.changed {
			d.generation++
			d.changed = false
		}
		var v uint32
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint32(d.devcfg[o+i])
		}
		return v
	}
	d.violate("BAR4 read of %d bytes at %#x, in no structure or write-only", n, off)
	return 0
}

func (d *Device) readCommon(off uintptr) uint32 {
	q := d.selected()
	switch off {
	case 0x00:
		return d.devSelect
	case 0x04:
		if d.devSelect > 1 {
			return 0
		}
		return uint32(d.opts.Features >> (32 * d.devSelect))
	case 0x08:
		return d.drvSelect
	case 0x0c:
		if d.drvSelect > 1 {
			return 0
		}
		return uint32(d.driverFeats >> (32 * d.drvSelect))
	case 0x10:
		return uint32(d.configVector)
	case 0x12:
		return uint32(len(d.queues))
	case 0x14:
		if d.resetReads > 0 {
			d.resetReads--
			return driver
		}
		return uint32(d.status)
	case 0x15:
		if d.churn > 0 {
			d.churn--
			d.generation++
		}
		return uint32(d.generation)
	case 0x16:
		return uint32(d.queueSelect)
	}
	if q == nil {
		// The queue does not exist: queue_size reads 0 (4.1.4.3.1).
		return 0
	}
	switch off {
	case 0x18:
		return uint32(q.size)
	case 0x1a:
		return uint32(q.vector)
	case 0x1c:
		if q.enabled {
			return 1
		}
		return 0
	case 0x1e:
		return uint32(q.index)
	case 0x20, 0x24:
		return uint32(q.desc >> (8 * (off - 0x20)))
	case 0x28, 0x2c:
		return uint32(q.driver >> (8 * (off - 0x28)))
	default:
		return uint32(q.device >> (8 * (off - 0x30)))
	}
}

func (d *Device) write(off uintptr, n int, v uint32) {
	d.mu.Lock()
	switch {
	case off < commonAt+commonLength:
		f, ok := commonFields[off-commonAt]
		switch {
		case !ok || f.width != n:
			d.violate("common configuration write of %d bytes at %#x", n, off)
		case !f.writable:
			d.violate("write to %s, read-only for the driver (4.1.4.3.2)", f.name)
		default:
			d.writeCommon(off-commonAt, v)
		}
	case off >= deviceAt && off < deviceAt+uintptr(len(d.devcfg)):
		o := int(off - deviceAt)
		if o%n != 0 || o+n > len(d.devcfg) {
			d.violate("device configuration write of %d bytes at %#x", n, o)
			break
		}
		for i := range n {
			d.devcfg[o+i] = byte(v >> (8 * i))
		}
	case off >= notifyAt && off < notifyAt+uintptr(d.notifyLength()):
		if n != 2 {
			d.violate("notify write of %d bytes", n)
			break
		}
		if q := d.notified(off-notifyAt, uint16(v)); q != nil {
			d.mu.Unlock()
			if d.opts.Handler != nil && !d.opts.Defer {
				d.serve(q)
			}
			return
		}
	default:
		d.violate("BAR4 write of %d bytes at %#x, in no structure or read-only", n, off)
	}
	d.mu.Unlock()
}

func (d *Device) writeCommon(off uintptr, v uint32) {
	switch off {
	case 0x00:
		d.devSelect = v
		return
	case 0x08:
		d.drvSelect = v
		return
	case 0x0c:
		if d.status&featuresOK != 0 {
			d.violate("driver_feature written after FEATURES_OK (3.1.1)")
		}
		if d.drvSelect <= 1 {
			shift := 32 * d.drvSelect
			d.driverFeats = d.driverFeats&^(0xffffffff<<shift) | uint64(v)<<shift
		}
		return
	case 0x10:
		d.configVector = d.mapVector(uint16(v))
		return
	case 0x14:
		d.writeStatus(uint8(v))
		return
	case 0x16:
		d.queueSelect = uint16(v)
		return
	}
	q := d.selected()
	if q == nil {
		d.violate("write at %#x to queue %d, which does not exist", off, d.queueSelect)
		return
	}
	if q.enabled {
		d.violate("queue %d configured at %#x after queue_enable (4.1.4.3.2)", q.index, off)
	}
	if d.status&driverOK != 0 {
		d.violate("queue %d configured after DRIVER_OK", q.index)
	}
	switch off {
	case 0x18:
		if v == 0 || v&(v-1) != 0 || v > uint32(q.max) {
			d.violate("queue %d size %d: not a power of two up to %d (4.1.4.3.2)", q.index, v, q.max)
		}
		q.size = uint16(v)
	case 0x1a:
		q.vector = d.mapVector(uint16(v))
	case 0x1c:
		if v != 1 {
			d.violate("queue %d: queue_enable written %d (4.1.4.3.2)", q.index, v)
			return
		}
		d.enable(q)
	case 0x20, 0x24:
		q.desc = set32(q.desc, off-0x20, v)
	case 0x28, 0x2c:
		q.driver = set32(q.driver, off-0x28, v)
	case 0x30, 0x34:
		q.device = set32(q.device, off-0x30, v)
	}
}

func set32(x uint64, half uintptr, v uint32) uint64 {
	shift := 8 * half
	return x&^(0xffffffff<<shift) | uint64(v)<<shift
}

// mapVector is what the device does with an MSI-X vector written to it
// (4.1.5.1.2): a table entry it has maps, NO_VECTOR unmaps, anything else
// fails and reads back as NO_VECTOR.
func (d *Device) mapVector(v uint16) uint16 {
	if v == noVector || d.refuseVector || int(v) >= d.opts.MSIXVectors {
		return noVector
	}
	return v
}

func (d *Device) selected() *queue {
	if int(d.queueSelect) < len(d.queues) {
		return d.queues[d.queueSelect]
	}
	return nil
}

// writeStatus is a write to device_status: 0 resets; otherwise the
// driver sets the bits of 3.1.1 in order and never clears one (2.1.1).
func (d *Device) writeStatus(v uint8) {
	if v == 0 {
		d.reset()
		d.resetReads = d.resetDelay
		return
	}
	if d.status&^v&^needsReset != 0 {
		d.violate("device_status %#x clears bits of %#x (2.1.1)", v, d.status)
	}
	set := v &^ d.status
	order := []struct {
		bit, needs uint8
		name       string
	}{
		{driver, acknowledge, "DRIVER before ACKNOWLEDGE"},
		{featuresOK, driver, "FEATURES_OK before DRIVER"},
		{driverOK, featuresOK, "DRIVER_OK before FEATURES_OK"},
	}
	for _, o := range order {
		if set&o.bit != 0 && v&o.needs == 0 {
			d.violate("%s (3.1.1)", o.name)
		}
	}
	if set&featuresOK != 0 {
		// The device checks the features when FEATURES_OK is set
		// and leaves the bit clear if it cannot use them (2.2.2).
		ok := true
		if extra := d.driverFeats &^ d.opts.Features; extra != 0 {
			d.violate("driver accepted features %#x the device did not offer (2.2.1)", extra)
			ok = false
		}
		if d.refuse != nil && d.refuse(d.driverFeats) {
			ok = false
		}
		if !ok {
			v &^= featuresOK
		}
	}
	d.status = v | d.status&needsReset
}

// reset returns the device to its state at power-on (2.4): status,
// features, vectors, queues, interrupts pending.
//
// Preconditions: d.mu is held, or d is not yet shared.
func (d *Device) reset() {
	d.status = 0
	d.devSelect, d.drvSelect, d.driverFeats = 0, 0, 0
	d.configVector = noVector
	d.queueSelect = 0
	d.isr = 0
	for _, q := range d.queues {
		*q = queue{index: q.index, max: q.max, size: q.max, vector: noVector, autoEvent: true, gen: q.gen, kicks: q.kicks}
	}
}

// Status is device_status as the driver last left it.
func (d *Device) Status() uint8 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// DriverFeatures are the feature bits the driver wrote.
func (d *Device) DriverFeatures() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.driverFeats
}

// ConfigVector is config_msix_vector.
func (d *Device) ConfigVector() uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.configVector
}

// SetResetDelay makes device_status read nonzero for n reads after each
// reset, as a device that takes its time.
func (d *Device) SetResetDelay(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resetDelay = n
}

// RefuseFeatures makes the device clear FEATURES_OK when refuse says no
// to the features the driver accepted.
func (d *Device) RefuseFeatures(refuse func(accepted uint64) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.refuse = refuse
}

// RefuseVectors makes every MSI-X mapping fail.
func (d *Device) RefuseVectors() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.refuseVector = true
}

// ChurnGeneration makes the next n reads of config_generation each see a
// new value, as if the configuration changed between every two reads.
func (d *Device) ChurnGeneration(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.churn = n
}

// SetDeviceConfig changes the device-specific configuration at off, and
// sends a configuration change notification if the device is live
// (3.2.1).
func (d *Device) SetDeviceConfig(off int, b []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	copy(d.devcfg[off:], b)
	d.changed = true
	d.configInterrupt()
}

// DeviceConfig is a copy of the device-specific configuration, with what
// the driver wrote.
func (d *Device) DeviceConfig() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.devcfg...)
}

// Break sets DEVICE_NEEDS_RESET and, if the device is live, sends a
// configuration change notification (2.1.2).
func (d *Device) Break() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status |= needsReset
	d.configInterrupt()
}

// configInterrupt sets the ISR's configuration bit and interrupts on the
// configuration vector, if the driver is live (4.1.5.4).
func (d *Device) configInterrupt() {
	if d.status&driverOK == 0 {
		return
	}
	d.isr |= 2
	d.interrupt(d.configVector)
}

// interrupt sends a notification on vector: an MSI-X message if MSI-X is
// enabled and the event is mapped, else an INTx interrupt.
func (d *Device) interrupt(vector uint16) {
	if d.opts.MSIXVectors == 0 {
		d.intx++
	} else if vector != noVector {
		d.interrupts[vector]++
	}
	d.fired.Broadcast()
}

// Interrupts is the number of MSI-X messages sent on vector.
func (d *Device) Interrupts(vector uint16) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.interrupts[vector]
}

// INTx is the number of INTx interrupts sent (without MSI-X).
func (d *Device) INTx() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.intx
}

// ISRPending is the ISR status, without the read that clears it.
func (d *Device) ISRPending() uint8 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.isr
}

func le16(b []byte, off uint64) uint16 { return binary.LittleEndian.Uint16(b[off:]) }
