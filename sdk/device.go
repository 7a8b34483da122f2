package sdk

import (
	"encoding/binary"
	"runtime"
	"unsafe"

	"clk/abi"
)

// Device is a handle to a PCI function the kernel's broker gave a driver
// (docs/devices.md). Through it, and only through it, the driver reads and
// writes the function's configuration where allowed, maps its memory
// BARs, allocates DMA memory and gets its interrupts and I/O ports.
type Device Handle

// Info returns what the kernel knows of the device.
func (d Device) Info() (abi.DeviceInfo, error) {
	var b [abi.DeviceInfoSize]byte
	_, err := call(abi.SysDeviceInfo, uint64(d), addr(unsafe.Pointer(&b)), uint64(len(b)), 0, 0, 0)
	runtime.KeepAlive(&b)
	var info abi.DeviceInfo
	if err == nil {
		info.Unmarshal(&b)
	}
	return info, err
}

// ConfigRead reads width bytes (1, 2 or 4) of the device's configuration
// space at off.
func (d Device) ConfigRead(off, width int) (uint32, error) {
	v, err := call(abi.SysDeviceConfigRead, uint64(d), uint64(off), uint64(width), 0, 0, 0)
	return uint32(v), err
}

// ConfigWrite writes width bytes of the device's configuration space at
// off, where the kernel lets a driver write (abi.md: device_config_write).
func (d Device) ConfigWrite(off, width int, v uint32) error {
	_, err := call(abi.SysDeviceConfigWrite, uint64(d), uint64(off), uint64(width), uint64(v), 0, 0)
	return err
}

// MapBAR maps memory BAR bar, uncached, and returns its registers and
// size. The pages of an MSI-X table are not mapped: touching them kills
// the process.
func (d Device) MapBAR(bar int) (MMIO, error) {
	info, err := d.Info()
	if err != nil {
		return MMIO{}, err
	}
	va, err := call(abi.SysDeviceMap, uint64(d), uint64(bar), 0, 0, 0, 0)
	if err != nil {
		return MMIO{}, err
	}
	var size uint64
	if bar >= 0 && bar < len(info.BARs) {
		size = info.BARs[bar].Size
	}
	return MMIO{base: uintptr(va), size: size}, nil
}

// AllocDMA allocates n bytes (rounded up to pages) of zeroed, physically
// contiguous memory the device can reach at phys. It stays until the
// device handle is closed.
func (d Device) AllocDMA(n int) (mem []byte, phys uint64, err error) {
	var p [8]byte
	va, err := call(abi.SysDeviceDMAAlloc, uint64(d), uint64(n), addr(unsafe.Pointer(&p)), 0, 0, 0)
	runtime.KeepAlive(&p)
	if err != nil {
		return nil, 0, err
	}
	size := (n + abi.PageSize - 1) &^ (abi.PageSize - 1)
	// unsafe.Pointer: va is a mapping the kernel made for this process,
	// outside the Go heap, which stays until the device handle closes.
	return unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(va))), size), binary.LittleEndian.Uint64(p[:]), nil
}

// IRQ routes MSI-X entry index (or, without MSI-X, the MSI vector, index
// 0) and returns the interrupt to wait on.
func (d Device) IRQ(index int) (IRQ, error) {
	h, err := call(abi.SysDeviceIRQ, uint64(d), uint64(index), 0, 0, 0, 0)
	return IRQ(h), err
}

// IOPorts returns the port range of I/O BAR bar.
func (d Device) IOPorts(bar int) (IOPorts, error) {
	h, err := call(abi.SysDeviceIOPorts, uint64(d), uint64(bar), 0, 0, 0, 0)
	return IOPorts(h), err
}

// IRQ is a handle to a device interrupt.
type IRQ Handle

// Wait blocks until the interrupt has fired since the last Wait returned,
// or deadline, and returns how many times it fired.
func (q IRQ) Wait(deadline Deadline) (uint64, error) {
	return call(abi.SysIRQWait, uint64(q), uint64(deadline), 0, 0, 0, 0)
}

// IOPorts is a handle to a range of I/O ports.
type IOPorts Handle

// In reads width bytes (1, 2 or 4) from port.
func (p IOPorts) In(port uint16, width int) (uint32, error) {
	v, err := call(abi.SysIOPortAccess, uint64(p), uint64(port), uint64(width), 0, 0, 0)
	return uint32(v), err
}

// Out writes width bytes to port.
func (p IOPorts) Out(port uint16, width int, v uint32) error {
	_, err := call(abi.SysIOPortAccess, uint64(p), uint64(port), uint64(width)|abi.IOPortWrite, uint64(v), 0, 0)
	return err
}

// RandomAdd mixes b (at most abi.MaxIOBytes) into the kernel's random
// pool.
func RandomAdd(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := call(abi.SysRandomAdd, addr(unsafe.Pointer(&b[0])), uint64(len(b)), 0, 0, 0, 0)
	runtime.KeepAlive(b)
	return err
}

// MMIO is a mapped BAR: registers read and written with one load or
// store of their width each, never merged, split or cached.
type MMIO struct {
	base uintptr
	size uint64
}

// Size returns the BAR's size in bytes.
func (m MMIO) Size() uint64 { return m.size }

// at returns the address of a width-byte register at off, panicking
// outside the BAR: an offset past it is a bug of the driver, which must
// not reach the next mapping.
func (m MMIO) at(off uintptr, width uintptr) uintptr {
	if uint64(off)+uint64(width) > m.size || off%width != 0 {
		panic("sdk: MMIO access outside the BAR or misaligned")
	}
	return m.base + off
}

// Read8 reads the byte register at off.
func (m MMIO) Read8(off uintptr) uint8 { return mmioRead8(m.at(off, 1)) }

// Read16 reads the 16-bit register at off.
func (m MMIO) Read16(off uintptr) uint16 { return mmioRead16(m.at(off, 2)) }

// Read32 reads the 32-bit register at off.
func (m MMIO) Read32(off uintptr) uint32 { return mmioRead32(m.at(off, 4)) }

// Write8 writes the byte register at off.
func (m MMIO) Write8(off uintptr, v uint8) { mmioWrite8(m.at(off, 1), v) }

// Write16 writes the 16-bit register at off.
func (m MMIO) Write16(off uintptr, v uint16) { mmioWrite16(m.at(off, 2), v) }

// Write32 writes the 32-bit register at off.
func (m MMIO) Write32(off uintptr, v uint32) { mmioWrite32(m.at(off, 4), v) }

func mmioRead8(addr uintptr) uint8
func mmioRead16(addr uintptr) uint16
func mmioRead32(addr uintptr) uint32
func mmioWrite8(addr uintptr, v uint8)
func mmioWrite16(addr uintptr, v uint16)
func mmioWrite32(addr uintptr, v uint32)
