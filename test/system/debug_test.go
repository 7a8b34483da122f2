package system

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// debugLimit bounds a debugging session: a boot under the debugger, two
// breakpoint hits and what is printed at them.
const debugLimit = 4 * time.Minute

// runFunc is the function the debugging tests break on: the serial shell's
// dispatch of a command line, with the line in its argument text.
const runFunc = "clk/actor/shell.(*Shell).Run"

// ansi matches the colour escapes Delve writes even to a file.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// bootForDebugger starts the kernel paused, with the gdbstub at the
// returned address.
func bootForDebugger(t *testing.T, elf string, cpus int) (*qemu.Machine, string) {
	t.Helper()
	stub := freeAddr(t)
	m, err := qemu.StartCommand(context.Background(), qemu.Command{
		Boot:   qemu.Kernel("PVH", "pc", elf, "", ""),
		CPUs:   cpus,
		Paused: true,
		Extra:  qemu.GDBStubArgs(stub),
	}, debugLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Kill)
	return m, stub
}

// typeAtPrompt waits for the next prompt and types line at it. The guest
// runs only while the debugger lets it, so a prompt means the debugger's
// continue is under way.
func typeAtPrompt(t *testing.T, m *qemu.Machine, line string) {
	t.Helper()
	if _, err := m.Expect(qemu.Prompt, debugLimit); err != nil {
		t.Fatalf("waiting for the prompt to type %q: %v", line, err)
	}
	if err := m.Send(line + "\r"); err != nil {
		t.Fatal(err)
	}
}

// wantAll reports each of wants that out lacks.
func wantAll(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// TestKernelDebugWithDelve runs make debug's session without a person:
// Delve through scripts/gdbrelay on QEMU's gdbstub, on one CPU and on two.
// It breaks on the shell's dispatch, continues, hits it when a command is
// typed, lists the goroutines, walks the stack, prints an argument and a
// struct's field, steps into a call and out, continues to a second hit
// from a second command, and quits, after which the kernel runs on.
func TestKernelDebugWithDelve(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_DEBUG_ELF")
	dlv := artefact(t, "CLK_DLV")
	relay := artefact(t, "CLK_GDBRELAY")
	for _, cpus := range []int{1, 2} {
		t.Run(fmt.Sprintf("%dcpu", cpus), func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join(dir, "init.dlv")
			lines := []string{
				"break " + runFunc,
				"continue",
				"goroutines",
				"bt",
				"print text",
				"next",
				"step",
				"stepout",
				"next",
				"print line.Stages",
				"print len(s.cmds)",
				"continue",
				"print text",
				"exit",
			}
			if err := os.WriteFile(script, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			m, stub := bootForDebugger(t, elf, cpus)
			cmd := qemu.Delve(dlv, relay, stub, elf, "--init", script, "--allow-non-terminal-interactive=true")
			cmd.Env = append(cmd.Env, "CLK_GDBRELAY_LOG="+filepath.Join(dir, "relay.log"))
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			typeAtPrompt(t, m, "help")
			typeAtPrompt(t, m, "uptime")
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("dlv: %v", err)
				}
			case <-time.After(debugLimit):
				cmd.Process.Kill()
				<-done
				t.Errorf("dlv still running after %v", debugLimit)
			}
			session := ansi.ReplaceAllString(out.String(), "")
			relayLog, _ := os.ReadFile(filepath.Join(dir, "relay.log"))
			t.Logf("Delve's session:\n%s\nthe relay's log:\n%s", session, relayLog)
			wantAll(t, "Delve's session", session,
				"Breakpoint 1 set at",
				"[Breakpoint 1] "+runFunc+"()",
				// goroutines: the one at the breakpoint and a
				// driver's, parked.
				"Goroutine 1 - User: ",
				"clk/drivers/uart.(*Port).ReadByte",
				// bt: the way from main to the shell.
				"main.serve",
				"main.main",
				`"help"`,
				"clk/actor/shell.Parse()",
				"[][]string len: 1",
				`["help"]`,
				`"uptime"`,
			)
			if strings.Count(session, "[Breakpoint 1] "+runFunc) != 2 {
				t.Errorf("the breakpoint was hit %d times, want 2 (help, uptime)", strings.Count(session, "[Breakpoint 1] "+runFunc))
			}
			// Delve's quit is a kill, which the relay turned into a
			// detach: the kernel runs the second command and the
			// next.
			if _, err := m.Expect(qemu.Prompt, directLimits.command); err != nil {
				t.Fatalf("no prompt after uptime once Delve quit: %v", err)
			}
			reply, err := m.Command("echo after-the-debugger", directLimits.command)
			if err != nil || !strings.Contains(reply, "after-the-debugger") {
				t.Errorf("the kernel did not run on after Delve quit: %q, %v", reply, err)
			}
		})
	}
}

// TestKernelDebugWithGDB runs make gdb's session without a person: GDB in
// batch mode on QEMU's gdbstub with the Go runtime's extension, on two
// CPUs. It breaks on the shell's dispatch, hits it when a command is typed,
// lists the goroutines (runtime-gdb.py's info goroutines), walks the stack
// and prints the argument, then detaches, after which the kernel runs on.
func TestKernelDebugWithGDB(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_DEBUG_ELF")
	goroot := artefact(t, "CLK_GOROOT")
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed (make deps installs it)")
	}
	m, stub := bootForDebugger(t, elf, 2)
	cmd := qemu.GDB(gdb, stub, elf, goroot, "-batch",
		"-ex", "break '"+runFunc+"'",
		"-ex", "continue",
		"-ex", "info goroutines",
		"-ex", "bt",
		"-ex", "print text",
		"-ex", "detach",
	)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	typeAtPrompt(t, m, "help")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("gdb: %v", err)
		}
	case <-time.After(debugLimit):
		cmd.Process.Kill()
		<-done
		t.Errorf("gdb still running after %v", debugLimit)
	}
	session := out.String()
	t.Logf("GDB's session:\n%s", session)
	wantAll(t, "GDB's session", session,
		"Breakpoint 1 at",
		"Breakpoint 1, "+runFunc,
		// info goroutines: the one at the breakpoint runs, others
		// wait (each shown where it parked, in the runtime).
		"* 1 running",
		"waiting  runtime.gopark",
		"in main.serve (",
		"main.main",
		`$1 = "help"`,
		"detached",
	)
	if _, err := m.Expect(qemu.Prompt, directLimits.command); err != nil {
		t.Fatalf("no prompt after help once GDB detached: %v", err)
	}
	reply, err := m.Command("echo after-the-debugger", directLimits.command)
	if err != nil || !strings.Contains(reply, "after-the-debugger") {
		t.Errorf("the kernel did not run on after GDB detached: %q, %v", reply, err)
	}
}

// dumpMachine boots elf with a crash-dump taker and a QMP socket, and
// returns the dumps as they are taken.
func dumpMachine(t *testing.T, elf string, cpus int) (*qemu.Machine, <-chan qemu.Dump) {
	t.Helper()
	dumps, err := qemu.ListenCrashDumps(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dumps.Close() })
	sock := qmpSocket(t)
	m, err := qemu.StartCommand(context.Background(), qemu.Command{
		Boot:   qemu.Kernel("PVH", "pc", elf, "", ""),
		CPUs:   cpus,
		Memory: "256M",
		QMP:    sock,
		Extra:  dumps.Args(),
	}, debugLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Kill)
	q, err := qemu.DialQMP(sock, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	taken := make(chan qemu.Dump, 4)
	go dumps.Serve(q, func(d qemu.Dump) { taken <- d })
	if _, err := m.Expect(qemu.Prompt, directLimits.boot); err != nil {
		t.Fatal(err)
	}
	return m, taken
}

// openCore runs Delve's commands on a core of elf and returns what it
// printed.
func openCore(t *testing.T, dlv, elf, core string, commands ...string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "core.dlv")
	if err := os.WriteFile(script, []byte(strings.Join(append(commands, "exit"), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), debugLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, dlv, "core", elf, core, "--init", script, "--allow-non-terminal-interactive=true").CombinedOutput()
	session := ansi.ReplaceAllString(string(out), "")
	t.Logf("dlv core %s:\n%s", filepath.Base(core), session)
	if err != nil {
		t.Errorf("dlv core: %v", err)
	}
	return session
}

// waitDump waits for the next crash dump.
func waitDump(t *testing.T, taken <-chan qemu.Dump, reason string) qemu.Dump {
	t.Helper()
	select {
	case d := <-taken:
		if d.Err != nil {
			t.Fatal(d.Err)
		}
		if d.Reason != reason {
			t.Fatalf("a dump for %q, want one for %q", d.Reason, reason)
		}
		return d
	case <-time.After(debugLimit):
		t.Fatalf("no crash dump after %v", debugLimit)
	}
	panic("unreachable")
}

// TestKernelCrashDumpOpensInDelve asks for a dump at the shell
// (crashdump), then panics the kernel (crashdump panic): each time QEMU
// writes an ELF core that dlv core opens with the kernel's goroutines,
// their stacks and its variables; the kernel runs on after the first and
// QEMU ends after the panic's.
func TestKernelCrashDumpOpensInDelve(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_ELF")
	dlv := artefact(t, "CLK_DLV")
	m, taken := dumpMachine(t, elf, 2)

	if _, err := m.Command("crashdump", directLimits.command); err != nil {
		t.Fatal(err)
	}
	live := waitDump(t, taken, qemu.DumpRequest)
	session := openCore(t, dlv, elf, live.Path, "goroutines", "print runtime.gomaxprocs")
	// The dump is taken while or after crashdump returns: the serial
	// shell may be at either; the screen's shell waits for a key.
	wantAll(t, "the live dump's session", session,
		"clk/drivers/uart.(*Port).ReadByte",
		"clk/actor/shell.(*Shell).key",
	)
	if !regexp.MustCompile(`(?m)^2$`).MatchString(session) {
		t.Errorf("print runtime.gomaxprocs did not print 2")
	}
	if _, err := m.Command("echo still here", directLimits.command); err != nil {
		t.Fatalf("the kernel did not run on after the dump: %v", err)
	}

	if err := m.Send("crashdump panic\r"); err != nil {
		t.Fatal(err)
	}
	crash := waitDump(t, taken, qemu.DumpPanic)
	if _, err := m.Wait(directLimits.shutdown); err != nil {
		t.Errorf("QEMU did not end after the panic's dump: %v", err)
	}
	wantAll(t, "the console", m.Console(), "panic: crashdump panic at the shell")
	session = openCore(t, dlv, elf, crash.Path, "goroutines -t", "print runtime.gomaxprocs")
	if !regexp.MustCompile(`(?m)^2$`).MatchString(session) {
		t.Errorf("print runtime.gomaxprocs did not print 2")
	}
	wantAll(t, "the panic dump's session", session,
		"runtime.fatalpanic",
		"main.(*system).Panic.func1",
		"clk/drivers/uart.(*Port).ReadByte",
	)
}
