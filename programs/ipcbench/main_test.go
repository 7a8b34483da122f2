package main

import (
	"errors"
	"regexp"
	"testing"

	"clk/abi"
	"clk/sdk"
)

// fakeClock is a backend whose monotonic clock only moves when the test
// moves it; every other call fails.
type fakeClock struct{ now uint64 }

func (c *fakeClock) backend(num uint64, a [6]uint64) (uint64, uint64) {
	if num == abi.SysClockGet && a[0] == abi.ClockMonotonic {
		return 0, c.now
	}
	return uint64(abi.ENOSYS), 0
}

func TestMeasureCalibratesAndTakesTheBest(t *testing.T) {
	clock := &fakeClock{now: 1e9}
	sdk.SetBackend(clock.backend)
	defer sdk.SetBackend(nil)

	// 100 ns per operation, but 90 in the second of the timed runs,
	// the first run with the same n as the one before.
	last, seen := 0, 0
	op := func(n int) error {
		per := uint64(100)
		if n == last {
			if seen++; seen == 1 {
				per = 90
			}
		}
		last = n
		clock.now += uint64(n) * per
		return nil
	}
	n, ns, err := measure(op)
	if err != nil {
		t.Fatal(err)
	}
	// Calibration: 100, 400, ... until a run takes 100 ms at 100 ns each,
	// then scaled to a second.
	if n < 9_000_000 || n > 11_000_000 {
		t.Errorf("n = %d, want about 10,000,000 operations for a second", n)
	}
	if ns != 90 {
		t.Errorf("ns/op = %v, want the best run's 90", ns)
	}

	failing := errors.New("broken")
	if _, _, err := measure(func(int) error { return failing }); !errors.Is(err, failing) {
		t.Errorf("measure of a failing op: %v", err)
	}
}

func TestBenchLineFormat(t *testing.T) {
	line := regexp.MustCompile(`^BENCH [a-z-]+ [0-9]+ [0-9]+\.[0-9]\n$`)
	for _, tc := range []struct {
		name string
		n    int
		ns   float64
		want string
	}{
		{"null-syscall", 12345678, 81.24, "BENCH null-syscall 12345678 81.2\n"},
		{"channel-roundtrip", 700, 542276.45, "BENCH channel-roundtrip 700 542276.4\n"},
		{"null-syscall", 1, 3, "BENCH null-syscall 1 3.0\n"},
	} {
		got := benchLine(tc.name, tc.n, tc.ns)
		if got != tc.want || !line.MatchString(got) {
			t.Errorf("benchLine(%q, %d, %v) = %q, want %q", tc.name, tc.n, tc.ns, got, tc.want)
		}
	}
}
