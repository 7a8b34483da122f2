package systest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ring3Limits are for the ring-3 session: a hundred thousand round trips
// between two processes take tens of seconds under TCG.
var ring3Limits = limits{boot: 30 * time.Second, command: 60 * time.Second, shutdown: 30 * time.Second}

// TestKernelShellRing3 starts the initrd's ring-3 programs from the shell
// of build/clk.elf: a program runs and sees its arguments; each isolation
// probe (kernel memory, privileged instructions, a jump into the kernel,
// another process's memory) is killed with a report while the kernel and
// the shell go on; a nil dereference and a division by zero are Go panics,
// which recover stops; two processes ping-pong 100,000 messages; a fuzzer
// makes random syscalls; ps and caps show a running process.
func TestKernelShellRing3(t *testing.T) {
	initrd := os.Getenv("CLK_SYSTEST_INITRD")
	if initrd == "" {
		t.Skip("CLK_SYSTEST_INITRD is not set: it names build/initrd.cpio, which holds the programs (make test-system sets it)")
	}
	l := ring3Limits
	boot := PVH("pc", artefact(t, "CLK_SYSTEST_ELF"))
	boot.Args = append(boot.Args, "-initrd", initrd)
	m := startMachine(t, boot, limits{boot: l.boot, command: 20 * l.command, shutdown: l.shutdown})
	if _, err := m.Expect(Prompt, l.boot); err != nil {
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

	t.Run("sysfuzz", func(t *testing.T) {
		const n = 20000
		got := command(t, m, fmt.Sprintf("run sysfuzz %d 7", n), limits{command: 5 * l.command})
		if !strings.Contains(got, fmt.Sprintf("sysfuzz: %d calls done", n)) {
			t.Errorf("run sysfuzz %d: %q", n, got)
		}
		alive(t)
	})

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
