package wait

import (
	"errors"
	"sync"
	"time"

	"clk/abi"
)

// ErrTimedOut is returned when the deadline passes first.
var ErrTimedOut = errors.New("deadline passed")

// Source is the signal state of one object. The zero Source has no
// signals raised.
type Source struct {
	mu    sync.Mutex
	state abi.Signals
	// waiters are few (the goroutines in a wait on this object): a
	// slice is cheaper to scan and change than a map.
	waiters []watch
}

type waiter struct {
	wake chan struct{} // buffered, 1
}

// WaitSource returns s. Objects that embed a Source get it as a method,
// which is how the syscall layer finds what to wait on.
func (s *Source) WaitSource() *Source { return s }

// Signals returns the signals raised now.
func (s *Source) Signals() abi.Signals {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Waiting returns the number of waits watching s now: a goroutine counts
// from the moment its wait watches s, before it blocks, until the wait
// returns.
func (s *Source) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiters)
}

// Update clears the signals in clear, then raises those in set, and wakes
// every waiter that wants a signal now raised.
func (s *Source) Update(clear, set abi.Signals) {
	s.mu.Lock()
	s.state = s.state&^clear | set
	for _, ww := range s.waiters {
		if s.state&ww.want != 0 {
			select {
			case ww.w.wake <- struct{}{}:
			default:
			}
		}
	}
	s.mu.Unlock()
}

// watch is one waiter's interest in a Source.
type watch struct {
	w    *waiter
	want abi.Signals
}

// watch adds want to what w waits for on s. A wait may name the same
// object in several items with different signals: the wants add up, so a
// signal any of those items wants wakes the waiter.
func (s *Source) watch(w *waiter, want abi.Signals) abi.Signals {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.waiters {
		if s.waiters[i].w == w {
			s.waiters[i].want |= want
			return s.state
		}
	}
	s.waiters = append(s.waiters, watch{w, want})
	return s.state
}

func (s *Source) unwatch(w *waiter) {
	s.mu.Lock()
	for i := range s.waiters {
		if s.waiters[i].w == w {
			last := len(s.waiters) - 1
			s.waiters[i] = s.waiters[last]
			s.waiters[last] = watch{}
			s.waiters = s.waiters[:last]
			break
		}
	}
	s.mu.Unlock()
}

// Item is one object to wait on: its Source, the signals wanted, and, on
// return, the signals it had when the wait ended.
type Item struct {
	Source   *Source
	Want     abi.Signals
	Observed abi.Signals
}

// waiters keeps waiters between waits: a syscall that blocks makes one.
var waiters = sync.Pool{New: func() any { return &waiter{wake: make(chan struct{}, 1)} }}

// Forever is the deadline of a wait without one.
var Forever time.Time

// Many waits until at least one item has a wanted signal raised, or the
// deadline passes (ErrTimedOut), and fills in every item's Observed. A
// zero deadline (Forever) waits without limit; a past one only polls.
// It returns the number of items with a wanted signal raised.
func Many(items []Item, deadline time.Time) (int, error) {
	return ManyUntil(items, deadline, nil)
}

// ErrStopped is returned when the stop channel of ManyUntil closes first.
var ErrStopped = errors.New("wait stopped")

// ManyUntil is Many that also ends, with ErrStopped, when stop closes: how
// a wait made for a process ends when the process does. A nil stop never
// closes.
func ManyUntil(items []Item, deadline time.Time, stop <-chan struct{}) (int, error) {
	w := waiters.Get().(*waiter)
	for i := range items {
		items[i].Source.watch(w, items[i].Want)
	}
	defer func() {
		for i := range items {
			items[i].Source.unwatch(w)
		}
		// No Source knows w any more: drop a wake-up it may have left
		// and keep w for the next wait.
		select {
		case <-w.wake:
		default:
		}
		waiters.Put(w)
	}()
	var timeout <-chan time.Time
	expired := false
	for {
		n := 0
		for i := range items {
			items[i].Observed = items[i].Source.Signals()
			if items[i].Observed&items[i].Want != 0 {
				n++
			}
		}
		if n > 0 {
			return n, nil
		}
		if expired {
			return 0, ErrTimedOut
		}
		if timeout == nil && !deadline.IsZero() {
			d := time.Until(deadline)
			if d <= 0 {
				return 0, ErrTimedOut
			}
			t := time.NewTimer(d)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-w.wake:
		case <-timeout:
			expired = true
		case <-stop:
			return 0, ErrStopped
		}
	}
}

// One waits on a single source; see Many.
func One(s *Source, want abi.Signals, deadline time.Time) (abi.Signals, error) {
	items := [1]Item{{Source: s, Want: want}}
	_, err := Many(items[:], deadline)
	return items[0].Observed, err
}
