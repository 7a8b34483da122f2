package klog

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// DefaultLines is how many lines a Log keeps when New is given no size.
const DefaultLines = 512

// Log is a bounded log of lines. Writes that do not end in a newline are
// held until the line is complete.
type Log struct {
	mu      sync.Mutex
	lines   []string // ring; next is the slot for the next line
	next    int
	full    bool
	partial strings.Builder
	clock   func() time.Duration
	console io.Writer
}

// New returns a log that keeps the last max lines (DefaultLines if max is
// not positive), stamps them with clock (the time since the machine
// started) and copies every write to console unless it is nil.
func New(max int, clock func() time.Duration, console io.Writer) *Log {
	if max <= 0 {
		max = DefaultLines
	}
	return &Log{lines: make([]string, max), clock: clock, console: console}
}

// Write adds the complete lines in p to the log and copies p to the
// console. It never fails because of the log; a console error is returned.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := string(p)
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			l.partial.WriteString(s)
			break
		}
		l.partial.WriteString(s[:i])
		l.add(l.partial.String())
		l.partial.Reset()
		s = s[i+1:]
	}
	if l.console != nil {
		if _, err := l.console.Write(p); err != nil {
			return 0, fmt.Errorf("klog: console: %w", err)
		}
	}
	return len(p), nil
}

// Printf formats a message and writes it, adding a newline if it lacks one.
func (l *Log) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	l.Write([]byte(msg))
}

// add stores one line. Preconditions: l.mu is held.
func (l *Log) add(line string) {
	var at time.Duration
	if l.clock != nil {
		at = l.clock()
	}
	l.lines[l.next] = fmt.Sprintf("[%5d.%06d] %s", at/time.Second, (at%time.Second)/time.Microsecond, line)
	l.next++
	if l.next == len(l.lines) {
		l.next, l.full = 0, true
	}
}

// Lines returns the kept lines, oldest first.
func (l *Log) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]string(nil), l.lines[:l.next]...)
	}
	out := make([]string, 0, len(l.lines))
	out = append(out, l.lines[l.next:]...)
	return append(out, l.lines[:l.next]...)
}
