package system

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run scripts/go_clk_amd64_exec, the wrapper that go run and
// go test use for GOOS=clk binaries (it builds and runs scripts/clkexec), on
// the stand-in kernel, which prints its command line and ends the way the
// last byte of that line says.

// execResult is what one run of the wrapper did.
type execResult struct {
	stdout, stderr string
	status         int
}

// execEnv is a minimal environment, so that variables the wrapper would
// forward (GOTRACEBACK, GODEBUG) come only from the test; it keeps what the
// wrapper needs to find, build and cache its program.
func execEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}
	for _, name := range []string{"CLK_QEMU", "CLK_QEMU_ACCEL", "HOME", "XDG_CACHE_HOME", "GOCACHE", "CLK_CACHE", "CLK_HOST_GO"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return append(env, extra...)
}

func wrapper(t *testing.T) string {
	t.Helper()
	requireCommands(t, "bash")
	path, err := filepath.Abs("../../scripts/go_clk_amd64_exec")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func runExec(t *testing.T, env []string, args ...string) execResult {
	t.Helper()
	cmd := exec.Command(wrapper(t), args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	return execResult{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

func TestExecReturnsTheGuestsStatus(t *testing.T) {
	elf := standIn(t)
	for _, want := range []int{0, 3, 9} {
		r := runExec(t, execEnv(), elf, strconv.Itoa(want))
		if r.status != want {
			t.Errorf("guest status %d: wrapper exited %d\nstdout: %s\nstderr: %s", want, r.status, r.stdout, r.stderr)
		}
	}
}

func TestExecPassesArgumentsAndEnvironmentEncoded(t *testing.T) {
	elf := standIn(t)
	env := execEnv("GOTRACEBACK=all", "GODEBUG=gctrace=1 madvdontneed=1", "EXTRA=yes", "CLK_EXEC_ENV=EXTRA")
	r := runExec(t, env, elf, "-test.run=^TestX$", "a b", "ü%", "--", "x=y,z", "0")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want := "cmdline: PWD=" + wd + " GOTRACEBACK=all GODEBUG=gctrace=1%20madvdontneed=1 EXTRA=yes -- fake.elf " +
		"-test.run=%5ETestX%24 a%20b %C3%BC%25 -- x=y,z 0\n"
	if r.stdout != want || r.status != 0 {
		t.Errorf("wrapper printed %q and exited %d, want %q and 0\nstderr: %s", r.stdout, r.status, want, r.stderr)
	}
}

func TestExecTreatsAStopWithoutStatusAsFailure(t *testing.T) {
	elf := standIn(t)
	r := runExec(t, execEnv("CLK_EVIDENCE_DIR="+t.TempDir()), elf, "x") // the stand-in triple-faults
	if r.status != 125 || !strings.Contains(r.stderr, "without reporting an exit status") {
		t.Errorf("wrapper exited %d with stderr %q, want 125 and an explanation", r.status, r.stderr)
	}
}

// evidenceDir returns the directory the wrapper said it kept evidence in,
// which must be under root.
func evidenceDir(t *testing.T, r execResult, root string) string {
	t.Helper()
	m := regexp.MustCompile(`evidence in (\S+)\n`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("the wrapper names no evidence directory; stderr:\n%s", r.stderr)
	}
	if filepath.Dir(m[1]) != root {
		t.Fatalf("evidence in %s, want a directory of CLK_EVIDENCE_DIR %s", m[1], root)
	}
	return m[1]
}

// evidence returns the content of one file of the evidence directory.
func evidence(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("evidence: %v", err)
	}
	return string(b)
}

// TestExecKeepsEvidenceOfATripleFault boots the stand-in on two CPUs with a
// command line that makes it triple-fault: the wrapper must keep QEMU's log
// naming the triple fault, the console's end, and the registers of both
// CPUs at the fault, with the faulting CPU's instruction pointer inside the
// stand-in (linked at 1 MiB), and summarise them on stderr.
func TestExecKeepsEvidenceOfATripleFault(t *testing.T) {
	elf := standIn(t)
	root := t.TempDir()
	r := runExec(t, execEnv("CLK_EVIDENCE_DIR="+root, "CLK_SMP=2"), elf, "x")
	if r.status != 125 {
		t.Fatalf("wrapper exited %d, want 125; stderr:\n%s", r.status, r.stderr)
	}
	dir := evidenceDir(t, r, root)
	if log := evidence(t, dir, "qemu.log"); !strings.Contains(log, "Triple fault") {
		t.Errorf("qemu.log does not name the triple fault:\n%s", log)
	}
	if tail := evidence(t, dir, "console-tail.txt"); !strings.HasPrefix(tail, "cmdline: ") || !strings.HasSuffix(tail, " x\n") {
		t.Errorf("console-tail.txt = %q, want the stand-in's one line", tail)
	}
	regs := evidence(t, dir, "registers.txt")
	for _, cpu := range []string{"CPU#0", "CPU#1"} {
		if !strings.Contains(regs, cpu) {
			t.Errorf("registers.txt lacks %s:\n%s", cpu, regs)
		}
	}
	// The stand-in runs 32-bit code on CPU 0 only; CPU 1 waits for a
	// start-up IPI in the firmware.
	if ip := regexp.MustCompile(`EIP=(001[0-9a-f]{5})`).FindStringSubmatch(regs); ip == nil {
		t.Errorf("no CPU stopped inside the stand-in (EIP=001xxxxx):\n%s", regs)
	}
	for _, want := range []string{"guest-reset", "Triple fault", "registers.txt: CPU 0 EIP=001"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the summary on stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestExecKeepsEvidenceOfAHang lets the stand-in hang past the timeout: the
// registers come from the monitor of the running QEMU.
func TestExecKeepsEvidenceOfAHang(t *testing.T) {
	elf := standIn(t)
	root := t.TempDir()
	r := runExec(t, execEnv("CLK_EVIDENCE_DIR="+root, "CLK_EXEC_TIMEOUT=2"), elf, "h")
	if r.status != 124 {
		t.Fatalf("wrapper exited %d, want 124; stderr:\n%s", r.status, r.stderr)
	}
	dir := evidenceDir(t, r, root)
	if regs := evidence(t, dir, "registers.txt"); !regexp.MustCompile(`(?s)CPU#0.*EIP=001[0-9a-f]{5}`).MatchString(regs) {
		t.Errorf("registers.txt has no CPU in the stand-in's hlt loop:\n%s", regs)
	}
	if !strings.Contains(r.stderr, "timed out") {
		t.Errorf("stderr does not say the guest timed out:\n%s", r.stderr)
	}
}

func TestExecKeepsNoEvidenceOfAGuestStatus(t *testing.T) {
	elf := standIn(t)
	root := t.TempDir()
	r := runExec(t, execEnv("CLK_EVIDENCE_DIR="+root), elf, "5")
	if r.status != 5 {
		t.Fatalf("wrapper exited %d, want 5; stderr:\n%s", r.status, r.stderr)
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Errorf("evidence kept for a guest that reported its status: %v, %v", entries, err)
	}
}

func TestExecTellsQEMUErrorsFromGuestStatusZero(t *testing.T) {
	elf := standIn(t)
	// A QEMU that refuses its arguments exits 1, as a guest's status 0 does.
	r := runExec(t, execEnv("CLK_QEMU_ARGS=-no-such-option"), elf, "0")
	if r.status != 125 || !strings.Contains(r.stderr, "QEMU failed") {
		t.Errorf("wrapper exited %d with stderr %q, want 125 and \"QEMU failed\"", r.status, r.stderr)
	}
}

func TestExecTimeoutKillsQEMU(t *testing.T) {
	elf := standIn(t)
	pidfile := filepath.Join(t.TempDir(), "qemu.pid")
	begin := time.Now()
	r := runExec(t, execEnv("CLK_EXEC_TIMEOUT=1", "CLK_QEMU_ARGS=-pidfile "+pidfile, "CLK_EVIDENCE_DIR="+t.TempDir()), elf, "h")
	if r.status != 124 {
		t.Errorf("wrapper exited %d with stderr %q, want 124", r.status, r.stderr)
	}
	if took := time.Since(begin); took > 15*time.Second {
		t.Errorf("a 1 s timeout took %v", took)
	}
	requireGone(t, pidfile, 0)
}

// TestExecLeavesNoQEMUBehind interrupts the wrapper while the guest hangs,
// as a person (SIGINT), a supervisor (SIGTERM), cmd/go on a test timeout
// (SIGQUIT) or an impatient one (SIGKILL, which no handler sees) would:
// neither QEMU nor the wrapper's temporary files may remain.
func TestExecLeavesNoQEMUBehind(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	elf := standIn(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "qemu.pid")
			cmd := exec.Command(wrapper(t), elf, "h")
			tmp := t.TempDir()
			cmd.Env = execEnv("CLK_QEMU_ARGS=-pidfile "+pidfile, "CLK_EVIDENCE_DIR="+t.TempDir(), "TMPDIR="+tmp)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The guest has booted when it prints its command line.
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "cmdline:") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("first line %q, %v", line, err)
			}
			pid := qemuPID(t, pidfile)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatal("the wrapper did not end")
			}
			// SIGKILL leaves the work to Linux's parent-death signal.
			requireGone(t, pidfile, pid)
			// Nor are its temporary files left, whatever the signal.
			if left, err := os.ReadDir(tmp); err != nil || len(left) > 0 {
				t.Errorf("the wrapper left %v in TMPDIR (%v)", left, err)
			}
		})
	}
}

// qemuPID reads the PID that QEMU wrote to pidfile.
func qemuPID(t *testing.T, pidfile string) int {
	t.Helper()
	data, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pidfile: %v", err)
	}
	return pid
}

// requireGone fails unless the QEMU whose PID is pid (or, when pid is 0, is
// in pidfile if QEMU left it) ends within a few seconds. A zombie counts as
// gone: it runs nothing, and reaping it is the job of whoever inherited it.
func requireGone(t *testing.T, pidfile string, pid int) {
	t.Helper()
	if pid == 0 {
		data, err := os.ReadFile(pidfile)
		if err != nil {
			return // QEMU removes its pidfile when it exits
		}
		if pid, err = strconv.Atoi(strings.TrimSpace(string(data))); err != nil {
			t.Fatalf("pidfile: %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		// The state follows the command name, which is in parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 0 && fields[0] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("QEMU (pid %d) still runs after the wrapper ended", pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
