package proc

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/syscalls"
	"clk/kernel/wait"
)

// Errors of Futexes.Wait.
var (
	// ErrValueChanged: the futex word did not hold the expected value, so
	// Wait did not sleep.
	// It is abi.EAGAIN, so the syscall layer reports EAGAIN.
	ErrValueChanged = abi.EAGAIN
	// ErrTimedOut: the deadline passed first. It is wait.ErrTimedOut, so
	// the syscall layer reports it as ETIMEDOUT.
	ErrTimedOut = wait.ErrTimedOut
	// ErrFutexClosed: the process is ending; Close woke the waiter.
	// It wraps cap.ErrClosed, so the syscall layer reports ECLOSED.
	ErrFutexClosed = fmt.Errorf("futexes closed: %w", cap.ErrClosed)
)

// Futexes are the futex wait queues of one process, keyed by the user
// address of the futex word. The zero value is ready to use.
type Futexes struct {
	mu      sync.Mutex
	queues  map[uint64][]*futexWaiter
	closed  bool
	waiting int
}

// futexWaiter is one sleeping Wait. Wake and Close send its result.
type futexWaiter struct {
	done chan error
}

// Wait sleeps while the uint32 at addr in mem equals val, until Wake
// wakes it (nil), the deadline passes (ErrTimedOut; the zero Time waits
// forever) or Close ends every wait (ErrFutexClosed). It reads the word
// and queues itself under the lock Wake takes, so a Wake after a store
// that changes the word is never lost. It returns ErrValueChanged at once
// if the word differs from val, an error wrapping ErrInvalid if addr is
// not 4-byte aligned, and the error of mem if the word cannot be read.
func (f *Futexes) Wait(mem syscalls.AddressSpace, addr uint64, val uint32, deadline time.Time) error {
	if addr%4 != 0 {
		return fmt.Errorf("futex wait at %#x: not 4-byte aligned: %w", addr, ErrInvalid)
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return fmt.Errorf("futex wait at %#x: %w", addr, ErrFutexClosed)
	}
	var word [4]byte
	if err := mem.CopyIn(word[:], addr); err != nil {
		f.mu.Unlock()
		return fmt.Errorf("futex wait: %w", err)
	}
	if got := binary.LittleEndian.Uint32(word[:]); got != val {
		f.mu.Unlock()
		return fmt.Errorf("futex wait at %#x: word %#x, want %#x: %w", addr, got, val, ErrValueChanged)
	}
	w := &futexWaiter{done: make(chan error, 1)}
	if f.queues == nil {
		f.queues = make(map[uint64][]*futexWaiter)
	}
	f.queues[addr] = append(f.queues[addr], w)
	f.waiting++
	f.mu.Unlock()

	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case err := <-w.done:
		return err
	case <-timeout:
	}
	f.mu.Lock()
	removed := f.remove(addr, w)
	f.mu.Unlock()
	if !removed {
		// A Wake or Close took w off its queue before the lock was
		// taken: its result is in done, and it counted w as woken.
		return <-w.done
	}
	return fmt.Errorf("futex wait at %#x: %w", addr, ErrTimedOut)
}

// remove takes w off the queue of addr and reports whether it was there.
func (f *Futexes) remove(addr uint64, w *futexWaiter) bool {
	q := f.queues[addr]
	for i, x := range q {
		if x == w {
			q = append(q[:i], q[i+1:]...)
			if len(q) == 0 {
				delete(f.queues, addr)
			} else {
				f.queues[addr] = q
			}
			f.waiting--
			return true
		}
	}
	return false
}

// Wake wakes up to n of the waiters on addr, longest waiting first, and
// returns how many it woke.
func (f *Futexes) Wake(addr uint64, n int) int {
	if n <= 0 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[addr]
	n = min(n, len(q))
	for _, w := range q[:n] {
		w.done <- nil
	}
	if n == len(q) {
		delete(f.queues, addr)
	} else {
		clear(q[:n])
		f.queues[addr] = q[n:]
	}
	f.waiting -= n
	return n
}

// Waiting returns the number of waiters asleep.
func (f *Futexes) Waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiting
}

// Close wakes every waiter with ErrFutexClosed and makes every later
// Wait fail with it: what happens when the process dies.
func (f *Futexes) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, q := range f.queues {
		for _, w := range q {
			w.done <- fmt.Errorf("futex wait: %w", ErrFutexClosed)
		}
	}
	f.queues = nil
	f.waiting = 0
}
