package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// BatchLines is how many lines one pipeline message carries at most. A
// message per line costs a mailbox operation per line; batches of lines
// amortise it (see the pipeline benchmarks), and a stage flushes a partial
// batch whenever it would otherwise wait, so output is never held back.
//
// A batch travels as one string, each line ended by a newline: a string is
// a value that Send copies by boxing it, where a slice of lines would be
// copied element by element.
const BatchLines = 64

// ErrStopped is what a stage's I/O returns once the stage has been told to
// stop (Ctrl-C, kill) or the stage after it has gone away.
var ErrStopped = errors.New("stopped")

// Stage is what a command sees while it runs as one stage of a pipeline:
// its arguments, lines from the stage before it, a way to send lines to the
// stage after it (or the terminal), and the system.
type Stage struct {
	Name string   // the command's name
	Args []string // the words after the name
	Sys  System

	recv func() (string, error) // the next batch; io.EOF at the end
	send func(string) error     // passes a batch on
	stop <-chan struct{}        // closed when the stage must stop

	in    string // the rest of the current input batch
	inErr error
	out   strings.Builder // lines not yet sent, each ended by a newline
	lines int             // lines in out
	batch int             // lines per message; BatchLines unless a benchmark says
}

// Recv returns the next input line; ok is false at the end of the input or
// when the stage must stop. Before it waits for a batch it sends the output
// collected so far.
func (p *Stage) Recv() (line string, ok bool) {
	for len(p.in) == 0 {
		if p.inErr != nil || p.recv == nil {
			return "", false
		}
		if err := p.Flush(); err != nil {
			p.inErr = err
			return "", false
		}
		p.in, p.inErr = p.recv()
		if p.inErr != nil && !errors.Is(p.inErr, io.EOF) {
			return "", false
		}
	}
	line, p.in, _ = strings.Cut(p.in, "\n")
	return line, true
}

// Println sends one line on. It fails with ErrStopped when the stage must
// stop or nobody reads its output any more; a command then returns.
func (p *Stage) Println(line string) error {
	p.out.WriteString(line)
	p.out.WriteByte('\n')
	p.lines++
	if p.lines >= p.batch {
		return p.Flush()
	}
	return p.Stopped()
}

// Printf formats a line (without its newline) and sends it on.
func (p *Stage) Printf(format string, args ...any) error {
	return p.Println(fmt.Sprintf(format, args...))
}

// Flush sends the lines collected so far.
func (p *Stage) Flush() error {
	if p.lines == 0 {
		return p.Stopped()
	}
	batch := p.out.String()
	p.out.Reset()
	p.lines = 0
	return p.send(batch)
}

// Stopped returns ErrStopped once the stage has been told to stop.
func (p *Stage) Stopped() error {
	select {
	case <-p.stop:
		return ErrStopped
	default:
		return nil
	}
}

// Done is closed when the stage must stop.
func (p *Stage) Done() <-chan struct{} { return p.stop }

// Sleep waits for d, returning ErrStopped early if the stage must stop.
func (p *Stage) Sleep(d time.Duration) error {
	if err := p.Flush(); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-p.stop:
		return ErrStopped
	}
}

// UsageError is a bad argument: the shell prints it with the command's
// usage line.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// usagef returns a UsageError.
func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}
