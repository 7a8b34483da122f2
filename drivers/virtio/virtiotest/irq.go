package virtiotest

import "errors"

// ErrIRQClosed is what IRQ.Wait returns once the IRQ is closed.
var ErrIRQClosed = errors.New("virtiotest: interrupt object closed")

// IRQ is an interrupt object as the kernel gives one to a driver: for an
// MSI-X table entry, or for the INTx line on a device without MSI-X. Its
// Wait is what the virtio device libraries take as Config.Wait.
type IRQ struct {
	d      *Device
	vector uint16
	seen   int // interrupts counted when Wait last returned
	closed bool
}

// IRQ returns an interrupt object for MSI-X table entry vector, or for
// INTx when the device has no MSI-X (vector is then ignored). It counts
// the interrupts sent from now on.
func (d *Device) IRQ(vector uint16) *IRQ {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := &IRQ{d: d, vector: vector}
	q.seen = q.count()
	return q
}

// count is the number of interrupts sent on the object's vector.
//
// Preconditions: d.mu is held.
func (q *IRQ) count() int {
	if q.d.opts.MSIXVectors == 0 {
		return q.d.intx
	}
	return q.d.interrupts[q.vector]
}

// Wait blocks until the device interrupts, and returns at once if it
// interrupted since the previous Wait returned: it latches, as a kernel
// interrupt object does, so that no interrupt is lost between a driver's
// reap and its next Wait. Interrupts that came meanwhile count as one.
// It fails with ErrIRQClosed once Close is called.
func (q *IRQ) Wait() error {
	d := q.d
	d.mu.Lock()
	defer d.mu.Unlock()
	for !q.closed && q.count() == q.seen {
		d.fired.Wait()
	}
	if q.closed {
		return ErrIRQClosed
	}
	q.seen = q.count()
	return nil
}

// Close makes every Wait, those blocked now and those to come, fail with
// ErrIRQClosed, as the kernel ends the waits on an interrupt object whose
// device is released.
func (q *IRQ) Close() {
	q.d.mu.Lock()
	defer q.d.mu.Unlock()
	q.closed = true
	q.d.fired.Broadcast()
}
