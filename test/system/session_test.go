package system

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// limits are how long a session waits for each step. TCG on a busy 2-core
// machine is slow, and OVMF takes seconds before GRUB even starts.
type limits struct {
	boot     time.Duration // QEMU start to the first prompt
	command  time.Duration // a command to the next prompt
	shutdown time.Duration // "shutdown" to QEMU's exit
	// offStatus is QEMU's exit status after "shutdown": 0, an ACPI
	// power-off, for the kernel; the stand-in kernel, which has no ACPI,
	// leaves through isa-debug-exit with guest status 0, QEMU status 1.
	offStatus int
}

var (
	directLimits = limits{boot: 30 * time.Second, command: 10 * time.Second, shutdown: 30 * time.Second}
	uefiLimits   = limits{boot: 90 * time.Second, command: 10 * time.Second, shutdown: 30 * time.Second}
)

var (
	// memReply has the total and the free physical memory in MiB.
	memReply = regexp.MustCompile(`([0-9]+) MiB total, .*?([0-9]+) MiB free`)
	// uptimeReply has the time since start as a Go duration ("1.25s"),
	// maybe with a space before the unit.
	uptimeReply = regexp.MustCompile(`up ([0-9.]+(?:h|m|s|ms|µs| s)+)`)
)

// startMachine boots b for a test: QEMU is killed when the test ends, and
// the console and QEMU's stderr are logged if it failed.
func startMachine(t *testing.T, b qemu.Boot, l limits) *qemu.Machine {
	t.Helper()
	return startMachineWith(t, b, l, qemu.Options{})
}

// startMachineWith is startMachine with QEMU options; its Timeout is set
// from l. The machine has a QMP socket, through which a failed test reads
// where the guest's CPUs are when the guest no longer answers.
func startMachineWith(t *testing.T, b qemu.Boot, l limits, opt qemu.Options) *qemu.Machine {
	t.Helper()
	opt.Timeout = l.boot + 5*l.command + l.shutdown
	sock := qmpSocket(t)
	opt.QMP = sock
	m, err := qemu.Start(context.Background(), b, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			dumpGoroutines(t, m, sock)
		}
		m.Kill()
		keepConsole(t, b.Name, m.Console())
		if t.Failed() {
			t.Logf("console of %s:\n%s", b.Name, m.Console())
			if s := m.Stderr(); s != "" {
				t.Logf("QEMU stderr:\n%s", s)
			}
		}
	})
	return m
}

// keepConsole writes a machine's console to a file named after the test
// and the boot in the directory CLK_SYSTEST_CONSOLE_DIR names, if it is
// set: the boot logs make release publishes.
func keepConsole(t *testing.T, boot, console string) {
	dir := os.Getenv("CLK_SYSTEST_CONSOLE_DIR")
	if dir == "" {
		return
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, t.Name()+"-"+boot)
	if err := os.WriteFile(filepath.Join(dir, name+".log"), []byte(console), 0o644); err != nil {
		t.Errorf("keep the console: %v", err)
	}
}

// qmpSocket returns a path for a machine's QMP socket in a directory removed
// when the test ends. A Unix socket's path is limited to about a hundred
// bytes, which a test's TempDir, named after the test, can pass.
func qmpSocket(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "clkqmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "qmp.sock")
}

// dumpGoroutines presses the kernel's dump key (cmd/clk.DumpKey, Ctrl-\)
// and waits a moment for the stacks, so that the console logged for a
// failed test shows where a kernel that stopped answering was waiting. A
// kernel that does not answer even that is stuck below its goroutines:
// then the frame-pointer backtraces of its CPUs, sampled three times
// through QMP, show where.
func dumpGoroutines(t *testing.T, m *qemu.Machine, sock string) {
	if m.Send("\x1c") != nil {
		return
	}
	if _, err := m.Expect("--- end of goroutines ---", 10*time.Second); err == nil {
		return
	}
	logCPUs(t, sock)
}

// pausedCPUs reads the CPUs of a paused guest, so that their registers and
// stacks are of one moment, and lets it run again.
func pausedCPUs(q *qemu.QMP) ([]qemu.CPU, error) {
	if err := q.Execute("stop", nil); err != nil {
		return nil, err
	}
	defer q.Execute("cont", nil)
	return q.CPUs()
}

// logCPUs logs where the CPUs of the machine with QMP socket sock are and
// the state of its console's interrupt path.
func logCPUs(t *testing.T, sock string) {
	q, err := qemu.DialQMP(sock, 5*time.Second)
	if err != nil {
		t.Logf("no goroutine dump, and no QMP: %v", err)
		return
	}
	defer q.Close()
	syms, err := qemu.ReadSymbols(os.Getenv("CLK_SYSTEST_ELF"))
	if err != nil {
		t.Logf("kernel symbols: %v", err)
	}
	for i := 1; i <= 3; i++ {
		cpus, err := pausedCPUs(q)
		t.Logf("no goroutine dump; the CPUs, sample %d of 3:\n%s", i, qemu.FormatCPUs(cpus, syms))
		if err != nil {
			t.Logf("QMP: %v", err)
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	// The interrupt path of the serial console, from the device to the
	// goroutine that waits for it: the UART's line status (bit 0: a byte
	// waits) and interrupt enable, the I/O APIC and the local APICs
	// (a vector stuck in ISR blocks its priority class), and the runtime's
	// latch and waiter bits and counts.
	var b strings.Builder
	for _, c := range []string{"i /b 0x3fd", "i /b 0x3f9", "info pic", "info lapic"} {
		out, err := q.Monitor(c)
		fmt.Fprintf(&b, "(qemu) %s\n%s", c, out)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
	}
	for _, v := range []string{"runtime.clkIRQPending", "runtime.clkIRQWaiting", "runtime.clkIRQSeq", "runtime.clkConsoleLock", "runtime.clkIRQLock"} {
		addr, size, ok := syms.Lookup(v)
		if !ok {
			continue
		}
		out, _ := q.Monitor(fmt.Sprintf("x /%dgx %#x", max(1, size/8), addr))
		fmt.Fprintf(&b, "%s:\n%s", v, out)
	}
	if addr, _, ok := syms.Lookup("runtime.clkIRQCount"); ok {
		out, _ := q.Monitor(fmt.Sprintf("x /32gx %#x", addr+32*8))
		fmt.Fprintf(&b, "runtime.clkIRQCount[32:64]:\n%s", out)
	}
	t.Logf("the console's interrupt path:\n%s", b.String())
}

// shellSession is the session every clk image must pass, typed as a person
// would: wait for the prompt, ask for help, look at memory and uptime, make
// a typing error, run the extra checks given, and shut the machine down.
func shellSession(t *testing.T, b qemu.Boot, l limits, extra ...func(*testing.T, *qemu.Machine, limits)) {
	m := startMachine(t, b, l)
	if _, err := m.Expect(qemu.Prompt, l.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	t.Logf("%s: first prompt after %v", b.Name, time.Since(m.Started()).Round(time.Millisecond))

	help := command(t, m, "help", l)
	for _, name := range []string{"mem", "uptime", "shutdown"} {
		if !containsWord(help, name) {
			t.Errorf("help does not list %q:\n%s", name, help)
		}
	}
	checkMem(t, command(t, m, "mem", l))
	checkUptime(t, command(t, m, "uptime", l), time.Since(m.Started()))
	if lines := nonEmptyLines(command(t, m, "nosuchcmd", l)); len(lines) != 1 {
		t.Errorf("an unknown command should get a one-line error, got %d lines: %q", len(lines), lines)
	}
	for _, check := range extra {
		check(t, m, l)
	}

	if err := m.Send("shutdown\r"); err != nil {
		t.Fatal(err)
	}
	status, err := m.Wait(l.shutdown)
	if err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// Only an ACPI power-off ends QEMU with status 0: the kernel's fallback
	// when power-off fails, isa-debug-exit, gives an odd status.
	if status != l.offStatus {
		t.Errorf("shutdown: QEMU exit status %d, want %d", status, l.offStatus)
	}
}

func command(t *testing.T, m *qemu.Machine, line string, l limits) string {
	t.Helper()
	reply, err := m.Command(line, l.command)
	if err != nil {
		t.Fatal(err)
	}
	return reply
}

func containsWord(text, word string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(word) + `\b`).MatchString(text)
}

func nonEmptyLines(s string) []string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// checkMem wants mem to report a total near the guest's memory (the
// firmware keeps a little) and less free than that.
func checkMem(t *testing.T, reply string) {
	t.Helper()
	mm := memReply.FindStringSubmatch(reply)
	if mm == nil {
		t.Errorf("mem reply has no \"N MiB total ... N MiB free\":\n%s", reply)
		return
	}
	total, _ := strconv.Atoi(mm[1])
	free, _ := strconv.Atoi(mm[2])
	guest, err := guestMiB(qemu.Memory())
	if err != nil {
		t.Fatal(err)
	}
	if total > guest || total < guest-64 || free <= 0 || free >= total {
		t.Errorf("mem: %d MiB total, %d MiB free on a guest of %d MiB:\n%s", total, free, guest, reply)
	}
}

// checkUptime wants uptime to report a time after the kernel's start and
// no later than now, which is at most since, the time QEMU has run.
func checkUptime(t *testing.T, reply string, since time.Duration) {
	t.Helper()
	mm := uptimeReply.FindStringSubmatch(reply)
	if mm == nil {
		t.Errorf("uptime reply has no duration:\n%s", reply)
		return
	}
	up, err := time.ParseDuration(strings.ReplaceAll(mm[1], " ", ""))
	if err != nil || up <= 0 || up > since {
		t.Errorf("uptime %q (%v) after QEMU ran %v:\n%s", mm[1], err, since, reply)
	}
}

// guestMiB reads a QEMU -m size ("512M", "2G", or MiB without a suffix).
func guestMiB(size string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(size, "G"):
		mult, size = 1024, strings.TrimSuffix(size, "G")
	case strings.HasSuffix(size, "M"):
		size = strings.TrimSuffix(size, "M")
	}
	n, err := strconv.Atoi(size)
	return n * mult, err
}
