package object

import (
	"sync"

	"clk/abi"
	"clk/kernel/wait"
)

// IRQ is one interrupt of a device, routed to a driver process. The
// interrupt code calls Fire each time it comes; the driver waits for
// abi.Signaled (irq_wait, or object_wait_many beside its channels) and
// Take clears it and says how many came. When the device is released,
// Detach raises abi.PeerClosed: nothing will fire it again.
type IRQ struct {
	wait.Source
	mu       sync.Mutex
	name     string
	pending  uint64
	total    uint64
	detached bool
	release  func()
	ack      func()
}

// NewIRQ returns an IRQ named name ("msix 0 of 00:03.0"). release, if not
// nil, runs once when the IRQ's last handle goes away.
func NewIRQ(name string, release func()) *IRQ { return &IRQ{name: name, release: release} }

// Type returns abi.TypeIRQ.
func (q *IRQ) Type() abi.ObjectType { return abi.TypeIRQ }

// Name returns what the IRQ was named.
func (q *IRQ) Name() string { return q.name }

// Fire records one interrupt and raises abi.Signaled.
func (q *IRQ) Fire() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.detached {
		return
	}
	q.pending++
	q.total++
	q.Update(0, abi.Signaled)
}

// SetAck sets what Take runs after taking interrupts: for a
// level-triggered line, unmasking it.
func (q *IRQ) SetAck(ack func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ack = ack
}

// Take returns how many interrupts came since the last Take and clears
// abi.Signaled; detached reports that the device is gone. When it took
// any, it runs the acknowledgement SetAck set.
func (q *IRQ) Take() (n uint64, detached bool) {
	q.mu.Lock()
	n, q.pending = q.pending, 0
	q.Update(abi.Signaled, 0)
	detached = q.detached
	ack := q.ack
	q.mu.Unlock()
	if n > 0 && !detached && ack != nil {
		ack()
	}
	return n, detached
}

// Total returns how many interrupts have come since the IRQ was made.
func (q *IRQ) Total() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// Detach marks the IRQ's device gone: later Fires are ignored and
// abi.PeerClosed rises, which ends the waits on it.
func (q *IRQ) Detach() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.detached = true
	q.Update(0, abi.PeerClosed)
}

// Release runs the release function when the last handle is gone.
func (q *IRQ) Release() {
	if q.release != nil {
		q.release()
	}
}
