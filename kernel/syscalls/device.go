package syscalls

import (
	"encoding/binary"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/device"
	"clk/kernel/ipc"
	"clk/kernel/object"
	"clk/kernel/wait"
)

// The calls of device drivers: device objects (package device), their
// IRQs and I/O port ranges.

// IRQRights are the rights of the handle device_irq returns.
const IRQRights = abi.RightWait | abi.RightDuplicate | abi.RightTransfer

// IOPortsRights are the rights of the handle device_ioports returns.
const IOPortsRights = abi.RightRead | abi.RightWrite | abi.RightDuplicate | abi.RightTransfer

// SetPorts gives the dispatcher the machine's I/O ports, which
// ioport_access reaches for drivers; without them it returns ENOSYS.
func (k *Dispatcher) SetPorts(p device.Ports) { k.ports = p }

func (c *Caller) device(v uint64, need abi.Rights) (*device.Device, error) {
	cp, err := c.lookup(v, abi.TypeDevice, need)
	if err != nil {
		return nil, err
	}
	d, ok := cp.Object().(*device.Device)
	if !ok {
		return nil, cap.ErrWrongType
	}
	return d, nil
}

// mapper is the caller's address space as package device maps into it.
type mapper struct{ h Host }

func (m mapper) MapPhys(pa, n uint64, uncached bool, skip func(off uint64) bool, name string) (uint64, func(), error) {
	return m.h.MapPhys(pa, n, uncached, skip, name)
}

func sysDeviceInfo(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightRead)
	if err != nil {
		return 0, err
	}
	if a[2] < abi.DeviceInfoSize {
		return 0, fmt.Errorf("device_info: %d bytes: %w", a[2], errInvalid)
	}
	info := d.Info()
	b := info.Marshal()
	if err := c.Mem.CopyOut(a[1], b[:]); err != nil {
		return 0, fmt.Errorf("device_info: %w", err)
	}
	return 0, nil
}

// widthArg checks a configuration access width.
func widthArg(v uint64) (int, error) {
	if v != 1 && v != 2 && v != 4 {
		return 0, fmt.Errorf("width %d: %w", v, errInvalid)
	}
	return int(v), nil
}

func sysDeviceConfigRead(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightRead)
	if err != nil {
		return 0, err
	}
	w, err := widthArg(a[2])
	if err != nil {
		return 0, fmt.Errorf("device_config_read: %w", err)
	}
	v, err := d.ConfigRead(a[1], w)
	return uint64(v), err
}

func sysDeviceConfigWrite(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightWrite)
	if err != nil {
		return 0, err
	}
	w, err := widthArg(a[2])
	if err != nil {
		return 0, fmt.Errorf("device_config_write: %w", err)
	}
	if a[3]>>(8*w) != 0 {
		return 0, fmt.Errorf("device_config_write: value %#x wider than %d bytes: %w", a[3], w, errInvalid)
	}
	return 0, d.ConfigWrite(a[1], w, uint32(a[3]))
}

func sysDeviceMap(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightMap)
	if err != nil {
		return 0, err
	}
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[1] > 5 {
		return 0, fmt.Errorf("device_map: BAR %d: %w", a[1], errInvalid)
	}
	return d.MapBAR(int(a[1]), mapper{h})
}

func sysDeviceDMAAlloc(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightMap)
	if err != nil {
		return 0, err
	}
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	// Check that phys can be written before allocating, so that a bad
	// pointer does not leave memory the driver cannot name.
	var b [8]byte
	if err := c.Mem.CopyOut(a[2], b[:]); err != nil {
		return 0, fmt.Errorf("device_dma_alloc: %w", err)
	}
	va, phys, err := d.AllocDMA(a[1], mapper{h}, c.Proc.Handles.Account())
	if err != nil {
		return 0, err
	}
	binary.LittleEndian.PutUint64(b[:], phys)
	if err := c.Mem.CopyOut(a[2], b[:]); err != nil {
		return 0, fmt.Errorf("device_dma_alloc: %w", err)
	}
	return va, nil
}

func sysDeviceIRQ(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightManage)
	if err != nil {
		return 0, err
	}
	if a[1] > 2047 {
		return 0, fmt.Errorf("device_irq: entry %d: %w", a[1], errInvalid)
	}
	irq, err := d.IRQ(int(a[1]))
	if err != nil {
		return 0, err
	}
	return install(c, cap.New(irq, IRQRights))
}

func sysDeviceIOPorts(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	d, err := c.device(a[0], abi.RightManage)
	if err != nil {
		return 0, err
	}
	if a[1] > 5 {
		return 0, fmt.Errorf("device_ioports: BAR %d: %w", a[1], errInvalid)
	}
	ports, err := d.IOPorts(int(a[1]))
	if err != nil {
		return 0, err
	}
	return install(c, cap.New(ports, IOPortsRights))
}

// install puts cp in the caller's table, closing it if the table is full.
func install(c *Caller, cp *cap.Cap) (uint64, error) {
	h, err := c.Proc.Handles.Install(cp)
	if err != nil {
		cp.Close()
		return 0, err
	}
	return uint64(h), nil
}

func sysIRQWait(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	cp, err := c.lookup(a[0], abi.TypeIRQ, abi.RightWait)
	if err != nil {
		return 0, err
	}
	q, ok := cp.Object().(*object.IRQ)
	if !ok {
		return 0, cap.ErrWrongType
	}
	deadline, block := k.deadline(a[1])
	if !block {
		deadline = k.start
	}
	for {
		n, detached := q.Take()
		switch {
		case n > 0:
			return n, nil
		case detached:
			return 0, fmt.Errorf("irq_wait: %s: the device is gone: %w", q.Name(), ipc.ErrPeerClosed)
		}
		items := []wait.Item{
			{Source: &q.Source, Want: abi.Signaled | abi.PeerClosed},
			{Source: &c.Proc.Source, Want: abi.Signaled},
		}
		if _, err := wait.Many(items, deadline); err != nil {
			return 0, fmt.Errorf("irq_wait: %w", err)
		}
		if items[1].Observed&abi.Signaled != 0 {
			return 0, fmt.Errorf("irq_wait: %w", errDying)
		}
	}
}

func sysIOPortAccess(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	write := a[2]&abi.IOPortWrite != 0
	need := abi.RightRead
	if write {
		need = abi.RightWrite
	}
	cp, err := c.lookup(a[0], abi.TypeIOPorts, need)
	if err != nil {
		return 0, err
	}
	r, ok := cp.Object().(*object.IOPorts)
	if !ok {
		return 0, cap.ErrWrongType
	}
	width := int(a[2] &^ abi.IOPortWrite)
	if a[2]&^(abi.IOPortWrite|7) != 0 || width != 1 && width != 2 && width != 4 || a[1] > 0xffff || a[1]%uint64(width) != 0 {
		return 0, fmt.Errorf("ioport_access: port %#x op %#x: %w", a[1], a[2], errInvalid)
	}
	port := uint16(a[1])
	if !r.Contains(port, width) {
		first, count := r.Range()
		return 0, fmt.Errorf("ioport_access: port %#x+%d outside %#x+%d: %w", port, width, first, count, errInvalid)
	}
	if write && a[3]>>(8*width) != 0 {
		return 0, fmt.Errorf("ioport_access: value %#x wider than %d bytes: %w", a[3], width, errInvalid)
	}
	if k.ports == nil {
		return 0, abi.ENOSYS
	}
	p := k.ports
	switch {
	case write && width == 1:
		p.Out(port, uint8(a[3]))
	case write && width == 2:
		p.Out16(port, uint16(a[3]))
	case write:
		p.Out32(port, uint32(a[3]))
	case width == 1:
		return uint64(p.In(port)), nil
	case width == 2:
		return uint64(p.In16(port)), nil
	default:
		return uint64(p.In32(port)), nil
	}
	return 0, nil
}
