package virtio

import "fmt"

// Buffer is one buffer of a chain: its bus address and length.
type Buffer struct {
	Addr uint64
	Len  uint32
}

// Queue is a split virtqueue (2.7) of a Device.
//
// The driver adds chains of buffers with Add, notifies the device with
// Notify, and takes back the chains the device used with Used. Nothing
// the device writes is trusted: the free list and each chain's length and
// writable bytes live in the driver's own memory, and every used entry is
// checked against them. A used ring no correct device writes makes Used
// fail with ErrDeviceBroken, and the queue refuses every call after that
// until the device is reset and the queue set up again.
//
// A Queue is not safe for concurrent use.
type Queue struct {
	dev      *Device
	index    uint16
	lay      layout
	mask     uint16 // n-1: ring slot of a free-running index
	mem      []byte
	notify   window
	notifyAt uintptr
	eventIdx bool

	// next links each descriptor to the next of its chain, or of the
	// free list. It is the driver's copy: the device cannot corrupt it.
	next     []uint16
	freeHead uint16
	numFree  int
	chains   []chain // by head descriptor
	inFlight int     // chains made available and not yet used

	availIdx   uint16 // avail.idx as published
	availFlags uint16 // avail.flags as published
	kicked     uint16 // avail.idx when the device was last notified or found not to want it
	lastUsed   uint16 // free-running index of the next used entry to take
	reaping    bool   // Used is running: its callback may not call it

	err error // why the queue refuses use, once it does
}

// chain is the driver's record of a chain in flight, by its head.
type chain struct {
	descs    int    // descriptors; 0 when the head is not in flight
	writable uint64 // device-writable bytes
}

func newQueue(d *Device, index uint16, n int, lay layout, mem []byte, notify window, at uintptr, eventIdx bool) *Queue {
	q := &Queue{
		dev: d, index: index, lay: lay, mask: uint16(n - 1), mem: mem,
		notify: notify, notifyAt: at, eventIdx: eventIdx,
		next: make([]uint16, n), numFree: n, chains: make([]chain, n),
	}
	for i := range q.next {
		q.next[i] = uint16(i + 1)
	}
	return q
}

// Index is the queue's index in its device.
func (q *Queue) Index() int { return int(q.index) }

// Size is the number of entries: descriptors, and slots of each ring.
func (q *Queue) Size() int { return q.lay.n }

// NumFree is the number of free descriptors.
func (q *Queue) NumFree() int { return q.numFree }

// InFlight is the number of chains added and not yet taken back by Used.
func (q *Queue) InFlight() int { return q.inFlight }

// Err is why the queue refuses use (wrapping ErrDeviceBroken or
// ErrStopped), or nil.
func (q *Queue) Err() error { return q.err }

// Add makes a chain of buffers available to the device (2.7.13): out,
// which the device reads, then in, which it writes, as 2.7.4.2 orders
// them. It returns the chain's head descriptor, which Used gives back
// when the device is done with the chain. The device may use the chain
// as soon as Add returns; Notify tells it to look.
//
// Add fails with ErrQueueFull when fewer descriptors are free than the
// chain needs, and with ErrInvalid for a chain the specification forbids
// (see ErrInvalid).
func (q *Queue) Add(out, in []Buffer) (head uint16, err error) {
	if q.err != nil {
		return 0, q.err
	}
	n := len(out) + len(in)
	if n == 0 || n > q.lay.n {
		return 0, fmt.Errorf("queue %d: chain of %d buffers in a queue of %d: %w", q.index, n, q.lay.n, ErrInvalid)
	}
	var total, writable uint64
	for i := range n {
		b := bufferAt(out, in, i)
		if b.Len == 0 || b.Addr+uint64(b.Len) < b.Addr {
			return 0, fmt.Errorf("queue %d: buffer %d of %d bytes at %#x: %w", q.index, i, b.Len, b.Addr, ErrInvalid)
		}
		total += uint64(b.Len)
		if i >= len(out) {
			writable += uint64(b.Len)
		}
	}
	if total > 1<<32 {
		return 0, fmt.Errorf("queue %d: chain of %d bytes: %w", q.index, total, ErrInvalid)
	}
	if n > q.numFree {
		return 0, fmt.Errorf("queue %d: chain of %d buffers, %d descriptors free: %w", q.index, n, q.numFree, ErrQueueFull)
	}
	head = q.freeHead
	d := head
	for i := range n {
		b := bufferAt(out, in, i)
		var flags, next uint16
		if i >= len(out) {
			flags |= descFWrite
		}
		if i < n-1 {
			flags |= descFNext
			next = q.next[d]
		}
		at := q.lay.desc + descSize*int(d)
		put64(q.mem, at+descAddr, b.Addr)
		put32(q.mem, at+descLen, b.Len)
		put16(q.mem, at+descFlags, flags)
		put16(q.mem, at+descNext, next)
		if i < n-1 {
			d = next
		}
	}
	q.freeHead = q.next[d]
	q.numFree -= n
	q.chains[head] = chain{descs: n, writable: writable}
	q.inFlight++
	put16(q.mem, q.lay.avail+availRing+2*int(q.availIdx&q.mask), head)
	q.availIdx++
	q.publishAvail()
	return head, nil
}

func bufferAt(out, in []Buffer, i int) Buffer {
	if i < len(out) {
		return out[i]
	}
	return in[i-len(out)]
}

// publishAvail writes the available ring's flags and idx, after the
// descriptors and ring entries written before (see storeWord).
func (q *Queue) publishAvail() {
	storeWord(q.mem, q.lay.avail+availFlags, uint32(q.availFlags)|uint32(q.availIdx)<<16)
}

// Notify sends the device an available buffer notification (4.1.5.2) for
// the chains added since the last one, unless the device said it does not
// need one (2.7.10): with VIRTIO_F_EVENT_IDX, when none of them is the
// entry avail_event names; without it, when the used ring's flags say
// VIRTQ_USED_F_NO_NOTIFY. Before Ready it sends nothing; Ready notifies
// every queue with chains added.
func (q *Queue) Notify() error {
	if q.err != nil {
		return q.err
	}
	if q.dev.phase != phaseLive || q.kicked == q.availIdx {
		return nil
	}
	old := q.kicked
	q.kicked = q.availIdx
	// avail.idx was published by storeWord, a full barrier: these loads
	// see what the device wrote after it saw the new index.
	if q.eventIdx {
		if !published(low(loadWord(q.mem, q.lay.availEvent)), old, q.availIdx) {
			return nil
		}
	} else if low(loadWord(q.mem, q.lay.used+usedFlags))&usedFNoNotify != 0 {
		return nil
	}
	q.notify.Write16(q.notifyAt, q.index)
	return nil
}

// Used takes back the chains the device has used, in the order it used
// them, and calls fn, if not nil, with each chain's head and the number of
// bytes the device wrote to its device-writable buffers (2.7.8). A chain's
// descriptors are free again before fn is called: fn may Add. fn must not
// call Used. It returns how many chains it took back.
//
// Each entry is checked before it is believed: an id that is not the head
// of a chain in flight, a length beyond the chain's device-writable bytes,
// a used index more entries ahead than chains are in flight, make Used
// return an error wrapping ErrDeviceBroken, having taken back the entries
// before the bad one; the queue is then unusable until a reset.
func (q *Queue) Used(fn func(head uint16, written uint32)) (int, error) {
	if q.err != nil {
		return 0, q.err
	}
	if q.reaping {
		return 0, fmt.Errorf("queue %d: Used called from its own callback: %w", q.index, ErrState)
	}
	q.reaping = true
	defer func() { q.reaping = false }()
	idx := high(loadWord(q.mem, q.lay.used+usedFlags))
	ahead := int(idx - q.lastUsed)
	if ahead > q.inFlight {
		return 0, q.broke("used idx %d is %d entries past %d, with %d chains in flight", idx, ahead, q.lastUsed, q.inFlight)
	}
	taken := 0
	for ; ahead > 0; ahead-- {
		at := q.lay.used + usedRing + usedElem*int(q.lastUsed&q.mask)
		id, written := get32(q.mem, at), get32(q.mem, at+4)
		if id >= uint32(q.lay.n) || q.chains[id].descs == 0 {
			return taken, q.broke("used entry %d has id %d, not the head of a chain in flight", q.lastUsed, id)
		}
		c := q.chains[id]
		if uint64(written) > c.writable {
			return taken, q.broke("used entry %d: %d bytes written to chain %d of %d writable", q.lastUsed, written, id, c.writable)
		}
		q.free(uint16(id), c)
		q.lastUsed++
		taken++
		if fn != nil {
			fn(uint16(id), written)
			if q.err != nil { // fn reset the device
				return taken, q.err
			}
		}
	}
	return taken, nil
}

// free returns the chain at head to the free list.
func (q *Queue) free(head uint16, c chain) {
	last := head
	for range c.descs - 1 {
		last = q.next[last]
	}
	q.next[last] = q.freeHead
	q.freeHead = head
	q.numFree += c.descs
	q.chains[head] = chain{}
	q.inFlight--
}

func (q *Queue) broke(format string, args ...any) error {
	q.err = fmt.Errorf("queue %d: %s: %w", q.index, fmt.Sprintf(format, args...), ErrDeviceBroken)
	return q.err
}

func (q *Queue) stop() {
	q.err = fmt.Errorf("queue %d: %w", q.index, ErrStopped)
}

// DisableInterrupts asks the device not to send used buffer notifications
// (2.7.7): with VIRTIO_F_EVENT_IDX it sets used_event to an entry already
// used, which the device will not reach again for 65535 entries; without,
// it sets VIRTQ_AVAIL_F_NO_INTERRUPT. It is a hint: notifications may still
// come.
func (q *Queue) DisableInterrupts() {
	if q.err != nil {
		return
	}
	if q.eventIdx {
		storeWord(q.mem, q.lay.usedEvent, uint32(q.lastUsed-1))
		return
	}
	q.availFlags = availFNoInterrupt
	q.publishAvail()
}

// EnableInterrupts asks the device to send a used buffer notification for
// the next chain it uses, and reports whether chains were used already:
// then the notification for them may never come, and the driver calls
// Used instead of waiting (the race of 2.7.14's note). With
// VIRTIO_F_EVENT_IDX it sets used_event to the next entry; without, it
// clears VIRTQ_AVAIL_F_NO_INTERRUPT. A queue that refuses use reports true,
// so that the driver calls Used and meets the error.
func (q *Queue) EnableInterrupts() (more bool) {
	if q.err != nil {
		return true
	}
	if q.eventIdx {
		storeWord(q.mem, q.lay.usedEvent, uint32(q.lastUsed))
	} else {
		q.availFlags = 0
		q.publishAvail()
	}
	// The store was a full barrier: the used index read here is not
	// older than the device's view of the store.
	return high(loadWord(q.mem, q.lay.used+usedFlags)) != q.lastUsed
}
