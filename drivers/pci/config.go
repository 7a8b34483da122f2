package pci

import (
	"errors"
	"fmt"
)

// Addr is a function's place in the hierarchy: bus, device (0 to 31) and
// function (0 to 7), in segment group 0.
type Addr struct {
	Bus, Device, Function uint8
}

// String formats the address as bus:device.function in hex, "00:1f.2".
func (a Addr) String() string {
	return fmt.Sprintf("%02x:%02x.%x", a.Bus, a.Device, a.Function)
}

// order numbers addresses in bus, device, function order.
func (a Addr) order() int { return int(a.Bus)<<8 | int(a.Device)<<3 | int(a.Function) }

// valid reports whether the device and function numbers fit their fields.
func (a Addr) valid() bool { return a.Device < 32 && a.Function < 8 }

// Config reads and writes the configuration space of functions. Offsets
// must be naturally aligned for the access size and below Size; reads
// outside that, or of a function that is not there, return all ones, and
// such writes are dropped.
type Config interface {
	Read8(a Addr, off uint16) uint8
	Read16(a Addr, off uint16) uint16
	Read32(a Addr, off uint16) uint32
	Write8(a Addr, off uint16, v uint8)
	Write16(a Addr, off uint16, v uint16)
	Write32(a Addr, off uint16, v uint32)
	// Size is the configuration space of one function in bytes: 256,
	// or 4096 with PCI Express extended configuration space.
	Size() int
	// Method names the access mechanism for logs: "ports", "ECAM".
	Method() string
}

// inRange reports whether an access of n bytes at off is aligned and
// within size bytes.
func inRange(off uint16, n, size int) bool {
	return int(off)%n == 0 && int(off)+n <= size
}

// Offsets in the configuration space header common to every header type
// (PCI Local Bus Specification 3.0, 6.1, figure 6-1).
const (
	regVendor     = 0x00
	regDevice     = 0x02
	regCommand    = 0x04
	regStatus     = 0x06
	regRevision   = 0x08
	regProgIF     = 0x09
	regSubclass   = 0x0a
	regClass      = 0x0b
	regHeaderType = 0x0e
	regBAR0       = 0x10
	regCapPtr     = 0x34 // type 0 and type 1
	regIRQLine    = 0x3c
	regIRQPin     = 0x3d

	// Type 1 (PCI-to-PCI bridge) header, Bridge Architecture 3.2.
	regPrimaryBus     = 0x18
	regSecondaryBus   = 0x19
	regSubordinateBus = 0x1a
	// Type 2 (CardBus bridge) header: its capability pointer.
	regCardBusCapPtr = 0x14

	// headerEnd is the end of the predefined header: capabilities lie
	// between it and the end of the first 256 bytes.
	headerEnd = 0x40
	// legacySize is the configuration space every function has.
	legacySize = 256
)

// Command register bits (6.2.2).
const (
	cmdIO     = 1 << 0
	cmdMemory = 1 << 1
)

// Status register bits (6.2.3).
const statusCapList = 1 << 4

// Header type register (6.2.1): the layout in bits 0-6, multi-function in
// bit 7.
const (
	headerMultiFunction = 0x80
	headerLayout        = 0x7f

	headerNormal  = 0
	headerBridge  = 1
	headerCardBus = 2
)

// noVendor is what a read of the vendor ID returns where no function is.
const noVendor = 0xffff

// ErrMalformed is the cause of the errors about a function whose
// configuration space breaks the specification: a capability list that
// loops or points outside the capability area, a 64-bit base address
// register in the last slot, a reserved value.
var ErrMalformed = errors.New("pci: malformed configuration space")
