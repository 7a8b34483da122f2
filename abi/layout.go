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

// le is the byte order of every record above.
var le = binary.LittleEndian
