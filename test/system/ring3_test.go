package system

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"clk/actor/shell"
	"clk/internal/qemu"
)

// ring3Limits are for the ring-3 session: a hundred thousand round trips
// between two processes take tens of seconds under TCG.
var ring3Limits = limits{boot: 30 * time.Second, command: 60 * time.Second, shutdown: 30 * time.Second}

// TestKernelShellRing3 starts the initrd's ring-3 programs from the shell
// of build/clk.elf: a program runs and sees its arguments; each isolation
// probe (kernel memory, privileged instructions, a jump into the kernel,
// another process's memory) is killed with a report while the kernel and
// the shell go on; a nil dereference and a division by zero are Go panics,
// which recover stops; two processes ping-pong 100,000 messages; package
// net and net/http work over the network service (netcheck); a fuzzer
// makes random syscalls, most of which the kernel carries out; a program
// inside a pipeline gets every input batch and the end of the input, and
// its output goes on down the pipeline; Ctrl-C ends a running program;
// ps and caps show a running process.
func TestKernelShellRing3(t *testing.T) {
	initrd := os.Getenv("CLK_SYSTEST_INITRD")
	if initrd == "" {
		t.Skip("CLK_SYSTEST_INITRD is not set: it names build/initrd.cpio, which holds the programs (make test-system sets it)")
	}
	l := ring3Limits
	boot := qemu.PVH("pc", artefact(t, "CLK_SYSTEST_ELF"))
	boot.Args = append(boot.Args, "-initrd", initrd)
	m := startMachine(t, boot, limits{boot: l.boot, command: 20 * l.command, shutdown: l.shutdown})
	if _, err := m.Expect(qemu.Prompt, l.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	// alive checks that the shell still runs commands; a job's end may
	// be reported after the reply.
	alive := func(t *testing.T) {
		t.Helper()
		if got := command(t, m, "echo still here", l); !strings.HasPrefix(got, "still here\n") {
			t.Fatalf("the shell after the program: %q", got)
		}
	}

	t.Run("hello", func(t *testing.T) {
		got := command(t, m, "run hello one two", l)
		if !regexp.MustCompile(`hello from ring 3, pid [0-9]+`).MatchString(got) || !strings.Contains(got, `["hello" "one" "two"]`) {
			t.Errorf("run hello one two: %q", got)
		}
	})

	t.Run("no such program", func(t *testing.T) {
		if got := command(t, m, "run nosuch", l); !strings.Contains(got, "nosuch: no such program") {
			t.Errorf("run nosuch: %q", got)
		}
	})

	// Each probe announces its act, is killed doing it, and the shell
	// prints the kernel's report; "FAILED" is what a probe prints if it
	// survives.
	probes := []struct{ name, report string }{
		{"readkernel", `page fault: read at 0x100000`},
		{"writekernel", `page fault: write at 0x100000`},
		{"jumpkernel", `page fault: execute at 0x100000`},
		{"cli", `general protection fault`},
		{"hlt", `general protection fault`},
		{"wrmsr", `general protection fault`},
		{"writeother", `page fault: write at 0x[0-9a-f]+: no mapping`},
		{"g0guard", `page fault: write at 0x[0-9a-f]+: no mapping`},
	}
	for _, p := range probes {
		t.Run("probe/"+p.name, func(t *testing.T) {
			got := command(t, m, "run probe "+p.name, l)
			killed := regexp.MustCompile(`process [0-9]+ \(probe\) killed: ` + p.report)
			if !killed.MatchString(got) || strings.Contains(got, "FAILED") || !strings.Contains(got, "user stack:") {
				t.Errorf("run probe %s: want a kill report matching %q with a user stack:\n%s", p.name, killed, got)
			}
			if p.name == "writeother" && !strings.Contains(got, "child: intact") {
				t.Errorf("run probe writeother: the child's variable was not reported intact:\n%s", got)
			}
			alive(t)
		})
	}

	// A nil dereference and a division by zero are Go run-time panics:
	// the kernel hands the fault back to the program, whose runtime
	// panics as on Linux; unrecovered, the panic ends it with status 2.
	for _, p := range []struct{ name, panic string }{
		{"nil", `panic: runtime error: invalid memory address or nil pointer dereference`},
		{"divzero", `panic: runtime error: integer divide by zero`},
	} {
		t.Run("probe/"+p.name, func(t *testing.T) {
			got := command(t, m, "run probe "+p.name, l)
			if !strings.Contains(got, p.panic) || !strings.Contains(got, "goroutine 1 [running]:") ||
				!regexp.MustCompile(`probe \(pid [0-9]+\): exit status 2`).MatchString(got) {
				t.Errorf("run probe %s: want %q, a goroutine trace and exit status 2:\n%s", p.name, p.panic, got)
			}
			alive(t)
		})
	}
	t.Run("probe/recover", func(t *testing.T) {
		got := command(t, m, "run probe recover", l)
		if !strings.Contains(got, `probe recover: recovered "runtime error: invalid memory address or nil pointer dereference" and goes on`) {
			t.Errorf("run probe recover: %q", got)
		}
	})

	t.Run("probe/badregs", func(t *testing.T) {
		got := command(t, m, "run probe badregs", l)
		if !strings.Contains(got, "non-canonical FS base is refused") || strings.Contains(got, "FAILED") {
			t.Errorf("run probe badregs: %q", got)
		}
		alive(t)
	})

	t.Run("pingpong", func(t *testing.T) {
		got := command(t, m, "run pingpong 100000", limits{command: 10 * l.command})
		if !regexp.MustCompile(`pingpong: 100000 round trips ok`).MatchString(got) {
			t.Errorf("run pingpong 100000: %q", got)
		}
		t.Logf("%s", strings.TrimSpace(got))
	})

	t.Run("netcheck", func(t *testing.T) {
		got := command(t, m, "run netcheck", limits{command: 5 * l.command})
		if !strings.Contains(got, "netcheck: ok") {
			t.Errorf("run netcheck: %q", got)
		}
	})

	t.Run("sysfuzz", func(t *testing.T) {
		const n = 20000
		got := command(t, m, fmt.Sprintf("run sysfuzz %d 7", n), limits{command: 5 * l.command})
		checkFuzzCounts(t, got, n)
		// run reports a kill or a non-zero exit status; sysfuzz exits
		// with 0 after its last call.
		if regexp.MustCompile(`sysfuzz \(pid [0-9]+\): `).MatchString(got) {
			t.Errorf("run sysfuzz %d did not exit with status 0:\n%s", n, got)
		}
		alive(t)
	})

	// nl numbers the lines of its mailbox and sends them back on it; at
	// the end of its input it prints a count on its console.
	t.Run("run in a pipeline", func(t *testing.T) {
		// 813 numbers up to 3000 have a 7 in them, the last two 2987
		// and 2997: the output depends on seq, grep, nl and tail, and
		// on nl having got every batch, in order.
		got := command(t, m, "seq 1 3000 | grep 7 | run nl | grep -v nl: | tail -n 2", l)
		if got != "812 2987\n813 2997\n" {
			t.Errorf("seq 1 3000 | grep 7 | run nl | ... | tail -n 2: %q, want 812 2987 and 813 2997", got)
		}
		// The count comes only at the end of the input: run passed it
		// on. 3000 lines are at least 47 of the shell's batches.
		got = command(t, m, "seq 1 3000 | run nl | grep nl:", l)
		mm := regexp.MustCompile(`^nl: 3000 lines in ([0-9]+) batches\n$`).FindStringSubmatch(got)
		if mm == nil {
			t.Fatalf("seq 1 3000 | run nl | grep nl: %q, want \"nl: 3000 lines in N batches\"", got)
		}
		if b, _ := strconv.Atoi(mm[1]); b < (3000+shell.BatchLines-1)/shell.BatchLines || b > 3000 {
			t.Errorf("nl got 3000 lines in %d batches, want %d to 3000", b, (3000+shell.BatchLines-1)/shell.BatchLines)
		}
		// The reply is the count alone: run reported no error, so nl
		// exited with status 0.
		if got := command(t, m, "seq 1 3000 | run nl | grep -c .", l); got != "3001\n" {
			t.Errorf("seq 1 3000 | run nl | grep -c .: %q, want 3001 (3000 numbered lines and the count)", got)
		}
	})

	// Ctrl-C ends a ring-3 program that runs in the foreground, alone or
	// inside a pipeline: the prompt comes back and ps no longer lists it.
	for _, c := range []struct{ line, started, name string }{
		{"run sysfuzz 100000000 7", "sysfuzz: 100000000 calls, seed 7\n", "sysfuzz"},
		{"yes | run nl", "1 y\n", "nl"},
	} {
		t.Run("ctrl-c/"+c.name, func(t *testing.T) {
			if err := m.Send(c.line + "\r"); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Expect(c.started, l.command); err != nil {
				t.Fatal(err)
			}
			if err := m.Send(ctrlC); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Expect("^C\n", l.command); err != nil {
				t.Fatal(err)
			}
			got, err := m.Expect(qemu.Prompt, l.command)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(got, "does not stop") || strings.Contains(got, "panic") {
				t.Errorf("Ctrl-C on %s: %q", c.line, lastLine(got))
			}
			var ps string
			for range 50 {
				if ps = command(t, m, "ps", l); !strings.Contains(ps, " "+c.name+" ") {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if strings.Contains(ps, " "+c.name+" ") {
				t.Errorf("%s outlives Ctrl-C:\n%s", c.name, ps)
			}
			alive(t)
		})
	}

	t.Run("ps and caps", func(t *testing.T) {
		command(t, m, "run pingpong 100000000 &", l)
		var pid string
		var ps string
		for range 50 {
			ps = command(t, m, "ps", l)
			if mm := regexp.MustCompile(`(?m)^\s*([0-9]+) pingpong\s+[0-9]+`).FindStringSubmatch(ps); mm != nil {
				pid = mm[1]
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if pid == "" {
			t.Fatalf("ps does not list the pingpong process:\n%s", ps)
		}
		caps := command(t, m, "caps "+pid, l)
		if !regexp.MustCompile(`(?m)^0x[0-9a-f]{8} channel\s+.*read.*write`).MatchString(caps) {
			t.Errorf("caps %s: want a channel handle with read and write:\n%s", pid, caps)
		}
		command(t, m, "kill %1", l)
		for range 50 {
			if ps = command(t, m, "ps", l); !strings.Contains(ps, " pingpong ") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if strings.Contains(ps, " pingpong ") {
			t.Errorf("the pingpong processes outlive kill %%1:\n%s", ps)
		}
		alive(t)
	})
}

// lastLine is the last line of a reply that may hold much output before it.
func lastLine(reply string) string {
	lines := strings.Split(strings.TrimSuffix(reply, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestKernelRunsAProgramAtBoot boots build/clk.elf with clk.run=NAME,ARGS:
// the kernel runs the program with the serial line as its console instead
// of starting the shell, logs its exit status, and powers the machine off
// (QEMU's status 0) whatever that status. Given a disk, the program reaches
// it at /disk, as one that run starts does.
func TestKernelRunsAProgramAtBoot(t *testing.T) {
	initrd := os.Getenv("CLK_SYSTEST_INITRD")
	if initrd == "" {
		t.Skip("CLK_SYSTEST_INITRD is not set: it names build/initrd.cpio, which holds the programs (make test-system sets it)")
	}
	elf := artefact(t, "CLK_SYSTEST_ELF")
	for _, c := range []struct {
		cmdline string
		disk    bool     // boot with a FAT32 disk
		want    []string // regular expressions the console must match
	}{
		{"clk.run=hello,one,two", false, []string{
			`hello from ring 3, pid [0-9]+\n`,
			`hello: 3 args: \["hello" "one" "two"\]\n`,
			`clk: hello \(pid [0-9]+\) exited with status 0\n`,
		}},
		{"clk.run=probe,divzero", false, []string{
			`panic: runtime error: integer divide by zero`,
			`clk: probe \(pid [0-9]+\) exited with status 2\n`,
		}},
		{"clk.run=nosuch", false, []string{`nosuch: no such program`}},
		{"clk.run=diskcheck,write,/disk/boot.bin,300000", true, []string{
			`diskcheck: wrote /disk/boot.bin: 300000 bytes in .*, sha256 [0-9a-f]{64}\n`,
			`clk: diskcheck \(pid [0-9]+\) exited with status 0\n`,
		}},
	} {
		t.Run(c.cmdline, func(t *testing.T) {
			boot, l := qemu.Kernel("PVH, -M pc", "pc", elf, initrd, c.cmdline), ring3Limits
			var m *qemu.Machine
			if c.disk {
				img := filepath.Join(t.TempDir(), "disk.img")
				host(t, dosfstool(t, "mkfs.fat"), "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
				devs, err := qemu.Devices{Disk: img}.Args()
				if err != nil {
					t.Fatal(err)
				}
				l = diskLimits
				m = startMachineWith(t, boot, l, qemu.Options{Args: devs})
			} else {
				m = startMachine(t, boot, l)
			}
			status, err := m.Wait(l.boot + l.command + l.shutdown)
			if err != nil {
				t.Fatalf("%s: %v", c.cmdline, err)
			}
			if status != 0 {
				t.Errorf("%s: QEMU exit status %d, want 0 (an ACPI power-off)", c.cmdline, status)
			}
			console := m.Console()
			for _, re := range c.want {
				if !regexp.MustCompile(re).MatchString(console) {
					t.Errorf("%s: the console does not match %q", c.cmdline, re)
				}
			}
			if strings.Contains(console, qemu.Prompt) {
				t.Errorf("%s: a shell started after the program", c.cmdline)
			}
		})
	}
}

// fuzzDone is sysfuzz's last line: the number of calls, then the count of
// each status that came back.
var fuzzDone = regexp.MustCompile(`sysfuzz: ([0-9]+) calls done \(([^)]*)\)`)

// checkFuzzCounts wants the n calls of a sysfuzz run to have reached the
// kernel's handlers: a dispatcher that refused every call would pass a
// test that only waits for the end. Seven runs of 20,000 calls with
// different seeds gave 21-22% OK, 21-22% ENOSYS (most of them numbers
// past the table, which the fuzzer draws 15% of the time) and 15 to 17
// distinct statuses; the bounds leave a wide margin around those.
func checkFuzzCounts(t *testing.T, reply string, n int) {
	t.Helper()
	mm := fuzzDone.FindStringSubmatch(reply)
	if mm == nil || mm[1] != strconv.Itoa(n) {
		t.Errorf("run sysfuzz %d: no line \"sysfuzz: %d calls done (...)\":\n%s", n, n, reply)
		return
	}
	counts := make(map[string]int)
	sum := 0
	for _, f := range strings.Split(mm[2], ", ") {
		name, num, ok := strings.Cut(f, " ")
		c, err := strconv.Atoi(num)
		if !ok || err != nil {
			t.Errorf("sysfuzz count %q is not \"STATUS N\": %s", f, mm[0])
			return
		}
		counts[name] = c
		sum += c
	}
	if sum != n {
		t.Errorf("sysfuzz counts add up to %d, want %d: %s", sum, n, mm[0])
	}
	if counts["OK"] < n/10 {
		t.Errorf("sysfuzz: %d of %d calls succeeded, want at least %d: %s", counts["OK"], n, n/10, mm[0])
	}
	if counts["ENOSYS"] > n*3/10 {
		t.Errorf("sysfuzz: %d of %d calls were ENOSYS, want at most %d: %s", counts["ENOSYS"], n, n*3/10, mm[0])
	}
	if len(counts) < 10 {
		t.Errorf("sysfuzz: %d distinct statuses, want at least 10: %s", len(counts), mm[0])
	}
}
