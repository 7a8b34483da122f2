package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The figures the guest measures itself, by its own clock.
const (
	diskWrite = "disk-write"
	diskRead  = "disk-read"
)

// guestFigure is one figure of the guest's: bytes moved in a time.
type guestFigure struct {
	bytes, ns int64
}

// mibPerSec returns the figure's rate in MiB/s.
func (f guestFigure) mibPerSec() float64 {
	return float64(f.bytes) / (1 << 20) / (float64(f.ns) / 1e9)
}

// guestOutput is what the guest program (programs/iobench) printed on one
// boot.
type guestOutput struct {
	figures map[string]guestFigure
	order   []string // names as printed
	ready   bool     // whether "BENCH ready" came: the servers listen
	done    bool     // whether "BENCH done" came: the program ends
	errors  []string // the program's own "iobench: ..." lines
}

// benchPrefix starts every line the guest prints for the harness.
const benchPrefix = "BENCH "

// parse reads the guest's lines among the rest of a serial console:
// firmware and kernel messages, which a kernel may also print in the middle
// of a line. The lines are
//
//	BENCH NAME BYTES NANOSECONDS
//	BENCH ready
//	BENCH done
//
// and lines starting "iobench:" are the program's problems, kept to be
// shown. Text before "BENCH " or "iobench:" is ignored, and so is a last line
// without its newline, which may still be coming. A line that starts with
// "BENCH " but is none of these forms, a figure printed twice, and a line
// after "BENCH done" are errors: they mean the program does not print what
// the harness expects.
func parse(console string) (*guestOutput, error) {
	out := &guestOutput{figures: map[string]guestFigure{}}
	if end := strings.LastIndexByte(console, '\n'); end >= 0 {
		console = console[:end]
	} else {
		console = ""
	}
	var errs []error
	for i, line := range strings.Split(console, "\n") {
		if at := wordStart(line, "iobench: "); at >= 0 {
			out.errors = append(out.errors, strings.TrimSpace(line[at:]))
			continue
		}
		at := wordStart(line, benchPrefix)
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

// wordStart returns the index of the first word in line that starts with
// prefix, or -1.
func wordStart(line, prefix string) int {
	for from := 0; ; {
		at := strings.Index(line[from:], prefix)
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
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}

// add records one line that starts with "BENCH ".
func (o *guestOutput) add(line string) error {
	f := strings.Fields(line)
	if o.done {
		return errors.New("a line after the done line")
	}
	switch {
	case len(f) == 2 && f[1] == "done":
		o.done = true
		return nil
	case len(f) == 2 && f[1] == "ready":
		if o.ready {
			return errors.New("a second ready line")
		}
		o.ready = true
		return nil
	case len(f) != 4:
		return errors.New(`not "BENCH NAME BYTES NANOSECONDS", "BENCH ready" nor "BENCH done"`)
	}
	name := f[1]
	bytes, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || bytes < 1 {
		return fmt.Errorf("bytes %q: not a positive integer", f[2])
	}
	ns, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil || ns < 1 {
		return fmt.Errorf("nanoseconds %q: not a positive integer", f[3])
	}
	if _, dup := o.figures[name]; dup {
		return fmt.Errorf("%s printed twice", name)
	}
	o.figures[name] = guestFigure{bytes: bytes, ns: ns}
	o.order = append(o.order, name)
	return nil
}
