package main

import (
	"testing"
	"time"
)

func TestClockOffAllowsTheCacheDropButNotAWrongClock(t *testing.T) {
	for _, tt := range []struct {
		guest, host time.Duration
		off         bool
	}{
		{281 * time.Millisecond, 332 * time.Millisecond, false}, // a short read and the cache drop
		{9 * time.Second, 9500 * time.Millisecond, false},
		{8 * time.Second, 10 * time.Second, true}, // the guest's clock 20% slow
		{12 * time.Second, 10 * time.Second, true},
		{time.Second, 100 * time.Millisecond, true},
	} {
		if got := clockOff(tt.guest, tt.host); got != tt.off {
			t.Errorf("clockOff(%v, %v) = %v, want %v", tt.guest, tt.host, got, tt.off)
		}
	}
}
