package net

import (
	"fmt"
	"sync"
)

// interrupt is one of the driver's interrupt objects, shared by the NIC's
// loops that wait on it: with one vector for both queues, Receive and
// Reclaim wait on the same object. Two goroutines in one latching Wait
// would split its interrupts between them, each maybe sleeping on the
// other's; so one of them at a time calls the Wait, the others sleep on
// a condition, and every Wait that returns is an event all of them see.
//
// A loop takes mark before it re-arms its queue's notification and then
// awaits that mark: an interrupt after the re-arm either ends a Wait in
// progress, which counts an event past the mark, or is latched by the
// interrupt object for the next Wait.
type interrupt struct {
	wait func() error
	ack  func() // reads the ISR status with INTx, acknowledging it; else nil

	mu      sync.Mutex
	came    *sync.Cond // an event was counted, or err set
	events  uint64     // Waits that returned
	waiting bool       // a goroutine is in wait
	err     error      // why waiting is over: a failed Wait or the NIC's end
}

func newInterrupt(wait func() error, ack func()) *interrupt {
	i := &interrupt{wait: wait, ack: ack}
	i.came = sync.NewCond(&i.mu)
	return i
}

// mark is the number of events so far, for await.
func (i *interrupt) mark() uint64 {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.events
}

// await returns once an event after mark seen has come, calling the Wait
// itself unless another goroutine is in it. It returns the error of a
// failed Wait, or the one stop gave; either is for good.
//
// Preconditions: the caller holds none of the NIC's locks.
func (i *interrupt) await(seen uint64) error {
	// Not deferred: the lock is dropped around the Wait, and a Wait
	// that panics must not meet an unlock of an unlocked mutex.
	i.mu.Lock()
	for i.events == seen && i.err == nil {
		if i.waiting {
			i.came.Wait()
			continue
		}
		i.waiting = true
		i.mu.Unlock()
		err := i.wait()
		if err == nil && i.ack != nil {
			i.ack()
		}
		i.mu.Lock()
		i.waiting = false
		i.events++
		if err != nil && i.err == nil {
			i.err = fmt.Errorf("wait: %w", err)
		}
		i.came.Broadcast()
	}
	err := i.err
	i.mu.Unlock()
	return err
}

// stop wakes every goroutine sleeping in await with err, for good. One in
// the Wait itself stays there until the Wait returns.
func (i *interrupt) stop(err error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.err == nil {
		i.err = err
	}
	i.came.Broadcast()
}
