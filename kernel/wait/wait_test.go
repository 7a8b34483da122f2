package wait

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"clk/abi"
)

func TestManyWakesOnUpdate(t *testing.T) {
	var a, b Source
	go func() {
		time.Sleep(5 * time.Millisecond)
		b.Update(0, abi.Readable|abi.Writable)
	}()
	items := []Item{{Source: &a, Want: abi.Readable}, {Source: &b, Want: abi.Readable}}
	n, err := Many(items, time.Now().Add(10*time.Second))
	if err != nil || n != 1 {
		t.Fatalf("Many: %d, %v", n, err)
	}
	if items[0].Observed != 0 || items[1].Observed != abi.Readable|abi.Writable {
		t.Fatalf("observed %#x %#x", items[0].Observed, items[1].Observed)
	}
}

func TestRaisedSignalIsSeenWithoutWaiting(t *testing.T) {
	var s Source
	s.Update(0, abi.PeerClosed)
	if got, err := One(&s, abi.PeerClosed|abi.Readable, time.Unix(1, 0)); err != nil || got != abi.PeerClosed {
		t.Fatalf("One on a raised signal: %#x, %v", got, err)
	}
}

func TestManyHonoursDeadline(t *testing.T) {
	var s Source
	s.Update(0, abi.Writable)
	start := time.Now()
	_, err := One(&s, abi.Readable, start.Add(15*time.Millisecond))
	if !errors.Is(err, ErrTimedOut) || time.Since(start) < 15*time.Millisecond {
		t.Fatalf("wait for an unraised signal: %v after %v", err, time.Since(start))
	}
	if _, err := One(&s, abi.Readable, time.Unix(1, 0)); !errors.Is(err, ErrTimedOut) {
		t.Fatalf("poll with a past deadline: %v", err)
	}
}

func TestClearedSignalDoesNotWake(t *testing.T) {
	var s Source
	s.Update(0, abi.Readable)
	s.Update(abi.Readable, 0)
	if _, err := One(&s, abi.Readable, time.Now().Add(5*time.Millisecond)); !errors.Is(err, ErrTimedOut) {
		t.Fatalf("cleared signal satisfied a wait: %v", err)
	}
}

func TestTheSameObjectTwiceWakesForEitherWant(t *testing.T) {
	var s Source
	done := make(chan error, 1)
	items := []Item{{Source: &s, Want: abi.Readable}, {Source: &s, Want: abi.PeerClosed}}
	go func() {
		// Without the fix the wait sleeps through the update: a deadline
		// far beyond any wake-up turns that into a failure, not a hang.
		_, err := Many(items, time.Now().Add(30*time.Second))
		done <- err
	}()
	// Wait until the waiter is registered before raising the signal that
	// only the first item wants.
	for {
		s.mu.Lock()
		n := len(s.waiters)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		runtime.Gosched()
	}
	s.Update(0, abi.Readable)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if items[0].Observed&abi.Readable == 0 {
		t.Fatalf("first item observed %v", items[0].Observed)
	}
}

func TestWaitingCountsTheWaitsOnASource(t *testing.T) {
	var s Source
	if n := s.Waiting(); n != 0 {
		t.Fatalf("%d waiting on a new source", n)
	}
	done := make(chan error, 1)
	go func() {
		_, err := One(&s, abi.Readable, time.Now().Add(10*time.Second))
		done <- err
	}()
	for s.Waiting() != 1 {
		runtime.Gosched()
	}
	s.Update(0, abi.Readable)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.Waiting(); n != 0 {
		t.Fatalf("%d waiting after the wait returned", n)
	}
}
