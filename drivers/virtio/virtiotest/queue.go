package virtiotest

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// queue is the device's side of a split virtqueue (2.7).
//
// The rings: the descriptor table, 16 bytes a descriptor (le64 addr, le32
// len, le16 flags, le16 next; flags 1 NEXT, 2 WRITE, 4 INDIRECT); the
// available ring (le16 flags, le16 idx, le16 ring[size], le16
// used_event); the used ring (le16 flags, le16 idx, {le32 id, le32
// len}[size], le16 avail_event).
type queue struct {
	index   int
	max     uint16
	size    uint16
	vector  uint16
	enabled bool
	desc    uint64
	driver  uint64
	device  uint64

	gen       int // counts enables, so that a request from before a reset is dropped
	descMem   []byte
	availMem  []byte
	usedMem   []byte
	lastAvail uint16 // the device's free-running index into the available ring
	usedIdx   uint16
	usedFlags uint16
	autoEvent bool // avail_event follows lastAvail
	stuck     bool // the driver broke the ring: the device reads it no more
	inUse     map[uint16]bool
	kicks     int
}

// enable checks and maps the rings when the driver writes queue_enable:
// the parts aligned to 16, 2 and 4 bytes (2.7.1) and in memory.
func (d *Device) enable(q *queue) {
	n := uint64(q.size)
	if q.desc%16 != 0 || q.driver%2 != 0 || q.device%4 != 0 {
		d.violate("queue %d rings at %#x, %#x, %#x: misaligned (2.7.1)", q.index, q.desc, q.driver, q.device)
	}
	var ok1, ok2, ok3 bool
	q.descMem, ok1 = d.memory.slice(q.desc, 16*n)
	q.availMem, ok2 = d.memory.slice(q.driver, 6+2*n)
	q.usedMem, ok3 = d.memory.slice(q.device, 6+8*n)
	if !ok1 || !ok2 || !ok3 {
		d.violate("queue %d rings at %#x, %#x, %#x: not in memory", q.index, q.desc, q.driver, q.device)
		q.stuck = true
	}
	q.enabled = true
	q.gen++
	q.inUse = map[uint16]bool{}
}

// notified handles an available buffer notification at off of the
// notification structure carrying v (4.1.5.2), and returns the queue to
// serve, or nil.
//
// Preconditions: d.mu is held.
func (d *Device) notified(off uintptr, v uint16) *queue {
	mul := uintptr(d.opts.NotifyMultiplier)
	i := int(v)
	if mul != 0 {
		if off%mul != 0 || int(off/mul) != i {
			d.violate("notify of queue %d at %#x, queue %d's address is %#x", v, off, v, uintptr(v)*mul)
			return nil
		}
	} else if off != 0 {
		d.violate("notify at %#x with a multiplier of 0", off)
		return nil
	}
	if i >= len(d.queues) || !d.queues[i].enabled {
		d.violate("notify of queue %d, not enabled", v)
		return nil
	}
	if d.status&driverOK == 0 {
		d.violate("notify of queue %d before DRIVER_OK (3.1.1)", v)
	}
	q := d.queues[i]
	q.kicks++
	return q
}

// Request is a descriptor chain the driver made available: its buffers,
// which alias the driver's memory.
type Request struct {
	Queue int
	Head  uint16
	Out   [][]byte // device-readable buffers, in chain order
	In    [][]byte // device-writable buffers, in chain order
	descs []uint16
	gen   int
	held  bool
}

// Hold keeps the request in flight when the handler returns, instead of
// completing it with what the handler wrote: the test completes it later
// with Device.Complete. A network device holds its receive buffers this
// way until a packet comes for them.
func (r *Request) Hold() { r.held = true }

// Readable is the device-readable buffers, concatenated.
func (r *Request) Readable() []byte {
	var b []byte
	for _, o := range r.Out {
		b = append(b, o...)
	}
	return b
}

// Writable is the number of device-writable bytes.
func (r *Request) Writable() int {
	n := 0
	for _, b := range r.In {
		n += len(b)
	}
	return n
}

// Fill copies p into the device-writable buffers, in order, and returns
// how many bytes it copied.
func (r *Request) Fill(p []byte) uint32 {
	n := 0
	for _, b := range r.In {
		n += copy(b, p[n:])
	}
	return uint32(n)
}

// Serve serves every queue as Options.Handler says, in the order the
// driver made the requests available, and returns how many it served.
func (d *Device) Serve() int {
	n := 0
	for _, q := range d.queues {
		n += d.serve(q)
	}
	return n
}

// serve takes queue q's new requests and completes each with what the
// handler wrote, unless the handler held it. The handler runs without
// d.mu.
func (d *Device) serve(q *queue) int {
	reqs := d.take(q)
	for _, r := range reqs {
		var written uint32
		if d.opts.Handler != nil {
			written = d.opts.Handler(r)
		}
		if !r.held {
			d.Complete(r, written)
		}
	}
	return len(reqs)
}

// Take returns the requests the driver made available on queue i since
// the last Take or Serve, for the test to complete with Complete.
func (d *Device) Take(i int) []*Request { return d.take(d.queues[i]) }

func (d *Device) take(q *queue) []*Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	// The device uses no buffer before DRIVER_OK (2.1.2).
	if d.status&driverOK == 0 || !q.enabled || q.stuck {
		return nil
	}
	idx := high(loadWord(q.availMem, 0))
	if ahead := idx - q.lastAvail; ahead > q.size {
		d.violate("queue %d: avail idx %d is %d past %d, more than the queue's %d", q.index, idx, ahead, q.lastAvail, q.size)
		q.stuck = true
		return nil
	}
	var reqs []*Request
	for ; q.lastAvail != idx; q.lastAvail++ {
		head := le16(q.availMem, 4+2*uint64(q.lastAvail%q.size))
		if r := d.chain(q, head); r != nil {
			reqs = append(reqs, r)
		}
	}
	if d.driverFeats&eventIdx != 0 && q.autoEvent {
		store16(q.usedMem, 4+8*int(q.size), q.lastAvail)
	}
	return reqs
}

// chain follows the descriptors from head and returns the request they
// make, or nil, with a violation, if they break 2.7.4.2 or 2.7.5.2.
//
// Preconditions: d.mu is held.
func (d *Device) chain(q *queue, head uint16) *Request {
	r := &Request{Queue: q.index, Head: head, gen: q.gen}
	seen := map[uint16]bool{}
	var total uint64
	for cur := head; ; {
		if cur >= q.size {
			d.violate("queue %d: chain %d reaches descriptor %d of %d", q.index, head, cur, q.size)
			return nil
		}
		if seen[cur] {
			d.violate("queue %d: chain %d loops at descriptor %d (2.7.5.2)", q.index, head, cur)
			return nil
		}
		if q.inUse[cur] {
			d.violate("queue %d: chain %d reuses descriptor %d of a chain in flight", q.index, head, cur)
			return nil
		}
		seen[cur] = true
		r.descs = append(r.descs, cur)
		e := q.descMem[16*int(cur):]
		addr := binary.LittleEndian.Uint64(e)
		n := binary.LittleEndian.Uint32(e[8:])
		flags := binary.LittleEndian.Uint16(e[12:])
		if flags&4 != 0 {
			d.violate("queue %d: indirect descriptor %d without VIRTIO_F_INDIRECT_DESC (2.7.5.3.1)", q.index, cur)
			return nil
		}
		b, ok := d.memory.Slice(addr, uint64(n))
		if !ok {
			d.violate("queue %d: descriptor %d: %d bytes at %#x are not in memory", q.index, cur, n, addr)
			return nil
		}
		if flags&2 != 0 {
			r.In = append(r.In, b)
		} else {
			if len(r.In) > 0 {
				d.violate("queue %d: chain %d has a device-readable buffer after a writable one (2.7.4.2)", q.index, head)
				return nil
			}
			r.Out = append(r.Out, b)
		}
		total += uint64(n)
		if flags&1 == 0 {
			break
		}
		cur = binary.LittleEndian.Uint16(e[14:])
	}
	if total > 1<<32 {
		d.violate("queue %d: chain %d of %d bytes (2.7.5.2)", q.index, head, total)
		return nil
	}
	for _, i := range r.descs {
		q.inUse[i] = true
	}
	return r
}

// Complete returns request r to the driver as used, with written bytes
// written to its device-writable buffers, and sends a used buffer
// notification unless the driver suppressed it. A request taken before
// the device was reset is dropped.
func (d *Device) Complete(r *Request, written uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[r.Queue]
	if !q.enabled || q.stuck || r.gen != q.gen {
		return
	}
	for _, i := range r.descs {
		delete(q.inUse, i)
	}
	id, n := uint32(r.Head), written
	if d.tamper != nil {
		d.tamper(r.Queue, &id, &n)
	}
	d.putUsed(q, id, n)
}

// putUsed writes a used ring entry, publishes it and notifies the driver
// as 2.7.7.2 says: with VIRTIO_F_EVENT_IDX when the entry's index is
// used_event, without when the available ring's flags are 0.
//
// Preconditions: d.mu is held.
func (d *Device) putUsed(q *queue, id, n uint32) {
	e := q.usedMem[4+8*int(q.usedIdx%q.size):]
	binary.LittleEndian.PutUint32(e, id)
	binary.LittleEndian.PutUint32(e[4:], n)
	at := q.usedIdx
	q.usedIdx++
	storeWord(q.usedMem, 0, uint32(q.usedFlags)|uint32(q.usedIdx)<<16)
	if d.driverFeats&eventIdx != 0 {
		if load16(q.availMem, 4+2*int(q.size)) != at {
			return
		}
	} else if low(loadWord(q.availMem, 0))&1 != 0 {
		return
	}
	if d.opts.MSIXVectors == 0 {
		d.isr |= 1
	}
	d.interrupt(q.vector)
}

// PutUsed writes a used ring entry of queue i as a misbehaving device
// would: whatever id and length, with no check.
func (d *Device) PutUsed(i int, id, length uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q := d.queues[i]; q.enabled && !q.stuck {
		d.putUsed(q, id, length)
	}
}

// SetUsedIdx sets queue i's used idx, as a misbehaving device would.
func (d *Device) SetUsedIdx(i int, idx uint16) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q := d.queues[i]; q.enabled && !q.stuck {
		q.usedIdx = idx
		storeWord(q.usedMem, 0, uint32(q.usedFlags)|uint32(q.usedIdx)<<16)
	}
}

// Tamper has fn change each used entry's id and length before the device
// writes it, to make a misbehaving device; nil stops it.
func (d *Device) Tamper(fn func(queue int, id, length *uint32)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tamper = fn
}

// SetAvailEvent sets queue i's avail_event (2.7.10), and keeps the device
// from moving it on as it takes requests.
func (d *Device) SetAvailEvent(i int, v uint16) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[i]
	q.autoEvent = false
	store16(q.usedMem, 4+8*int(q.size), v)
}

// SetNoNotify sets or clears VIRTQ_USED_F_NO_NOTIFY in queue i's used
// ring flags (2.7.10).
func (d *Device) SetNoNotify(i int, on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[i]
	q.usedFlags = 0
	if on {
		q.usedFlags = 1
	}
	storeWord(q.usedMem, 0, uint32(q.usedFlags)|uint32(q.usedIdx)<<16)
}

// UsedEvent is queue i's used_event as the driver last wrote it.
func (d *Device) UsedEvent(i int) uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[i]
	return load16(q.availMem, 4+2*int(q.size))
}

// AvailFlags is queue i's available ring flags as the driver last wrote
// them.
func (d *Device) AvailFlags(i int) uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return low(loadWord(d.queues[i].availMem, 0))
}

// Kicks is the number of available buffer notifications queue i got.
func (d *Device) Kicks(i int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queues[i].kicks
}

// QueueVector is queue i's queue_msix_vector.
func (d *Device) QueueVector(i int) uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queues[i].vector
}

// QueueSize is queue i's queue_size as the driver set it.
func (d *Device) QueueSize(i int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return int(d.queues[i].size)
}

// The 16-bit fields one side writes while the other reads are accessed
// as whole 32-bit words with sync/atomic where they lie 4-byte aligned,
// as package virtio places them, so that the race detector sees the
// device and the driver synchronize through them as real hardware does
// through its memory ordering. A field not so placed is accessed plainly.

// wordAt returns the aligned 32-bit word starting at off of b, if the
// address is 4-byte aligned and the word lies within b's capacity.
func wordAt(b []byte, off int) (*uint32, bool) {
	if off < 0 || off+4 > cap(b) {
		return nil, false
	}
	b = b[:cap(b)]
	// The address is only tested for alignment here.
	if uintptr(unsafe.Pointer(&b[off]))%4 != 0 {
		return nil, false
	}
	// An aligned word inside b, as just checked; sync/atomic needs a
	// *uint32 to share it with the driver.
	return (*uint32)(unsafe.Pointer(&b[off])), true
}

func loadWord(b []byte, off int) uint32 {
	if p, ok := wordAt(b, off); ok {
		return atomic.LoadUint32(p)
	}
	return binary.LittleEndian.Uint32(b[off:])
}

func storeWord(b []byte, off int, v uint32) {
	if p, ok := wordAt(b, off); ok {
		atomic.StoreUint32(p, v)
		return
	}
	binary.LittleEndian.PutUint32(b[off:], v)
}

// load16 reads the 16-bit field at off, the low half of a word when
// aligned.
func load16(b []byte, off int) uint16 {
	if p, ok := wordAt(b, off); ok {
		return low(atomic.LoadUint32(p))
	}
	return binary.LittleEndian.Uint16(b[off:])
}

// store16 writes the 16-bit field at off, leaving the word's other half
// as it is.
func store16(b []byte, off int, v uint16) {
	p, ok := wordAt(b, off)
	if !ok {
		binary.LittleEndian.PutUint16(b[off:], v)
		return
	}
	for {
		old := atomic.LoadUint32(p)
		if atomic.CompareAndSwapUint32(p, old, old&0xffff0000|uint32(v)) {
			return
		}
	}
}

// On a little-endian machine the field at the lower address is the low
// half of the word.
func low(w uint32) uint16  { return uint16(w) }
func high(w uint32) uint16 { return uint16(w >> 16) }
