package module

import (
	"testing"
	"time"
)

func TestRestartsBeyondIntensityWithinPeriodAreRefused(t *testing.T) {
	p := RestartPolicy{Intensity: 3, Period: time.Second, BackoffMin: 10 * time.Millisecond, BackoffMax: 25 * time.Millisecond}
	var w window
	t0 := time.Unix(1000, 0)
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond}
	for i, d := range want {
		got, ok := w.admit(p, t0.Add(time.Duration(i)*time.Millisecond))
		if !ok || got != d {
			t.Fatalf("restart %d: %v, %v, want %v", i+1, got, ok, d)
		}
	}
	if _, ok := w.admit(p, t0.Add(10*time.Millisecond)); ok {
		t.Fatal("a fourth restart within the period was admitted")
	}
	// Once the first restarts leave the window, the back-off starts over.
	if got, ok := w.admit(p, t0.Add(2*time.Second)); !ok || got != p.BackoffMin {
		t.Fatalf("restart after the period: %v, %v", got, ok)
	}
}

func TestIntensityZeroNeverRestarts(t *testing.T) {
	var w window
	if _, ok := w.admit(RestartPolicy{Period: time.Second}, time.Now()); ok {
		t.Fatal("admitted")
	}
}
