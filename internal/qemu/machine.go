package qemu

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds the life of a Machine whose Options leave Timeout zero.
const DefaultTimeout = 5 * time.Minute

// Options tune a Machine. The zero value is ready to use.
type Options struct {
	// Timeout bounds the life of QEMU: it is killed when the time is up.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// CPUs is the number of vCPUs; zero means 1.
	CPUs int
	// Args are extra QEMU arguments, after those of the Boot.
	Args []string
	// QMP, when set, is the path of a Unix socket on which QEMU serves
	// QMP (Command.QMP).
	QMP string
}

// Machine is a running QEMU whose serial console is connected to pipes.
// Its methods are not safe for concurrent use, except Console and Kill.
type Machine struct {
	Boot Boot // how it was booted

	started time.Time
	cancel  context.CancelFunc
	ctx     context.Context
	cmd     *exec.Cmd
	stdin   *os.File
	stderr  lockedBuffer
	exited  chan struct{} // closed when QEMU has ended and waitErr is set
	copied  chan struct{} // closed when the console's pipe has ended
	waitErr error

	more chan struct{} // a token arrives when console grows or ends

	mu      sync.Mutex
	console []byte // what a terminal would show, without CRs and escapes
	read    int    // how much of console Expect has consumed
	eof     bool
	filter  consoleFilter
}

// Start starts QEMU on the Command of boot and opts: the serial console on
// pipes, no display, no monitor, no reboot (a triple fault ends QEMU) and
// the isa-debug-exit device. QEMU is killed when ctx ends or the timeout of
// opts passes, and also, on Linux, when this process dies.
func Start(ctx context.Context, boot Boot, opts Options) (*Machine, error) {
	return StartCommand(ctx, Command{Boot: boot, CPUs: opts.CPUs, Extra: opts.Args, QMP: opts.QMP}, opts.Timeout)
}

// StartCommand is Start for a whole Command, whose console is Piped
// whatever it says. Zero timeout means DefaultTimeout.
func StartCommand(ctx context.Context, c Command, timeout time.Duration) (*Machine, error) {
	c.Console = Piped
	return start(ctx, c.Boot, c.Args(), timeout)
}

// StartArgs starts QEMU with args and nothing else, for a test of a command
// line that users are given word for word; name is the Boot's name. The
// args must put the serial console on standard input and output (-serial
// stdio). Zero timeout means DefaultTimeout.
func StartArgs(ctx context.Context, name string, args []string, timeout time.Duration) (*Machine, error) {
	return start(ctx, Boot{Name: name, Args: args}, args, timeout)
}

func start(ctx context.Context, boot Boot, args []string, timeout time.Duration) (*Machine, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(timeout, DefaultTimeout))
	m := &Machine{
		Boot:   boot,
		ctx:    ctx,
		cancel: cancel,
		exited: make(chan struct{}),
		copied: make(chan struct{}),
		more:   make(chan struct{}, 1),
	}
	m.cmd = exec.CommandContext(ctx, Binary(), args...)
	KillWithParent(m.cmd)
	// Pipes of our own, rather than StdoutPipe, so that reading the console
	// and waiting for QEMU do not depend on each other.
	inR, inW, err := os.Pipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", boot.Name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		cancel()
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("start %s: %w", boot.Name, err)
	}
	m.cmd.Stdin, m.cmd.Stdout, m.cmd.Stderr = inR, outW, &m.stderr
	m.cmd.WaitDelay = time.Second
	m.stdin = inW
	m.started = time.Now()
	err = m.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		cancel()
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start %s: %w", boot.Name, err)
	}
	go m.copyConsole(outR)
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.exited)
	}()
	return m, nil
}

func (m *Machine) copyConsole(r *os.File) {
	defer close(m.copied)
	defer r.Close()
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		m.mu.Lock()
		m.console = m.filter.append(m.console, buf[:n])
		m.eof = err != nil
		m.mu.Unlock()
		select {
		case m.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// Started returns when QEMU was started.
func (m *Machine) Started() time.Time { return m.started }

// Console returns everything the guest has written to the serial console,
// as a terminal would show it: without CRs and escape sequences.
func (m *Machine) Console() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.console)
}

// Stderr returns what QEMU has written to its standard error.
func (m *Machine) Stderr() string { return m.stderr.String() }

// Expect waits until the console shows want after the text consumed by
// earlier calls, consumes up to the end of it and returns the text before
// it. It fails when QEMU ends or the timeout passes first.
func (m *Machine) Expect(want string, timeout time.Duration) (string, error) {
	m1, err := m.expect(timeout, fmt.Sprintf("%q", want), func(s string) []int {
		if i := strings.Index(s, want); i >= 0 {
			return []int{i, i + len(want)}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return m1[0], nil
}

// ExpectRegexp is Expect for a regular expression. It returns the text
// before the match, then the match and its submatches.
func (m *Machine) ExpectRegexp(re *regexp.Regexp, timeout time.Duration) ([]string, error) {
	return m.expect(timeout, "/"+re.String()+"/", re.FindStringSubmatchIndex)
}

// expect waits for find to locate a match in the unread console. find
// returns the offsets of the match and its submatches as
// regexp.FindStringSubmatchIndex does, or nil.
func (m *Machine) expect(timeout time.Duration, what string, find func(string) []int) ([]string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		m.mu.Lock()
		unread := string(m.console[m.read:])
		loc := find(unread)
		eof := m.eof
		if loc != nil {
			m.read += loc[1]
		}
		m.mu.Unlock()
		if loc != nil {
			out := []string{unread[:loc[0]]}
			for i := 0; i < len(loc); i += 2 {
				if loc[i] < 0 {
					out = append(out, "")
					continue
				}
				out = append(out, unread[loc[i]:loc[i+1]])
			}
			return out, nil
		}
		if eof {
			return nil, fmt.Errorf("%s: console closed (%s) before %s appeared; unread output: %q",
				m.Boot.Name, m.exitDescription(), what, tail(unread))
		}
		select {
		case <-m.more:
		case <-deadline.C:
			return nil, fmt.Errorf("%s: no %s within %v; unread output: %q",
				m.Boot.Name, what, timeout, tail(unread))
		}
	}
}

// exitDescription says how QEMU ended, and what it said on stderr, waiting a
// moment for it to be reaped since the console closes just before.
func (m *Machine) exitDescription() string {
	select {
	case <-m.exited:
	case <-time.After(time.Second):
		return "QEMU still running"
	}
	var how string
	switch st := m.cmd.ProcessState; {
	case st != nil && st.Exited():
		how = fmt.Sprintf("QEMU exited with status %d", st.ExitCode())
	case m.ctx.Err() != nil:
		how = "QEMU killed: " + m.ctx.Err().Error()
	default:
		how = fmt.Sprintf("QEMU ended: %v", m.waitErr)
	}
	if said := strings.TrimSpace(m.Stderr()); said != "" {
		how += fmt.Sprintf(", saying %q", tail(said))
	}
	return how
}

// tail shortens s to its end, which is what explains a failed Expect.
func tail(s string) string {
	const limit = 2000
	if len(s) > limit {
		return "..." + s[len(s)-limit:]
	}
	return s
}

// Send types s on the serial console.
func (m *Machine) Send(s string) error {
	if _, err := m.stdin.WriteString(s); err != nil {
		return fmt.Errorf("%s: send %q: %w", m.Boot.Name, s, err)
	}
	return nil
}

// Command types line and Enter (CR, what a terminal sends) at the shell and
// returns the reply: the console up to the next Prompt, without the echo of
// the line if the shell echoed it.
func (m *Machine) Command(line string, timeout time.Duration) (string, error) {
	if err := m.Send(line + "\r"); err != nil {
		return "", err
	}
	reply, err := m.Expect(Prompt, timeout)
	if err != nil {
		return "", fmt.Errorf("command %q: %w", line, err)
	}
	return strings.TrimPrefix(reply, line+"\n"), nil
}

// consoleGrace bounds the wait for the end of the console's pipe once QEMU
// has ended: a program QEMU started may still hold it.
const consoleGrace = time.Second

// Wait waits for QEMU to end by itself and returns its exit status. With
// isa-debug-exit a guest status V shows as (V << 1) | 1; status 0 means an
// ACPI power-off or, with -no-reboot, a triple fault. Console then holds
// all QEMU wrote: QEMU's end and the console's last bytes reach this
// process in either order, so Wait also waits for the latter.
func (m *Machine) Wait(timeout time.Duration) (int, error) {
	select {
	case <-m.exited:
	case <-time.After(timeout):
		return -1, fmt.Errorf("%s: QEMU still running after %v", m.Boot.Name, timeout)
	}
	select {
	case <-m.copied:
	case <-time.After(consoleGrace):
	}
	if st := m.cmd.ProcessState; st != nil && st.Exited() {
		return st.ExitCode(), nil
	}
	if m.ctx.Err() != nil {
		return -1, fmt.Errorf("%s: QEMU killed: %w", m.Boot.Name, m.ctx.Err())
	}
	return -1, fmt.Errorf("%s: QEMU ended abnormally: %v", m.Boot.Name, m.waitErr)
}

// Kill ends QEMU if it still runs and waits until it is gone. It may be
// called more than once.
func (m *Machine) Kill() {
	m.cancel()
	<-m.exited
	m.stdin.Close()
}

// consoleFilter turns a serial byte stream into what a terminal would show,
// minus the cursor movements: CRs, other control bytes and escape sequences
// (ANSI CSI, charset selection) go. GRUB and OVMF draw their screens with
// escape sequences. It keeps state because a sequence may span two reads.
type consoleFilter struct{ state filterState }

type filterState int

const (
	textState    filterState = iota
	escapeState              // after ESC
	csiState                 // after ESC [, until a final byte
	charsetState             // after ESC ( and the like, one byte to go
)

const (
	asciiESC = 0x1b
	asciiDEL = 0x7f
)

func (f *consoleFilter) append(dst, src []byte) []byte {
	for _, b := range src {
		switch f.state {
		case escapeState:
			switch b {
			case '[':
				f.state = csiState
			case '(', ')', '*', '+':
				f.state = charsetState
			default:
				f.state = textState
			}
		case csiState:
			// ECMA-48 5.4: a control sequence ends with a byte in 0x40-0x7e.
			if b >= 0x40 && b <= 0x7e {
				f.state = textState
			}
		case charsetState:
			f.state = textState
		default:
			switch {
			case b == asciiESC:
				f.state = escapeState
			case b == '\n' || b == '\t' || (b >= ' ' && b != asciiDEL):
				dst = append(dst, b)
			}
		}
	}
	return dst
}

// lockedBuffer is a bytes.Buffer that exec's copying goroutine may write
// while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
