package system

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run scripts/go_clk_amd64_exec, the wrapper that go run and
// go test use for GOOS=clk binaries, on the stand-in kernel, which prints its
// command line and ends the way the last byte of that line says.

// execResult is what one run of the wrapper did.
type execResult struct {
	stdout, stderr string
	status         int
}

// execEnv is a minimal environment, so that variables the wrapper would
// forward (GOTRACEBACK, GODEBUG) come only from the test.
func execEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}
	for _, name := range []string{"CLK_QEMU", "CLK_QEMU_ACCEL"} {
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
	r := runExec(t, execEnv(), elf, "x") // the stand-in triple-faults
	if r.status != 125 || !strings.Contains(r.stderr, "without reporting an exit status") {
		t.Errorf("wrapper exited %d with stderr %q, want 125 and an explanation", r.status, r.stderr)
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
	r := runExec(t, execEnv("CLK_EXEC_TIMEOUT=1", "CLK_QEMU_ARGS=-pidfile "+pidfile), elf, "h")
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
// (SIGQUIT) or an impatient one (SIGKILL, which no trap sees) would.
func TestExecLeavesNoQEMUBehind(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	elf := standIn(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "qemu.pid")
			cmd := exec.Command(wrapper(t), elf, "h")
			cmd.Env = execEnv("CLK_QEMU_ARGS=-pidfile " + pidfile)
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
			// SIGKILL leaves the work to the watchdog, which polls each second.
			requireGone(t, pidfile, pid)
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
