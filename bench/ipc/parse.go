package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"clk/bench/vslinux"
)

// benchmarks are the names both programs print, in the order of the table.
var benchmarks = []string{"null-syscall", "channel-roundtrip"}

// figure is one benchmark's result: the iterations of the timed run and the
// time per iteration in nanoseconds, by the guest's clock.
type figure struct {
	iters   int64
	nsPerOp float64
}

// output is what a benchmark program printed on one boot.
type output struct {
	figures map[string]figure
	order   []string // benchmark names as printed
	done    bool     // whether the "BENCH done" line came
}

// benchPrefix starts every line the programs print for the harness.
const benchPrefix = "BENCH "

// parse reads the lines a benchmark program printed among the rest of a
// serial console: firmware banners, kernel messages and escape sequences
// that a console filter may have left. A result line is
//
//	BENCH NAME ITERATIONS NS_PER_OP
//
// and the last line is "BENCH done". Text before "BENCH " on a line is
// ignored, since a kernel may leave a line unfinished, as is a last line
// without its newline; other lines are ignored altogether. A line that starts with "BENCH " but is neither form,
// a benchmark printed twice and a result after "BENCH done" are errors: they
// mean the program does not print what the harness expects.
func parse(console string) (*output, error) {
	out := &output{figures: map[string]figure{}}
	// A console cut short may end in the middle of a line, which is
	// left out.
	if end := strings.LastIndexByte(console, '\n'); end >= 0 {
		console = console[:end]
	} else {
		console = ""
	}
	var errs []error
	for i, line := range strings.Split(console, "\n") {
		at := benchStart(line)
		if at < 0 {
			continue
		}
		line = strings.TrimSpace(line[at:])
		if err := out.add(line); err != nil {
			errs = append(errs, fmt.Errorf("console line %d %q: %w", i+1, line, err))
		}
	}
	return out, errors.Join(errs...)
}

// benchStart returns the index of the first "BENCH " in line that does not
// end a longer word, or -1.
func benchStart(line string) int {
	for from := 0; ; {
		at := strings.Index(line[from:], benchPrefix)
		if at < 0 {
			return -1
		}
		at += from
		if at == 0 || !isWordByte(line[at-1]) {
			return at
		}
		from = at + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}

// add records one line that starts with "BENCH ".
func (o *output) add(line string) error {
	f := strings.Fields(line)
	switch {
	case len(f) == 2 && f[1] == "done":
		if o.done {
			return errors.New("a second done line")
		}
		o.done = true
		return nil
	case len(f) != 4:
		return errors.New(`not "BENCH NAME ITERATIONS NS_PER_OP" nor "BENCH done"`)
	case o.done:
		return errors.New("a result after the done line")
	}
	name := f[1]
	iters, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || iters < 1 {
		return fmt.Errorf("iterations %q: not a positive integer", f[2])
	}
	ns, err := strconv.ParseFloat(f[3], 64)
	if err != nil || ns < 0 || math.IsInf(ns, 0) || math.IsNaN(ns) {
		return fmt.Errorf("ns/op %q: not a non-negative number", f[3])
	}
	if _, dup := o.figures[name]; dup {
		return fmt.Errorf("%s printed twice", name)
	}
	o.figures[name] = figure{iters: iters, nsPerOp: ns}
	o.order = append(o.order, name)
	return nil
}

// missing returns the names among want that o has no figure for.
func (o *output) missing(want []string) []string {
	var names []string
	for _, name := range want {
		if _, ok := o.figures[name]; !ok {
			names = append(names, name)
		}
	}
	return names
}

// merge adds the figures of one boot, which may be partial, to the best
// of its system.
func merge(b *vslinux.Best, o *output) {
	for _, name := range o.order {
		b.Add(name, o.figures[name].nsPerOp)
	}
}
