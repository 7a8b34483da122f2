package net

import (
	"fmt"
	"sync"

	"clk/drivers/virtio"
)

// receiver is the receive queue, every one of whose buffers is in the
// device but while Receive copies a frame out of it.
type receiver struct {
	mu      sync.Mutex
	q       *virtio.Queue
	mem     []byte   // the buffers, bufSize apart
	phys    uint64   // bus address of mem
	bufOf   []int    // by head descriptor: the buffer of the chain
	copies  []byte   // frames copied out of DMA memory, MaxFrame apart
	frames  [][]byte // the frames of one reap, in copies
	running bool     // Receive runs
}

func (r *receiver) init(q *virtio.Queue, mem []byte, phys uint64) {
	r.q, r.mem, r.phys = q, mem, phys
	r.bufOf = make([]int, q.Size())
	// A reap takes back at most the chains in flight, one a buffer.
	r.copies = make([]byte, q.Size()*MaxFrame)
}

// post makes buffer i available to the device, whole and device-writable
// (5.1.6.3). A buffer is one descriptor, so the queue always has room.
//
// Preconditions: r.mu is held, or the NIC is not yet shared.
func (r *receiver) post(i int) error {
	head, err := r.q.Add(nil, []virtio.Buffer{{Addr: r.phys + uint64(i*bufSize), Len: bufSize}})
	if err != nil {
		return err
	}
	r.bufOf[head] = i
	return nil
}

// Receive runs the receive loop until the NIC ends, and returns why: the
// error of a failed WaitRX, a device that broke the queue's protocol
// (virtio.ErrDeviceBroken) or needs a reset (ErrNeedsReset), or ErrClosed.
// It calls deliver with each frame the device received, in order, from
// the goroutine that runs it; the frame is valid only during the call, so
// deliver copies what it keeps. deliver may call Send.
//
// Each turn reaps what the device used: each frame is checked (see Stats
// for what is counted instead of delivered), copied out of DMA memory,
// and its buffer made available again at once, so that the device always
// holds every buffer but those being copied; then the device is notified,
// and the frames are delivered with no lock held. When nothing is left
// it re-arms the queue's interrupt and waits; configuration changes share
// that interrupt, and each wake-up checks DEVICE_NEEDS_RESET.
//
// One Receive runs at a time: another call returns ErrBusy.
func (n *NIC) Receive(deliver func(frame []byte)) error {
	if deliver == nil {
		return fmt.Errorf("net: Receive with no deliver function: %w", virtio.ErrInvalid)
	}
	r := &n.rx
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return ErrBusy
	}
	r.running = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()
	for {
		r.mu.Lock()
		if err := n.err; err != nil {
			r.mu.Unlock()
			return err
		}
		frames, err := n.reap()
		seen := n.rxIRQ.mark()
		// Re-arm only when nothing came: while frames keep coming the
		// loop polls with the interrupt off (5.1.6.4).
		more := len(frames) > 0 || err != nil || r.q.EnableInterrupts()
		r.mu.Unlock()
		for _, f := range frames {
			n.in.Add(1)
			n.inBytes.Add(uint64(len(f)))
			deliver(f)
		}
		if err != nil {
			return n.end(fmt.Errorf("net: receive: %w", err))
		}
		if more {
			continue
		}
		if err := n.rxIRQ.await(seen); err != nil {
			return n.end(fmt.Errorf("net: receive: %w", err))
		}
		if n.dev.NeedsReset() {
			return n.end(ErrNeedsReset)
		}
		r.mu.Lock()
		r.q.DisableInterrupts()
		r.mu.Unlock()
	}
}

// reap takes back the buffers the device used, copies out the frames
// they hold, makes them available again and notifies the device. It
// returns the frames, and the error of a queue the device broke with the
// frames before the bad entry.
//
// Preconditions: n.rx.mu is held.
func (n *NIC) reap() ([][]byte, error) {
	r := &n.rx
	r.frames = r.frames[:0]
	var postErr error
	got, err := r.q.Used(func(head uint16, written uint32) {
		i := r.bufOf[head]
		if f, ok := n.frame(r.mem[i*bufSize:(i+1)*bufSize], written); ok {
			c := r.copies[len(r.frames)*MaxFrame:][:len(f)]
			copy(c, f)
			r.frames = append(r.frames, c)
		}
		if postErr == nil {
			postErr = r.post(i)
		}
	})
	if err == nil {
		err = postErr
	}
	if got > 0 && err == nil {
		err = r.q.Notify()
	}
	return r.frames, err
}

// frame returns the frame in buf, a receive buffer of which the device
// wrote written bytes, or false if there is none to deliver, counted as
// an error or a drop. Queue.Used has checked that written is within buf.
func (n *NIC) frame(buf []byte, written uint32) ([]byte, bool) {
	switch {
	case written < hdrSize+MinFrame:
		n.inErrors.Add(1)
		return nil, false
	// Without VIRTIO_NET_F_GUEST_CSUM and the GUEST_TSO features the
	// device must set neither (5.1.6.4.1): a frame with a partial
	// checksum, or a segment to be cut, is not one to deliver. The other
	// flags say nothing about the frame's bytes and are ignored, as
	// 5.1.6.4.2 asks; so is num_buffers, which is 1 without
	// VIRTIO_NET_F_MRG_RXBUF but left 0 by some devices.
	case buf[hdrFlags]&flagNeedsCsum != 0 || buf[hdrGSOType] != gsoNone:
		n.inErrors.Add(1)
		return nil, false
	case written-hdrSize > MaxFrame:
		n.inDropped.Add(1)
		return nil, false
	}
	return buf[hdrSize:written], true
}
