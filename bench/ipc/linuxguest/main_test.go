package main

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the program when
// channel-roundtrip starts it again as its child.
func TestMain(m *testing.M) {
	if isChild(os.Args[1:]) {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// fakeOp is an op whose iterations take perOp each, plus extra[i] on its
// i-th call, without taking any real time. It records its calls.
type fakeOp struct {
	perOp time.Duration
	extra []time.Duration
	calls []int
}

func (f *fakeOp) run(n int) (time.Duration, error) {
	i := len(f.calls)
	f.calls = append(f.calls, n)
	d := time.Duration(n) * f.perOp
	if i < len(f.extra) {
		d += f.extra[i]
	}
	return d, nil
}

func TestCalibrate(t *testing.T) {
	tests := []struct {
		name      string
		perOp     time.Duration
		benchtime time.Duration
	}{
		{"fast op", 10 * time.Nanosecond, time.Second},
		{"slow op", 3 * time.Millisecond, time.Second},
		{"op longer than benchtime", 2 * time.Second, time.Second},
		{"short benchtime", 100 * time.Nanosecond, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeOp{perOp: tt.perOp}
			n, err := calibrate(f.run, tt.benchtime)
			if err != nil {
				t.Fatal(err)
			}
			if f.calls[0] != 1 {
				t.Errorf("first run had %d iterations, want 1", f.calls[0])
			}
			for i := 1; i < len(f.calls); i++ {
				prev, cur := f.calls[i-1], f.calls[i]
				if cur <= prev || cur > 100*prev {
					t.Errorf("run %d: %d iterations after %d; want more, at most 100 times", i, cur, prev)
				}
			}
			if last := f.calls[len(f.calls)-1]; last != n {
				t.Errorf("returned %d iterations, but the last run had %d", n, last)
			}
			d := time.Duration(n) * tt.perOp
			if d < tt.benchtime {
				t.Errorf("%d iterations take %v, less than the benchtime %v", n, d, tt.benchtime)
			}
			// Aiming 20% high, a run should not last much more than
			// the benchtime, unless one iteration does.
			if n > 1 && d > tt.benchtime*3/2 {
				t.Errorf("%d iterations take %v, far above the benchtime %v", n, d, tt.benchtime)
			}
		})
	}
}

func TestCalibrateStopsAtMaxIterations(t *testing.T) {
	f := &fakeOp{} // iterations take no time at all
	n, err := calibrate(f.run, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n != maxIterations {
		t.Errorf("calibrated to %d iterations, want the limit %d", n, maxIterations)
	}
}

func TestMeasureKeepsFastestRun(t *testing.T) {
	// Calibration: 1, 100, then 10000 iterations, which last 1 ms at
	// 100 ns each; then three timed runs of 10000, slowed down by 600,
	// 120 and 240 µs.
	f := &fakeOp{
		perOp: 100 * time.Nanosecond,
		extra: []time.Duration{0, 0, 0, 600 * time.Microsecond, 120 * time.Microsecond, 240 * time.Microsecond},
	}
	res, err := measure(f.run, time.Millisecond, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := []int{1, 100, 10000, 10000, 10000, 10000}
	if !slices.Equal(f.calls, wantCalls) {
		t.Fatalf("runs had %v iterations, want %v", f.calls, wantCalls)
	}
	if res.n != 10000 {
		t.Errorf("n = %d, want 10000", res.n)
	}
	if want := 112.0; res.nsPerOp != want { // (1 ms + 120 µs) / 10000
		t.Errorf("ns/op = %v, want %v", res.nsPerOp, want)
	}
}

func TestMeasureReportsErrors(t *testing.T) {
	// At 1 ms per op, calibration runs 1, 100 and 1200 iterations; calls
	// 4 to 6 are the timed runs.
	for _, failCall := range []int{1, 2, 3, 4, 5, 6} {
		f := &fakeOp{perOp: time.Millisecond}
		fn := func(n int) (time.Duration, error) {
			if len(f.calls)+1 == failCall {
				f.calls = append(f.calls, n)
				return 0, errors.New("broken")
			}
			return f.run(n)
		}
		_, err := measure(fn, time.Second, 3)
		if err == nil || !strings.Contains(err.Error(), "broken") {
			t.Errorf("call %d failing: error %v, want one saying broken", failCall, err)
		}
		if len(f.calls) != failCall {
			t.Errorf("call %d failing: %d calls, want no more after the failure", failCall, len(f.calls))
		}
	}
}

func TestNextCount(t *testing.T) {
	tests := []struct {
		n         int
		d         time.Duration
		benchtime time.Duration
		want      int
	}{
		{1, time.Microsecond, time.Second, 100},           // at most a hundredfold
		{1000, 500 * time.Millisecond, time.Second, 2400}, // 20% above the prediction
		{5, 0, time.Second, 500},                          // no time measured
		{10, 999 * time.Millisecond, time.Second, 12},
		{10, 5 * time.Second, time.Second, 11}, // at least one more
		{maxIterations / 10, time.Microsecond, time.Second, maxIterations},
	}
	for _, tt := range tests {
		if got := nextCount(tt.n, tt.d, tt.benchtime); got != tt.want {
			t.Errorf("nextCount(%d, %v, %v) = %d, want %d", tt.n, tt.d, tt.benchtime, got, tt.want)
		}
	}
}

func TestResultLine(t *testing.T) {
	tests := []struct {
		name string
		r    result
		want string
	}{
		{"null-syscall", result{n: 1234567, nsPerOp: 85.26}, "BENCH null-syscall 1234567 85.3"},
		{"channel-roundtrip", result{n: 12, nsPerOp: 14000}, "BENCH channel-roundtrip 12 14000.0"},
	}
	for _, tt := range tests {
		if got := tt.r.line(tt.name); got != tt.want {
			t.Errorf("line = %q, want %q", got, tt.want)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-benchtime", "0s"}, {"-benchtime", "fast"}, {"extra"}, {"-nosuchflag"}} {
		var out, errOut bytes.Buffer
		if status := run(args, &out, &errOut); status != 2 {
			t.Errorf("run(%q) = %d, want 2", args, status)
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) printed %q on stdout, want nothing", args, out.String())
		}
	}
}

// TestRunPrintsEveryBenchmark runs the real benchmarks briefly and checks the
// lines that bench/ipc reads.
func TestRunPrintsEveryBenchmark(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the benchmarks run on Linux only")
	}
	var out, errOut bytes.Buffer
	if status := run([]string{"-benchtime", "20ms"}, &out, &errOut); status != 0 {
		t.Fatalf("status %d; stderr:\n%s", status, errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(benchmarks)+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(benchmarks)+1, out.String())
	}
	benchLine := regexp.MustCompile(`^BENCH (\S+) ([1-9][0-9]*) ([0-9]+\.[0-9])$`)
	for i, bm := range benchmarks {
		m := benchLine.FindStringSubmatch(lines[i])
		if m == nil || m[1] != bm.name {
			t.Errorf("line %d is %q, want BENCH %s ITERATIONS NS", i+1, lines[i], bm.name)
			continue
		}
		if m[3] == "0.0" {
			t.Errorf("%s: 0.0 ns per op", bm.name)
		}
	}
	if last := lines[len(lines)-1]; last != "BENCH done" {
		t.Errorf("last line %q, want BENCH done", last)
	}
}

// TestRoundTripEndsChild checks that the child echoes bytes and ends when the
// benchmark stops.
func TestRoundTripEndsChild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the benchmarks run on Linux only")
	}
	fn, stop, err := startRoundTrip()
	if err != nil {
		t.Fatal(err)
	}
	// 300 round trips wrap the byte counter past 255.
	d, err := fn(300)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	if d <= 0 {
		t.Errorf("300 round trips took %v", d)
	}
	done := make(chan error, 1)
	go func() { done <- stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the child did not end after its pipe closed")
	}
}
