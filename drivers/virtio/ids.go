package virtio

import "fmt"

// DeviceType is a virtio device ID (5, "Device Types"): what the device
// is, whatever the transport.
type DeviceType uint16

// Device types the clk drivers use (5.1, 5.2, 5.3, 5.4).
const (
	TypeNet     DeviceType = 1
	TypeBlock   DeviceType = 2
	TypeConsole DeviceType = 3
	TypeEntropy DeviceType = 4
)

// String names the device type.
func (t DeviceType) String() string {
	switch t {
	case TypeNet:
		return "network"
	case TypeBlock:
		return "block"
	case TypeConsole:
		return "console"
	case TypeEntropy:
		return "entropy"
	}
	return fmt.Sprintf("type %d", uint16(t))
}

// PCI identification of virtio functions (4.1.2): the vendor ID, the
// modern device IDs 0x1040 plus the device type up to 0x107f, and the
// transitional IDs 0x1000 to 0x103f whose subsystem device ID gives the
// type (4.1.2.3).
const (
	VendorID              = 0x1af4
	modernDeviceBase      = 0x1040
	modernDeviceLast      = 0x107f
	transitionalFirst     = 0x1000
	transitionalLast      = 0x103f
	pciRegVendor          = 0x00
	pciRegDevice          = 0x02
	pciRegSubsystemDevice = 0x2e // type 0 header (PCI Local Bus 3.0, 6.1)
)

// Identify reads the function's IDs and returns the virtio device type
// they name, or an error wrapping ErrNotVirtio. It matches every revision
// ID, as 4.1.2.2 requires.
func Identify(cfg ConfigSpace) (DeviceType, error) {
	vendor, dev := cfg.Read16(pciRegVendor), cfg.Read16(pciRegDevice)
	if vendor != VendorID {
		return 0, fmt.Errorf("vendor %#04x: %w", vendor, ErrNotVirtio)
	}
	var t DeviceType
	switch {
	case dev >= modernDeviceBase && dev <= modernDeviceLast:
		t = DeviceType(dev - modernDeviceBase)
	case dev >= transitionalFirst && dev <= transitionalLast:
		t = DeviceType(cfg.Read16(pciRegSubsystemDevice))
	default:
		return 0, fmt.Errorf("device %#04x: %w", dev, ErrNotVirtio)
	}
	// Device ID 0 is reserved (5): no device has it.
	if t == 0 {
		return 0, fmt.Errorf("device %#04x names the reserved device type 0: %w", dev, ErrNotVirtio)
	}
	return t, nil
}
