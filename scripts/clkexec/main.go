package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"clk/internal/qemu"
)

// prog is the name this program answers to: the wrapper's.
const prog = "go_clk_amd64_exec"

// Exit statuses of the wrapper itself; a guest's own status is passed on.
const (
	statusUsage   = 2
	statusTimeout = 124
	statusNoExit  = 125
	statusMissing = 127
)

// The kernel command line the runtime keeps (clkMaxCmdline, clkMaxArgs in
// rt/src/runtime/boot_clk_amd64.go): longer is refused rather than let the
// guest see a truncated argv.
const (
	maxCmdline = 4095
	maxStrings = 256
)

// consoleTail is how many of the console's last lines are kept as evidence.
const consoleTail = 100

// failure is an error with the wrapper's exit status.
type failure struct {
	status int
	msg    string
}

func (f *failure) Error() string { return f.msg }

func fail(status int, format string, args ...any) error {
	return &failure{status, fmt.Sprintf(format, args...)}
}

func main() {
	status, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
	}
	os.Exit(status)
}

// run boots the binary and returns the exit status; err, when set, explains
// a status of the wrapper's own.
func run(args []string) (int, error) {
	if len(args) < 1 {
		return statusUsage, fmt.Errorf("usage: %s BINARY [ARGS...]", prog)
	}
	binary, guestArgs := args[0], args[1:]
	if st, err := os.Stat(binary); err != nil || !st.Mode().IsRegular() {
		return statusUsage, fmt.Errorf("%s: no such file", binary)
	}
	cpus := 1
	if s := os.Getenv("CLK_SMP"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return statusUsage, fmt.Errorf("CLK_SMP must be a number of CPUs, not '%s'", s)
		}
		cpus = n
	}
	timeout := 600
	if s := os.Getenv("CLK_EXEC_TIMEOUT"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || strings.TrimLeft(s, "0123456789") != "" {
			return statusUsage, fmt.Errorf("CLK_EXEC_TIMEOUT must be a number of seconds, not '%s'", s)
		}
		timeout = n
	}
	qemuBin := qemu.Binary()
	if _, err := exec.LookPath(qemuBin); err != nil {
		return statusMissing, fmt.Errorf("%s not found (scripts/deps.sh installs it)", qemuBin)
	}
	wd, err := os.Getwd()
	if err != nil {
		return statusNoExit, err
	}
	files := os.Getenv("CLK_EXEC_FILES") != "0"
	cmdline, err := commandLine(binary, guestArgs, wd, files)
	if err != nil {
		return statusUsage, err
	}

	// From here on a signal is answered once QEMU runs, so that the
	// temporary directory is removed whenever it comes.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGPIPE, syscall.SIGTERM)
	defer signal.Stop(sigs)
	tmp, err := os.MkdirTemp("", "clk-exec.")
	if err != nil {
		return statusNoExit, err
	}
	defer os.RemoveAll(tmp)
	initrd := ""
	if files && wd != "/" {
		initrd = filepath.Join(tmp, "initrd.cpio")
		if err := writeInitrd(initrd, guestFiles(wd)); err != nil {
			return statusOf(err), err
		}
	}
	c := qemu.Command{
		Boot:   qemu.Kernel(filepath.Base(binary), "pc", binary, initrd, cmdline),
		Memory: qemu.Memory(),
		CPUs:   cpus,
		Log:    filepath.Join(tmp, "qemu.log"),
		Items:  os.Getenv("CLK_QEMU_D"),
		// Word splitting of CLK_QEMU_ARGS is the documented behaviour.
		Extra: strings.Fields(os.Getenv("CLK_QEMU_ARGS")),
	}
	// A Unix socket's path has a limit of about 100 bytes; under a long
	// TMPDIR the guest runs without QMP, and so without registers.
	if sock := filepath.Join(tmp, "qmp.sock"); len(sock) < 100 {
		c.QMP, c.PauseOnStop = sock, true
		// The guest starts once the wrapper listens for its stop,
		// unless CLK_QEMU_ARGS holds it for a debugger with -S.
		c.Paused = !slices.Contains(c.Extra, "-S")
	}
	return boot(c, binary, tmp, time.Duration(timeout)*time.Second, sigs)
}

// statusOf returns the exit status that err carries, or statusNoExit.
func statusOf(err error) int {
	if f, ok := errors.AsType[*failure](err); ok {
		return f.status
	}
	return statusNoExit
}

// machine is one QEMU and what is known of it as it ends.
type machine struct {
	c      qemu.Command
	elf    string // the binary booted, whose symbols name the frames
	tmp    string // the initrd, the QMP socket and the log, until released
	cmd    *exec.Cmd
	exited chan struct{} // closed when QEMU has ended
	copied chan struct{} // closed when the console is copied to its end
	stderr bytes.Buffer  // QEMU's, complete once exited is closed

	mu      sync.Mutex
	tail    []byte   // the console's end, for evidence
	log     *os.File // the log, open after tmp is released
	qmp     *qemu.QMP
	regs    string // every CPU's registers when the guest stopped
	frames  string // every CPU's call stack then, named (qemu.FormatCPUs)
	stopped string // the reason QEMU gave for the guest's stop
}

// boot runs QEMU for c, which boots the ELF binary and whose files are in
// tmp, copying its console to stdout, and returns the exit status after at
// most timeout or when one of sigs comes.
func boot(c qemu.Command, binary, tmp string, timeout time.Duration, sigs <-chan os.Signal) (int, error) {
	m := &machine{c: c, elf: binary, tmp: tmp, exited: make(chan struct{}), copied: make(chan struct{})}
	m.cmd = exec.Command(qemu.Binary(), c.Args()...)
	qemu.KillWithParent(m.cmd)
	// A pipe of our own rather than StdoutPipe, so that copying the
	// console and waiting for QEMU do not depend on each other.
	r, w, err := os.Pipe()
	if err != nil {
		return statusNoExit, err
	}
	m.cmd.Stdout, m.cmd.Stderr = w, &m.stderr
	err = m.cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return statusNoExit, fmt.Errorf("QEMU failed: %w", err)
	}
	go m.copyConsole(r)
	go func() {
		m.cmd.Wait()
		close(m.exited)
	}()
	stops := make(chan string, 1)
	if c.QMP != "" {
		go m.watch(stops)
	}

	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case <-m.exited:
			return m.verdict()
		case reason := <-stops:
			// The guest stopped and QEMU paused it: read the
			// registers, then let QEMU end.
			m.mu.Lock()
			m.stopped = reason
			m.mu.Unlock()
			m.readRegisters()
			m.quit()
		case <-deadline.C:
			m.readRegisters()
			m.kill(2 * time.Second)
			<-m.copied
			m.passStderr()
			dir := m.keepEvidence()
			return statusTimeout, fmt.Errorf("timed out after %ds (CLK_EXEC_TIMEOUT); QEMU killed%s", int(timeout.Seconds()), dir)
		case sig := <-sigs:
			n := int(sig.(syscall.Signal))
			dir := ""
			if sig == syscall.SIGQUIT {
				m.readRegisters()
			}
			m.kill(time.Second)
			if sig == syscall.SIGQUIT {
				<-m.copied
				dir = m.keepEvidence()
			}
			if dir != "" {
				return 128 + n, fmt.Errorf("ended by %v%s", sig, dir)
			}
			return 128 + n, nil
		}
	}
}

// watch connects to QMP, lets a paused guest run, and sends the reason of
// the guest's first stop (SHUTDOWN: a power-off, or with -no-reboot a reset
// or triple fault) to stops.
func (m *machine) watch(stops chan<- string) {
	q, err := qemu.DialQMP(m.c.QMP, time.Minute)
	if err != nil {
		// QEMU failed to start, or ended: its status tells. A paused
		// guest stays paused until the timeout.
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		return
	}
	m.release()
	if m.c.Paused {
		if err := q.Execute("cont", nil); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		}
	}
	m.mu.Lock()
	m.qmp = q
	m.mu.Unlock()
	for {
		select {
		case ev := <-q.Events():
			if ev.Name == "SHUTDOWN" {
				reason, _ := ev.Data["reason"].(string)
				stops <- reason
				return
			}
		case <-q.Closed():
			return
		}
	}
}

// release removes the temporary directory once QEMU no longer needs its
// files, which is when it answers QMP: it has loaded the initrd, listens on
// its socket and has opened its log, which stays readable through the
// descriptor kept here. Nothing is then left behind even when this program
// is killed with SIGKILL, which no clean-up sees.
func (m *machine) release() {
	log, err := os.Open(m.c.Log)
	if err != nil {
		return // QEMU has written no log yet: keep the directory
	}
	m.mu.Lock()
	m.log = log
	m.mu.Unlock()
	os.RemoveAll(m.tmp)
}

// readRegisters pauses the guest and saves every CPU's registers and call
// stack (followed through its frame pointers), when QMP
// is connected and QEMU still answers.
func (m *machine) readRegisters() {
	m.mu.Lock()
	q := m.qmp
	m.mu.Unlock()
	if q == nil {
		return
	}
	q.Execute("stop", nil)
	regs, err := q.Monitor("info registers -a")
	if err != nil {
		regs = "info registers -a: " + err.Error() + "\n"
	}
	var frames string
	if cpus, err := q.CPUs(); err == nil {
		syms, err := qemu.ReadSymbols(m.elf)
		if err != nil {
			frames = fmt.Sprintf("(no symbols: %v)\n", err)
		}
		frames += qemu.FormatCPUs(cpus, syms)
	}
	m.mu.Lock()
	m.regs, m.frames = regs, frames
	m.mu.Unlock()
}

// quit asks QEMU to end through QMP, and kills it if it does not.
func (m *machine) quit() {
	m.mu.Lock()
	q := m.qmp
	m.mu.Unlock()
	q.Execute("quit", nil)
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		m.kill(time.Second)
	}
}

// kill sends QEMU SIGTERM, then SIGKILL after grace, and waits until it
// is gone.
func (m *machine) kill(grace time.Duration) {
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
		return
	case <-time.After(grace):
	}
	m.cmd.Process.Kill()
	<-m.exited
}

// copyConsole copies the serial console to stdout as it arrives, without
// CRs, and keeps its end for evidence. When stdout is gone it keeps reading,
// so that QEMU never blocks on its console.
func (m *machine) copyConsole(r *os.File) {
	defer close(m.copied)
	defer r.Close()
	buf := make([]byte, 32<<10)
	out := []byte(nil)
	stdoutOK := true
	for {
		n, err := r.Read(buf)
		out = out[:0]
		for _, b := range buf[:n] {
			if b != '\r' {
				out = append(out, b)
			}
		}
		if stdoutOK && len(out) > 0 {
			_, werr := os.Stdout.Write(out)
			stdoutOK = werr == nil
		}
		m.mu.Lock()
		m.tail = keepTail(append(m.tail, out...))
		m.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// keepTail trims b to at most 64 KiB, which holds the last lines evidence
// needs.
func keepTail(b []byte) []byte {
	const limit = 64 << 10
	if len(b) > 2*limit {
		b = append(b[:0], b[len(b)-limit:]...)
	}
	return b
}

// passStderr copies what QEMU wrote to its standard error to ours.
func (m *machine) passStderr() {
	os.Stderr.Write(m.stderr.Bytes())
}

// verdict turns how QEMU ended into the exit status.
func (m *machine) verdict() (int, error) {
	<-m.copied
	m.passStderr()
	st := m.cmd.ProcessState
	if qemuFailed(m.stderr.String()) {
		return statusNoExit, fmt.Errorf("QEMU failed (status %d)", st.ExitCode())
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return statusNoExit, fmt.Errorf("QEMU ended by %v", ws.Signal())
	}
	code := st.ExitCode()
	if code == 0 {
		m.mu.Lock()
		reason := m.stopped
		m.mu.Unlock()
		why := "ACPI power-off, or a triple fault with -no-reboot"
		if reason != "" {
			why = "QEMU says " + reason + ": " + stopReasons(reason)
		}
		dir := m.keepEvidence()
		return statusNoExit, fmt.Errorf("the guest stopped without reporting an exit status (%s)%s", why, dir)
	}
	status, ok := qemu.GuestStatus(code)
	if !ok {
		return statusNoExit, fmt.Errorf("QEMU ended with status %d (failed)", code)
	}
	return status, nil
}

// stopReasons explains QEMU's SHUTDOWN reasons for a guest's stop.
func stopReasons(reason string) string {
	switch reason {
	case "guest-shutdown":
		return "the guest powered off"
	case "guest-reset":
		return "the guest reset the machine, or triple-faulted"
	case "guest-panic":
		return "the guest reported a panic"
	}
	return "see QEMU's documentation of SHUTDOWN events"
}

// qemuFailed reports whether QEMU's standard error holds an error of its
// own: QEMU exits with status 1 for those, the same status as a guest exit
// 0, and only its messages tell them apart. They start with the program's
// name, or "qemu" for some kernel-loading errors; warnings are not errors.
func qemuFailed(stderr string) bool {
	for line := range strings.Lines(stderr) {
		for _, name := range []string{filepath.Base(qemu.Binary()), "qemu"} {
			if strings.HasPrefix(line, name+": ") && !strings.HasPrefix(line, name+": warning:") {
				return true
			}
		}
	}
	return false
}
