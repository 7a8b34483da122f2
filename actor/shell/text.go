package shell

import (
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The commands that make, filter and count lines.

func textCommands() []Command {
	return []Command{
		{Name: "echo", Usage: "echo [WORD...]", Help: "print the words", Run: echo},
		{Name: "cat", Usage: "cat [FILE...]", Help: "print files, or the input", Run: cat},
		{Name: "seq", Usage: "seq [FIRST [STEP]] LAST", Help: "print numbers from FIRST (1) to LAST", Run: seq},
		{Name: "yes", Usage: "yes [WORD...]", Help: "print y (or the words) until stopped", Run: yes},
		{Name: "head", Usage: "head [-n N]", Help: "pass the first N (10) lines", Run: head},
		{Name: "tail", Usage: "tail [-n N]", Help: "pass the last N (10) lines", Run: tail},
		{Name: "grep", Usage: "grep [-v] [-c] [-i] PATTERN", Help: "pass the lines that match a regular expression", Run: grep},
		{Name: "wc", Usage: "wc [-l] [-w] [-c]", Help: "count lines, words and bytes", Run: wc},
		{Name: "sort", Usage: "sort [-r] [-n]", Help: "sort the lines", Run: sortLines},
		{Name: "uniq", Usage: "uniq [-c]", Help: "drop repeated adjacent lines", Run: uniq},
		{Name: "sleep", Usage: "sleep SECONDS", Help: "wait (1.5, or a duration as 200ms)", Run: sleep},
	}
}

func echo(p *Stage) error { return p.Println(strings.Join(p.Args, " ")) }

func cat(p *Stage) error {
	if len(p.Args) == 0 {
		return copyInput(p)
	}
	for _, name := range p.Args {
		b, err := fs.ReadFile(p.Sys.Files(), fsPath(name))
		if err != nil {
			return err
		}
		for line := range strings.Lines(string(b)) {
			if err := p.Println(strings.TrimSuffix(line, "\n")); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyInput(p *Stage) error {
	for {
		line, ok := p.Recv()
		if !ok {
			return nil
		}
		if err := p.Println(line); err != nil {
			return err
		}
	}
}

func seq(p *Stage) error {
	nums := make([]int64, len(p.Args))
	for i, a := range p.Args {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return usagef("%q is not an integer", a)
		}
		nums[i] = n
	}
	first, step, last := int64(1), int64(1), int64(0)
	switch len(nums) {
	case 1:
		last = nums[0]
	case 2:
		first, last = nums[0], nums[1]
	case 3:
		first, step, last = nums[0], nums[1], nums[2]
	default:
		return usagef("want 1 to 3 numbers, got %d", len(nums))
	}
	if step == 0 {
		return usagef("the step must not be 0")
	}
	var buf []byte
	for n := first; (step > 0 && n <= last) || (step < 0 && n >= last); n += step {
		buf = strconv.AppendInt(buf[:0], n, 10)
		if err := p.Println(string(buf)); err != nil {
			return err
		}
	}
	return nil
}

func yes(p *Stage) error {
	word := "y"
	if len(p.Args) > 0 {
		word = strings.Join(p.Args, " ")
	}
	for {
		if err := p.Println(word); err != nil {
			return err
		}
	}
}

// countFlag parses [-n N] (also -nN and -N) with a default.
func countFlag(args []string, def int) (int, error) {
	n := def
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		switch {
		case a == "-n" && i+1 < len(args):
			i++
			v = args[i]
		case strings.HasPrefix(a, "-n") && len(a) > 2:
			v = a[2:]
		case len(a) > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9':
			v = a[1:]
		default:
			return 0, usagef("unexpected argument %q", a)
		}
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 {
			return 0, usagef("%q is not a count", v)
		}
		n = c
	}
	return n, nil
}

func head(p *Stage) error {
	n, err := countFlag(p.Args, 10)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		line, ok := p.Recv()
		if !ok {
			return nil
		}
		if err := p.Println(line); err != nil {
			return err
		}
	}
	return nil
}

func tail(p *Stage) error {
	n, err := countFlag(p.Args, 10)
	if err != nil {
		return err
	}
	if n == 0 {
		for _, ok := p.Recv(); ok; _, ok = p.Recv() {
		}
		return p.Stopped()
	}
	ring := make([]string, 0, n)
	next := 0
	for line, ok := p.Recv(); ok; line, ok = p.Recv() {
		if len(ring) < n {
			ring = append(ring, line)
		} else {
			ring[next] = line
			next = (next + 1) % n
		}
	}
	if err := p.Stopped(); err != nil {
		return err
	}
	for i := range ring {
		if err := p.Println(ring[(next+i)%len(ring)]); err != nil {
			return err
		}
	}
	return nil
}

// flags splits leading single-letter flags ("-vc" or "-v -c") from the
// other arguments, rejecting letters not in allowed.
func flags(args []string, allowed string) (map[byte]bool, []string, error) {
	set := make(map[byte]bool)
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		if args[0] == "--" {
			return set, args[1:], nil
		}
		for _, c := range []byte(args[0][1:]) {
			if !strings.ContainsRune(allowed, rune(c)) {
				return nil, nil, usagef("unknown flag -%c", c)
			}
			set[c] = true
		}
		args = args[1:]
	}
	return set, args, nil
}

func grep(p *Stage) error {
	f, args, err := flags(p.Args, "vci")
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usagef("want one pattern, got %d", len(args))
	}
	match, err := matcher(args[0], f['i'])
	if err != nil {
		return usagef("bad pattern: %v", err)
	}
	count := 0
	for line, ok := p.Recv(); ok; line, ok = p.Recv() {
		if match(line) == f['v'] {
			continue
		}
		count++
		if !f['c'] {
			if err := p.Println(line); err != nil {
				return err
			}
		}
	}
	if f['c'] {
		if err := p.Stopped(); err != nil {
			return err
		}
		return p.Println(strconv.Itoa(count))
	}
	return nil
}

// matcher returns a test for lines: a plain substring search when the
// pattern has no special characters, else the regular expression.
func matcher(pattern string, fold bool) (func(string) bool, error) {
	if !fold && regexp.QuoteMeta(pattern) == pattern {
		return func(s string) bool { return strings.Contains(s, pattern) }, nil
	}
	if fold {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}

func wc(p *Stage) error {
	f, args, err := flags(p.Args, "lwc")
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	if len(f) == 0 {
		f['l'], f['w'], f['c'] = true, true, true
	}
	var lines, words, bytes int
	for line, ok := p.Recv(); ok; line, ok = p.Recv() {
		lines++
		bytes += len(line) + 1
		if f['w'] {
			words += len(strings.Fields(line))
		}
	}
	if err := p.Stopped(); err != nil {
		return err
	}
	var out []string
	for _, c := range []struct {
		on bool
		n  int
	}{{f['l'], lines}, {f['w'], words}, {f['c'], bytes}} {
		if c.on {
			out = append(out, strconv.Itoa(c.n))
		}
	}
	return p.Println(strings.Join(out, " "))
}

func sortLines(p *Stage) error {
	f, args, err := flags(p.Args, "rn")
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	var lines []string
	for line, ok := p.Recv(); ok; line, ok = p.Recv() {
		lines = append(lines, line)
	}
	if err := p.Stopped(); err != nil {
		return err
	}
	cmp := strings.Compare
	if f['n'] {
		cmp = func(a, b string) int {
			x, errx := strconv.ParseFloat(strings.TrimSpace(a), 64)
			y, erry := strconv.ParseFloat(strings.TrimSpace(b), 64)
			switch {
			case errx != nil || erry != nil || x == y:
				return strings.Compare(a, b)
			case x < y:
				return -1
			default:
				return 1
			}
		}
	}
	slices.SortStableFunc(lines, cmp)
	if f['r'] {
		slices.Reverse(lines)
	}
	for _, l := range lines {
		if err := p.Println(l); err != nil {
			return err
		}
	}
	return nil
}

func uniq(p *Stage) error {
	f, args, err := flags(p.Args, "c")
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	var prev string
	n := 0
	emit := func() error {
		if n == 0 {
			return nil
		}
		if f['c'] {
			return p.Printf("%7d %s", n, prev)
		}
		return p.Println(prev)
	}
	for line, ok := p.Recv(); ok; line, ok = p.Recv() {
		if n > 0 && line == prev {
			n++
			continue
		}
		if err := emit(); err != nil {
			return err
		}
		prev, n = line, 1
	}
	if err := p.Stopped(); err != nil {
		return err
	}
	return emit()
}

func sleep(p *Stage) error {
	if len(p.Args) != 1 {
		return usagef("want one duration, got %d arguments", len(p.Args))
	}
	d, err := parseDuration(p.Args[0])
	if err != nil {
		return err
	}
	return p.Sleep(d)
}

// parseDuration takes seconds ("2", "0.5") or a Go duration ("200ms").
func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1e9 {
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usagef("%q is not a duration", s)
	}
	return d, nil
}
