package net

import (
	"fmt"
	"sync"

	"clk/drivers/virtio"
)

// transmitter is the transmit queue and its pool of buffers.
type transmitter struct {
	mu     sync.Mutex
	room   *sync.Cond // a buffer came back, or the NIC ended
	wanted *sync.Cond // a Send waits for a buffer, or the NIC ended
	q      *virtio.Queue
	mem    []byte // the buffers, bufSize apart
	phys   uint64 // bus address of mem
	free   []int  // buffers not in flight
	bufOf  []int  // by head descriptor: the buffer of the chain

	waiting    int  // Sends waiting for a buffer
	armed      bool // Reclaim re-armed the interrupt and waits for it
	reclaiming bool // Reclaim runs
}

func (t *transmitter) init(q *virtio.Queue, mem []byte, phys uint64) {
	t.q, t.mem, t.phys = q, mem, phys
	t.room = sync.NewCond(&t.mu)
	t.wanted = sync.NewCond(&t.mu)
	t.bufOf = make([]int, q.Size())
	for i := range q.Size() {
		t.free = append(t.free, i)
	}
}

// Send transmits frame, an Ethernet frame of MinFrame to MaxFrame bytes
// (ErrFrameSize otherwise): it copies it into a free transmit buffer
// behind a zeroed header (no offloads, 5.1.6.2.1), makes it available and
// notifies the device unless it suppressed notifications. It returns once
// the device has the frame, not once it is on the wire; frame may be
// reused at once.
//
// Send first takes back the buffers the device is done with. When every
// buffer is in flight it waits until one comes back, for as long as that
// takes: Reclaim must run for it to come back. It fails only when the NIC
// has ended (ErrClosed after Close, or what broke it); a device that
// stops transmitting without breaking keeps Send waiting until Close.
//
// Send is safe for concurrent use, and from deliver.
func (n *NIC) Send(frame []byte) error {
	if len(frame) < MinFrame || len(frame) > MaxFrame {
		n.outErrors.Add(1)
		return fmt.Errorf("net: frame of %d bytes, not %d to %d: %w", len(frame), MinFrame, MaxFrame, ErrFrameSize)
	}
	t := &n.tx
	t.mu.Lock()
	i, err := n.buffer()
	if err == nil {
		b := t.mem[i*bufSize : i*bufSize+hdrSize+len(frame)]
		clear(b[:hdrSize])
		copy(b[hdrSize:], frame)
		var head uint16
		head, err = t.q.Add([]virtio.Buffer{{Addr: t.phys + uint64(i*bufSize), Len: uint32(len(b))}}, nil)
		if err == nil {
			t.bufOf[head] = i
			err = t.q.Notify()
		}
	}
	ended := n.err
	t.mu.Unlock()
	if ended != nil {
		n.outDropped.Add(1)
		return ended
	}
	if err != nil {
		n.outDropped.Add(1)
		return n.end(fmt.Errorf("net: transmit: %w", err))
	}
	n.out.Add(1)
	n.outBytes.Add(uint64(len(frame)))
	return nil
}

// buffer takes a free transmit buffer, reaping the queue and waiting for
// one to come back as need be.
//
// Preconditions: n.tx.mu is held; it is released while waiting.
func (n *NIC) buffer() (int, error) {
	t := &n.tx
	for n.err == nil {
		if err := n.reclaim(); err != nil {
			return 0, err
		}
		if k := len(t.free); k > 0 {
			i := t.free[k-1]
			t.free = t.free[:k-1]
			return i, nil
		}
		t.waiting++
		t.wanted.Signal()
		t.room.Wait()
		t.waiting--
	}
	return 0, n.err
}

// reclaim takes back the buffers the device has sent, and wakes the
// Sends waiting for one. Unless Reclaim waits for the transmit interrupt,
// it turns the interrupt off again: it is wanted only then.
//
// Preconditions: n.tx.mu is held.
func (n *NIC) reclaim() error {
	t := &n.tx
	got, err := t.q.Used(func(head uint16, _ uint32) {
		t.free = append(t.free, t.bufOf[head])
	})
	if got > 0 {
		// Turning it off under a waiting Reclaim could leave it asleep
		// with buffers in flight: a completion the device published
		// before the change but notifies after would go unnotified.
		if !t.armed {
			t.q.DisableInterrupts()
		}
		t.room.Broadcast()
	}
	return err
}

// Reclaim runs the transmit completion loop until the NIC ends, and
// returns why, as Receive does. It sleeps until a Send waits for a
// buffer; then it re-arms the transmit queue's interrupt, waits for it
// and takes back what the device sent, until no Send waits. Sends take
// back buffers themselves as they go; Reclaim is what wakes them when
// every buffer is in flight. A driver runs it in its own goroutine for as
// long as it sends.
//
// One Reclaim runs at a time: another call returns ErrBusy.
func (n *NIC) Reclaim() error {
	t := &n.tx
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reclaiming {
		return ErrBusy
	}
	t.reclaiming = true
	defer func() { t.reclaiming = false }()
	for {
		for n.err == nil && (t.waiting == 0 || len(t.free) > 0) {
			t.wanted.Wait()
		}
		if n.err != nil {
			return n.err
		}
		err := n.reclaim()
		if err == nil && len(t.free) == 0 {
			seen := n.txIRQ.mark()
			if !t.q.EnableInterrupts() {
				t.armed = true
				t.mu.Unlock()
				err = n.txIRQ.await(seen)
				t.mu.Lock()
				t.armed = false
			}
		}
		if err != nil {
			t.mu.Unlock()
			n.end(fmt.Errorf("net: transmit: %w", err))
			t.mu.Lock()
		}
	}
}
