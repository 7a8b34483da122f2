package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// runs is how many timed runs each benchmark makes after calibration; the
// fastest is reported, since the host's other work only ever slows a guest.
const runs = 3

// maxIterations bounds the calibrated iteration count.
const maxIterations = 1_000_000_000

// childFlag makes the program the echoing side of channel-roundtrip.
const childFlag = "-child"

// op runs n iterations of a benchmark and returns the time they took.
type op func(n int) (time.Duration, error)

// benchmark is one measured operation. start prepares it and returns the
// operation and a function that releases what start acquired.
type benchmark struct {
	name  string
	start func() (op, func() error, error)
}

// benchmarks are measured in this order; their names are those clk's
// ipcbench prints.
var benchmarks = []benchmark{
	{"null-syscall", startNullSyscall},
	{"channel-roundtrip", startRoundTrip},
}

func main() {
	if isChild(os.Args[1:]) {
		os.Exit(child())
	}
	status := run(os.Args[1:], os.Stdout, os.Stderr)
	// As /init the program must not return, which would panic the
	// kernel: it powers the machine off.
	powerOff()
	os.Exit(status)
}

// isChild reports whether args make the program the child of
// channel-roundtrip.
func isChild(args []string) bool {
	return len(args) == 1 && args[0] == childFlag
}

// run parses args, runs every benchmark and prints their lines on stdout and
// problems on stderr. It returns the exit status: 0 when every benchmark
// printed its line, 1 when one failed, 2 for bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("linuxguest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	benchtime := fs.Duration("benchtime", time.Second, "approximate duration of one timed run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipcbench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *benchtime <= 0 {
		fmt.Fprintln(stderr, "ipcbench: -benchtime must be positive")
		return 2
	}
	if err := prepare(); err != nil {
		// Not fatal: a benchmark that needed what failed says so.
		fmt.Fprintf(stderr, "ipcbench: %v\n", err)
	}
	status := 0
	for _, bm := range benchmarks {
		res, err := runBenchmark(bm, *benchtime)
		if err != nil {
			fmt.Fprintf(stderr, "ipcbench: %s: %v\n", bm.name, err)
			status = 1
			continue
		}
		fmt.Fprintln(stdout, res.line(bm.name))
	}
	fmt.Fprintln(stdout, "BENCH done")
	return status
}

// runBenchmark starts bm, measures it and releases it.
func runBenchmark(bm benchmark, benchtime time.Duration) (result, error) {
	fn, stop, err := bm.start()
	if err != nil {
		return result{}, fmt.Errorf("start: %w", err)
	}
	res, err := measure(fn, benchtime, runs)
	if serr := stop(); serr != nil {
		err = errors.Join(err, fmt.Errorf("stop: %w", serr))
	}
	return res, err
}

// result is a benchmark's figure: the iterations of each timed run and the
// time per iteration of the fastest run.
type result struct {
	n       int
	nsPerOp float64
}

// line formats r as the program's output line for the benchmark name.
func (r result) line(name string) string {
	return fmt.Sprintf("BENCH %s %d %.1f", name, r.n, r.nsPerOp)
}

// measure calibrates the iteration count of fn so that a run lasts about
// benchtime, then makes count runs of that many iterations and returns the
// fastest.
func measure(fn op, benchtime time.Duration, count int) (result, error) {
	n, err := calibrate(fn, benchtime)
	if err != nil {
		return result{}, err
	}
	best := math.Inf(1)
	for range count {
		d, err := fn(n)
		if err != nil {
			return result{}, fmt.Errorf("%d iterations: %w", n, err)
		}
		best = min(best, float64(d.Nanoseconds())/float64(n))
	}
	if math.IsInf(best, 1) {
		return result{}, errors.New("no timed run")
	}
	return result{n: n, nsPerOp: best}, nil
}

// calibrate runs fn with a growing iteration count, starting at 1, until one
// run lasts at least benchtime, and returns that count.
func calibrate(fn op, benchtime time.Duration) (int, error) {
	n := 1
	for {
		d, err := fn(n)
		if err != nil {
			return 0, fmt.Errorf("calibrating, %d iterations: %w", n, err)
		}
		if d >= benchtime || n >= maxIterations {
			return n, nil
		}
		n = nextCount(n, d, benchtime)
	}
}

// nextCount predicts the iteration count for a run of benchtime from a run
// of n iterations that took d. It aims 20% high, so that the next run most
// likely suffices, and grows at least by one and at most a hundredfold, so
// that a run distorted by a single slow iteration cannot make the next one
// last far longer than benchtime.
func nextCount(n int, d, benchtime time.Duration) int {
	next := int64(100) * int64(n)
	if d > 0 {
		next = min(next, int64(1.2*float64(n)*float64(benchtime)/float64(d)))
	}
	next = max(next, int64(n)+1)
	return int(min(next, maxIterations))
}
