package proc

import (
	"clk/abi"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// futexSpace returns a space with one read-write page holding futex words.
func futexSpace(t *testing.T) (*Space, uint64) {
	t.Helper()
	s, _ := newSpace(t)
	return s, mustReserve(t, s, 0, abi.PageSize, rw, KindAnon, "futexes")
}

func store(t *testing.T, s *Space, addr uint64, v uint32) {
	t.Helper()
	if err := s.CopyOut(addr, binary.LittleEndian.AppendUint32(nil, v)); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or ten seconds pass (a loaded
// machine may be slow to start a goroutine).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFutexRefusals(t *testing.T) {
	s, addr := futexSpace(t)
	store(t, s, addr, 7)
	var f Futexes
	tests := []struct {
		name string
		addr uint64
		val  uint32
		want error
	}{
		{"value differs", addr, 8, ErrValueChanged},
		{"misaligned", addr + 2, 7, ErrInvalid},
		{"unmapped", addr + abi.PageSize, 0, ErrFault},
		{"nil", 0, 0, ErrFault},
	}
	for _, tt := range tests {
		start := time.Now()
		err := f.Wait(s, tt.addr, tt.val, time.Time{})
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Wait = %v, want %v", tt.name, err, tt.want)
		}
		if time.Since(start) > 500*time.Millisecond {
			t.Errorf("%s: Wait slept", tt.name)
		}
	}
	if f.Waiting() != 0 {
		t.Errorf("%d waiters left", f.Waiting())
	}
}

func TestFutexTimeout(t *testing.T) {
	s, addr := futexSpace(t)
	var f Futexes
	start := time.Now()
	err := f.Wait(s, addr, 0, start.Add(20*time.Millisecond))
	if !errors.Is(err, ErrTimedOut) || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("Wait = %v after %v, want ErrTimedOut after 20ms", err, time.Since(start))
	}
	// A past deadline still compares first.
	if err := f.Wait(s, addr, 1, time.Unix(1, 0)); !errors.Is(err, ErrValueChanged) {
		t.Errorf("Wait with a past deadline and another value: %v", err)
	}
	if err := f.Wait(s, addr, 0, time.Unix(1, 0)); !errors.Is(err, ErrTimedOut) {
		t.Errorf("Wait with a past deadline: %v", err)
	}
	if f.Waiting() != 0 || f.Wake(addr, 1) != 0 {
		t.Error("a timed-out waiter is still queued")
	}
}

func TestFutexWake(t *testing.T) {
	s, addr := futexSpace(t)
	other := addr + 4
	var f Futexes
	if n := f.Wake(addr, 1); n != 0 {
		t.Fatalf("Wake with no waiters = %d", n)
	}
	done := make(chan error, 4)
	for _, a := range []uint64{addr, addr, addr, other} {
		go func() { done <- f.Wait(s, a, 0, time.Now().Add(10*time.Second)) }()
	}
	waitFor(t, "4 waiters", func() bool { return f.Waiting() == 4 })

	if n := f.Wake(addr, 0); n != 0 {
		t.Errorf("Wake(0) = %d", n)
	}
	if n := f.Wake(addr, 2); n != 2 {
		t.Errorf("Wake(2) = %d", n)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("woken Wait = %v", err)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("a third waiter returned: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	if n := f.Wake(addr, 5); n != 1 {
		t.Errorf("Wake(5) = %d, want the 1 left on addr", n)
	}
	if err := <-done; err != nil {
		t.Errorf("woken Wait = %v", err)
	}
	if f.Waiting() != 1 {
		t.Errorf("%d waiting, want the one on the other word", f.Waiting())
	}
	f.Close()
	if err := <-done; !errors.Is(err, ErrFutexClosed) {
		t.Errorf("Wait ended by Close = %v", err)
	}
	if err := f.Wait(s, addr, 0, time.Time{}); !errors.Is(err, ErrFutexClosed) {
		t.Errorf("Wait after Close = %v", err)
	}
}

// TestFutexNoLostWakeup races a waiter that sleeps while the word is 0
// against a waker that stores 1 and wakes: the waiter must always return,
// woken or seeing the new value, never sleeping on.
func TestFutexNoLostWakeup(t *testing.T) {
	s, addr := futexSpace(t)
	var f Futexes
	for i := range 300 {
		store(t, s, addr, 0)
		done := make(chan error, 1)
		go func() { done <- f.Wait(s, addr, 0, time.Now().Add(5*time.Second)) }()
		if i%2 == 0 {
			time.Sleep(time.Duration(i%5) * 10 * time.Microsecond)
		}
		store(t, s, addr, 1)
		f.Wake(addr, 1)
		if err := <-done; err != nil && !errors.Is(err, ErrValueChanged) {
			t.Fatalf("round %d: Wait = %v", i, err)
		}
	}
}

// TestFutexTimeoutRace wakes waiters at their deadline: each Wait must
// return nil exactly when Wake counted it.
func TestFutexTimeoutRace(t *testing.T) {
	s, addr := futexSpace(t)
	var f Futexes
	for i := range 100 {
		deadline := time.Now().Add(time.Millisecond)
		done := make(chan error, 1)
		go func() { done <- f.Wait(s, addr, 0, deadline) }()
		time.Sleep(time.Until(deadline) - time.Duration(i%3)*100*time.Microsecond)
		woke := f.Wake(addr, 1)
		err := <-done
		switch {
		case woke == 1 && err != nil:
			t.Fatalf("round %d: counted as woken, but Wait = %v", i, err)
		case woke == 0 && err == nil:
			t.Fatalf("round %d: Wait = nil, but not counted as woken", i)
		case woke == 0 && !errors.Is(err, ErrTimedOut):
			t.Fatalf("round %d: Wait = %v", i, err)
		}
	}
}
