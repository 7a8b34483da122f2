package object

import (
	"sync"
	"time"

	"clk/abi"
	"clk/kernel/wait"
)

// Timer raises abi.Signaled at a deadline. Setting it again clears the
// signal and moves the deadline; cancelling clears it. When its last
// handle goes away it stops.
type Timer struct {
	wait.Source
	mu sync.Mutex
	t  *time.Timer
}

// NewTimer returns a disarmed timer.
func NewTimer() *Timer { return &Timer{} }

// Type returns abi.TypeTimer.
func (t *Timer) Type() abi.ObjectType { return abi.TypeTimer }

// Set arms the timer for deadline, replacing an earlier deadline and
// clearing abi.Signaled. A deadline in the past fires at once.
func (t *Timer) Set(deadline time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.t != nil {
		t.t.Stop()
	}
	t.Update(abi.Signaled, 0)
	var me *time.Timer
	me = time.AfterFunc(time.Until(deadline), func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.t == me {
			t.Update(0, abi.Signaled)
		}
	})
	t.t = me
}

// Cancel disarms the timer and clears abi.Signaled.
func (t *Timer) Cancel() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.t != nil {
		t.t.Stop()
		t.t = nil
	}
	t.Update(abi.Signaled, 0)
}

// Release stops the timer when its last handle is gone.
func (t *Timer) Release() { t.Cancel() }
