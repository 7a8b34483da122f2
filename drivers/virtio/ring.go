package virtio

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// The split virtqueue in memory (2.7): the descriptor table, the
// available ring (written by the driver) and the used ring (written by
// the device), in one DMA allocation.
//
//	struct virtq_desc  { le64 addr; le32 len; le16 flags; le16 next; }
//	struct virtq_avail { le16 flags; le16 idx; le16 ring[n]; le16 used_event; }
//	struct virtq_used  { le16 flags; le16 idx; struct { le32 id; le32 len; } ring[n]; le16 avail_event; }
const (
	descSize  = 16
	descAddr  = 0
	descLen   = 8
	descFlags = 12
	descNext  = 14

	descFNext  = 1 << 0 // VIRTQ_DESC_F_NEXT: the chain continues at next
	descFWrite = 1 << 1 // VIRTQ_DESC_F_WRITE: device-writable

	availFlags = 0
	availIdx   = 2
	availRing  = 4
	usedFlags  = 0
	usedIdx    = 2
	usedRing   = 4
	usedElem   = 8

	// VIRTQ_AVAIL_F_NO_INTERRUPT (2.7.6) and VIRTQ_USED_F_NO_NOTIFY
	// (2.7.8): the crude suppression without VIRTIO_F_EVENT_IDX.
	availFNoInterrupt = 1
	usedFNoNotify     = 1

	// The descriptor table is 16-byte aligned, the available ring 2 and
	// the used ring 4 (2.7). The used ring starts on its own cache line,
	// away from the driver's writes.
	usedAlign = 64

	// minQueueSize is the smallest queue the package sets up: from 2
	// entries used_event starts a 32-bit word whose other half is
	// padding (see layout), not an available ring entry.
	minQueueSize = 2
	// maxQueueSize is the largest split queue (2.7).
	maxQueueSize = 32768
)

// layout places the three parts of a queue of n entries in its memory.
//
// The 16-bit fields that one side writes while the other may be reading
// them (the rings' flags and idx, used_event, avail_event) are read and
// written as whole aligned 32-bit words with sync/atomic, so that neither
// side ever sees half a field and the compiler neither tears nor reorders
// the access. Each such word belongs to one writer: flags and idx are the
// same side's; used_event (at 4+2n in the available ring, 4-aligned for
// n >= 2) is followed by two bytes of padding before the used ring;
// avail_event (at 4+8n in the used ring) by two bytes the allocation adds.
type layout struct {
	n                 int
	desc, avail, used int // offsets of the three parts
	usedEvent         int // offset of used_event
	availEvent        int // offset of avail_event
	size              int // bytes to allocate
}

func layoutFor(n int) layout {
	l := layout{n: n, desc: 0, avail: descSize * n}
	l.usedEvent = l.avail + availRing + 2*n
	l.used = alignUp(l.usedEvent+4, usedAlign) // past used_event's word
	l.availEvent = l.used + usedRing + usedElem*n
	l.size = l.availEvent + 4
	return l
}

func alignUp(x, a int) int { return (x + a - 1) &^ (a - 1) }

// aligned4 reports whether b starts on a 4-byte boundary.
func aligned4(b []byte) bool {
	// Only the address's value is used, to check alignment.
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4 == 0
}

// word is the 32-bit word at off in b.
//
// Preconditions: b starts 4-byte aligned (checked when the ring memory
// was taken) and off is a multiple of 4 with off+4 <= len(b).
func word(b []byte, off int) *uint32 {
	w := b[off : off+4] // bounds-checked without a load of the bytes
	// An aligned uint32 inside b, by the preconditions: sync/atomic needs
	// a *uint32, and the memory is shared with the device.
	return (*uint32)(unsafe.Pointer(&w[0]))
}

// loadWord reads the word at off atomically. On amd64 it is a plain
// load, which TSO keeps in order with the loads after it; for the
// compiler it is an acquire: later loads of the ring stay after it.
func loadWord(b []byte, off int) uint32 { return atomic.LoadUint32(word(b, off)) }

// storeWord writes the word at off atomically. On amd64 it is an XCHG, a
// full barrier: the stores before it (descriptors, ring entries) are
// visible to the device first (2.7.13.3.1), and the loads after it (the
// device's suppression fields, the used index) are not performed before
// it is visible (2.7.13.4.1, and the re-check of 2.7.14).
func storeWord(b []byte, off int, v uint32) { atomic.StoreUint32(word(b, off), v) }

// The words hold two little-endian 16-bit fields: on a little-endian
// machine, as amd64 is, the field at the lower address is the low half.
func low(w uint32) uint16  { return uint16(w) }
func high(w uint32) uint16 { return uint16(w >> 16) }

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
func get32(b []byte, off int) uint32    { return binary.LittleEndian.Uint32(b[off:]) }

// published reports whether the entry at free-running index event is
// among those published since index old, up to new: the test of 2.7.7
// and 2.7.10 for "idx ... was equal to used_event/avail_event", over a
// batch. In 16-bit arithmetic, so it holds across the wrap at 65536.
func published(event, old, new uint16) bool {
	return event-old < new-old
}
