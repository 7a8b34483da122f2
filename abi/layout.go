package abi

import "encoding/binary"

// The records syscalls read from and write to user memory. All are
// little-endian; docs/abi.md draws each one.

// MsgDesc is the message descriptor channel_write, channel_read and
// channel_call take a pointer to: MsgDescSize bytes.
//
//	offset 0   uint32 type
//	offset 4   uint32 txid
//	offset 8   uint64 data pointer
//	offset 16  uint32 data length (read: capacity in, length out)
//	offset 20  uint32 handle count (read: capacity in, count out)
//	offset 24  uint64 pointer to the handles, uint32 each
type MsgDesc struct {
	Type       uint32
	Txid       uint32
	Data       uint64
	DataLen    uint32
	HandlesLen uint32
	Handles    uint64
}

// MsgDescSize is the size of a MsgDesc in user memory.
const MsgDescSize = 32

// Marshal returns the descriptor as it lies in user memory.
func (d *MsgDesc) Marshal() [MsgDescSize]byte {
	var b [MsgDescSize]byte
	le.PutUint32(b[0:], d.Type)
	le.PutUint32(b[4:], d.Txid)
	le.PutUint64(b[8:], d.Data)
	le.PutUint32(b[16:], d.DataLen)
	le.PutUint32(b[20:], d.HandlesLen)
	le.PutUint64(b[24:], d.Handles)
	return b
}

// Unmarshal reads the descriptor from its bytes in user memory.
func (d *MsgDesc) Unmarshal(b *[MsgDescSize]byte) {
	d.Type = le.Uint32(b[0:])
	d.Txid = le.Uint32(b[4:])
	d.Data = le.Uint64(b[8:])
	d.DataLen = le.Uint32(b[16:])
	d.HandlesLen = le.Uint32(b[20:])
	d.Handles = le.Uint64(b[24:])
}

// A wait item of object_wait_many: WaitItemSize bytes.
//
//	offset 0   uint32 handle
//	offset 4   uint32 wanted signals
//	offset 8   uint32 observed signals (written back)
const (
	WaitItemSize     = 12
	WaitItemHandle   = 0
	WaitItemWant     = 4
	WaitItemObserved = 8
)

// SystemInfo is what system_info writes: five uint64s, in this order.
type SystemInfo struct {
	// CPUs is the number of CPUs.
	CPUs uint64
	// TSCBase and TSCMult give the monotonic clock of clock_get and
	// deadlines as ((tsc - TSCBase) * TSCMult) >> 32, a 128-bit product.
	TSCBase uint64
	TSCMult uint64
	// WallBase is the Unix time in nanoseconds at monotonic 0.
	WallBase int64
	// PageSize is the size of a page.
	PageSize uint64
}

// SystemInfoSize is the size of SystemInfo in user memory.
const SystemInfoSize = 40

// Marshal returns the record as system_info writes it.
func (s *SystemInfo) Marshal() [SystemInfoSize]byte {
	var b [SystemInfoSize]byte
	le.PutUint64(b[0:], s.CPUs)
	le.PutUint64(b[8:], s.TSCBase)
	le.PutUint64(b[16:], s.TSCMult)
	le.PutUint64(b[24:], uint64(s.WallBase))
	le.PutUint64(b[32:], s.PageSize)
	return b
}

// DeviceInfo is what device_info writes: DeviceInfoSize bytes.
//
//	offset 0   uint8  bus, 1 device (slot), 2 function, 3 revision
//	offset 4   uint16 vendor ID, 6 device ID
//	offset 8   uint8  class, 9 subclass, 10 programming interface, 11 INTx pin (0 none, 1-4 INTA#-INTD#)
//	offset 12  uint16 MSI-X table size (0: no MSI-X), 14 MSI vectors (0: no MSI)
//	offset 16  uint32 configuration space size (256 or 4096)
//	offset 20  uint32 reserved, zero
//	offset 24  six BARs of 16 bytes each: uint8 kind (BARNone, BARIO,
//	           BARMem32, BARMem64), uint8 flags (BARPrefetchable), six
//	           bytes zero, uint64 size
type DeviceInfo struct {
	Bus, Slot, Function, Revision uint8
	VendorID, DeviceID            uint16
	Class, Subclass, ProgIF, Pin  uint8
	MSIXSize, MSIVectors          uint16
	ConfigSize                    uint32
	BARs                          [6]BARInfo
}

// BARInfo is one base address register of a DeviceInfo.
type BARInfo struct {
	Kind  uint8
	Flags uint8
	Size  uint64
}

// The kinds and flags of a BARInfo. The second register of a 64-bit BAR
// is BARNone.
const (
	BARNone  = 0
	BARIO    = 1
	BARMem32 = 2
	BARMem64 = 3

	BARPrefetchable = 1
)

// DeviceInfoSize is the size of DeviceInfo in user memory.
const DeviceInfoSize = 120

// Marshal returns the record as device_info writes it.
func (d *DeviceInfo) Marshal() [DeviceInfoSize]byte {
	var b [DeviceInfoSize]byte
	b[0], b[1], b[2], b[3] = d.Bus, d.Slot, d.Function, d.Revision
	le.PutUint16(b[4:], d.VendorID)
	le.PutUint16(b[6:], d.DeviceID)
	b[8], b[9], b[10], b[11] = d.Class, d.Subclass, d.ProgIF, d.Pin
	le.PutUint16(b[12:], d.MSIXSize)
	le.PutUint16(b[14:], d.MSIVectors)
	le.PutUint32(b[16:], d.ConfigSize)
	for i, bar := range d.BARs {
		r := b[24+16*i:]
		r[0], r[1] = bar.Kind, bar.Flags
		le.PutUint64(r[8:], bar.Size)
	}
	return b
}

// Unmarshal reads the record from its bytes in user memory.
func (d *DeviceInfo) Unmarshal(b *[DeviceInfoSize]byte) {
	d.Bus, d.Slot, d.Function, d.Revision = b[0], b[1], b[2], b[3]
	d.VendorID = le.Uint16(b[4:])
	d.DeviceID = le.Uint16(b[6:])
	d.Class, d.Subclass, d.ProgIF, d.Pin = b[8], b[9], b[10], b[11]
	d.MSIXSize = le.Uint16(b[12:])
	d.MSIVectors = le.Uint16(b[14:])
	d.ConfigSize = le.Uint32(b[16:])
	for i := range d.BARs {
		r := b[24+16*i:]
		d.BARs[i] = BARInfo{Kind: r[0], Flags: r[1], Size: le.Uint64(r[8:])}
	}
}

// le is the byte order of every record above.
var le = binary.LittleEndian
