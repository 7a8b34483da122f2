package system

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// actorLimits are for the actor shell session: a pipeline of a hundred
// thousand lines takes seconds under TCG.
var actorLimits = limits{boot: 30 * time.Second, command: 20 * time.Second, shutdown: 30 * time.Second}

// Keys as a terminal sends them (ECMA-48 cursor keys, ASCII controls).
const (
	keyUp    = "\x1b[A"
	keyLeft  = "\x1b[D"
	keyRight = "\x1b[C"
	keyHome  = "\x1b[H"
	keyEnd   = "\x1b[F"
	keyDel   = "\x1b[3~"
	keyBS    = "\x7f"
	ctrlA    = "\x01"
	ctrlC    = "\x03"
	ctrlE    = "\x05"
	ctrlK    = "\x0b"
	ctrlU    = "\x15"
	ctrlW    = "\x17"
)

// TestKernelShellActors types at the actor shell of build/clk.elf as a
// person would: pipelines, the editing keys, history, completion, Ctrl-C,
// a crashing and a spinning actor, background jobs and kill, and errors.
func TestKernelShellActors(t *testing.T) {
	l := actorLimits
	boot := qemu.PVH("pc", artefact(t, "CLK_SYSTEST_ELF"))
	initrd := os.Getenv("CLK_SYSTEST_INITRD")
	if initrd != "" {
		boot.Args = append(boot.Args, "-initrd", initrd)
	}
	m := startMachine(t, boot, limits{boot: l.boot, command: 6 * l.command, shutdown: l.shutdown})
	if _, err := m.Expect(qemu.Prompt, l.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}

	// keys types raw keys and returns what came back up to the next prompt.
	keys := func(k string) string {
		t.Helper()
		if err := m.Send(k); err != nil {
			t.Fatal(err)
		}
		reply, err := m.Expect(qemu.Prompt, l.command)
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
	// lastLines are the reply's last n lines.
	lastLines := func(reply string, n int) string {
		lines := strings.Split(strings.TrimSuffix(reply, "\n"), "\n")
		return strings.Join(lines[max(0, len(lines)-n):], "\n")
	}

	t.Run("pipeline", func(t *testing.T) {
		if got := command(t, m, "seq 1 100000 | grep 7 | wc -l", l); got != "40951\n" {
			t.Errorf("seq | grep | wc: %q, want 40951", got)
		}
		if got := command(t, m, "yes clk | head -n 3 | uniq -c", l); !regexp.MustCompile(`^\s*3 clk\n$`).MatchString(got) {
			t.Errorf("yes | head | uniq -c: %q", got)
		}
		// tail keeps the last lines of an input of many batches.
		if got := command(t, m, "seq 1 1000 | tail -n 3", l); got != "998\n999\n1000\n" {
			t.Errorf("seq 1 1000 | tail -n 3: %q, want 998 to 1000", got)
		}
		// Each stage changes the answer: without grep it would be 998,
		// without sort 27, without head 7, and without tail three lines.
		if got := command(t, m, "seq 1 1000 | grep 7 | sort -r -n | head -n 3 | tail -n 1", l); got != "979\n" {
			t.Errorf("seq | grep | sort | head | tail: %q, want 979", got)
		}
	})

	t.Run("editing", func(t *testing.T) {
		for _, c := range []struct{ keys, want string }{
			{"echo abx" + keyBS + "c\r", "abc"},
			{"cho ab" + keyHome + "e" + keyEnd + "c\r", "abc"},
			{"echo ac" + keyLeft + "b" + keyRight + "d\r", "abcd"},
			{"echo xabc" + ctrlA + keyRight + keyRight + keyRight + keyRight + keyRight + keyDel + "\r", "abc"},
			{"junk" + ctrlU + "echo ab" + ctrlA + "\x06\x06\x06\x06\x06\x06" + ctrlK + ctrlE + "c\r", "ac"},
			{"echo abc junk" + ctrlW + "\r", "abc"},
		} {
			if got := lastLines(keys(c.keys), 1); got != c.want {
				t.Errorf("keys %q: %q, want %q", c.keys, got, c.want)
			}
		}
	})

	t.Run("history", func(t *testing.T) {
		command(t, m, "echo first", l)
		command(t, m, "echo second", l)
		if got := lastLines(keys(keyUp+keyUp+"\r"), 1); got != "first" {
			t.Errorf("Up Up Enter: %q, want first", got)
		}
		if got := lastLines(keys(keyUp+keyBS+keyBS+keyBS+keyBS+keyBS+"1st\r"), 1); got != "1st" {
			t.Errorf("Up, edit, Enter: %q, want 1st", got)
		}
	})

	t.Run("completion", func(t *testing.T) {
		if got := lastLines(keys("ech\tdone\r"), 1); got != "done" {
			t.Errorf("ech Tab: %q, want done", got)
		}
		if got := lastLines(keys("seq 3 | hea\t-n 1\r"), 1); got != "1" {
			t.Errorf("completion after |: %q, want 1", got)
		}
	})

	t.Run("ctrl-c", func(t *testing.T) {
		if err := m.Send("yes\r"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Expect("y\ny\ny\n", l.command); err != nil {
			t.Fatal(err)
		}
		if err := m.Send(ctrlC); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Expect("^C\n", l.command); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Expect(qemu.Prompt, l.command); err != nil {
			t.Fatal(err)
		}
		if got := command(t, m, "echo ok", l); got != "ok\n" {
			t.Errorf("echo after Ctrl-C: %q", got)
		}
	})

	t.Run("crash", func(t *testing.T) {
		got := command(t, m, "crash", l)
		if !strings.Contains(got, "panic") || !strings.Contains(got, "nil map") || !strings.Contains(got, "goroutine") {
			t.Errorf("crash does not print its reason and stack: %q", got)
		}
		if got := command(t, m, "echo ok", l); got != "ok\n" {
			t.Errorf("echo after crash: %q", got)
		}
	})

	t.Run("spin", func(t *testing.T) {
		bg := regexp.MustCompile(`^\[(\d+)\] (\d+)\n$`).FindStringSubmatch(command(t, m, "spin &", l))
		if bg == nil {
			t.Fatal("spin & does not report its job and actor")
		}
		if got := command(t, m, "echo ok", l); got != "ok\n" {
			t.Errorf("echo while spin runs: %q", got)
		}
		if got := command(t, m, "ps", l); !regexp.MustCompile(`(?m)^\s*` + bg[2] + `\s+spin\s`).MatchString(got) {
			t.Errorf("ps does not list spin as actor %s: %q", bg[2], got)
		}
		// kill prints nothing, but the job may end before the prompt,
		// which then reports it.
		if got := command(t, m, "kill "+bg[2], l); got != "" && got != "["+bg[1]+"] done  spin &\n" {
			t.Errorf("kill: %q, want nothing or the job's end", got)
		}
		gone := false
		for range 20 {
			if !strings.Contains(command(t, m, "jobs", l), "spin") {
				gone = true
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if !gone {
			t.Errorf("the spin job still runs after kill")
		}
		// In the foreground, Ctrl-C stops it.
		if err := m.Send("spin\r"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if err := m.Send(ctrlC); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Expect("^C\n", l.command); err != nil {
			t.Fatal(err)
		}
		if got, err := m.Expect(qemu.Prompt, l.command); err != nil || strings.Contains(got, "does not stop") {
			t.Errorf("Ctrl-C on spin: %q, %v", got, err)
		}
		if got := command(t, m, "jobs", l); strings.Contains(got, "spin") {
			t.Errorf("spin still runs after Ctrl-C: %q", got)
		}
	})

	t.Run("kill-job", func(t *testing.T) {
		if got := command(t, m, "sleep 600 | cat &", l); !regexp.MustCompile(`^\[\d+\] \d+ \d+\n$`).MatchString(got) {
			t.Fatalf("sleep | cat &: %q", got)
		}
		if got := command(t, m, "jobs", l); !strings.Contains(got, "sleep 600 | cat &") {
			t.Errorf("jobs: %q", got)
		}
		id := regexp.MustCompile(`\[(\d+)\] running .*sleep 600`).FindStringSubmatch(command(t, m, "jobs", l))
		if id == nil {
			t.Fatal("jobs does not show the job running")
		}
		if got := command(t, m, "kill %"+id[1], l); got != "" && got != "["+id[1]+"] done  sleep 600 | cat &\n" {
			t.Errorf("kill %%%s: %q, want nothing or the job's end", id[1], got)
		}
		var jobs string
		for range 50 {
			if jobs = command(t, m, "jobs", l); !regexp.MustCompile(`running .*sleep 600`).MatchString(jobs) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if regexp.MustCompile(`running .*sleep 600`).MatchString(jobs) {
			t.Errorf("the job still runs after kill %%%s: %q", id[1], jobs)
		}
	})

	// spawn, send, close and recv: a command fed and read from the
	// prompt, its count arriving once its input ends.
	t.Run("spawn", func(t *testing.T) {
		sp := regexp.MustCompile(`^\[(\d+)\] \d+\n$`).FindStringSubmatch(command(t, m, "spawn wc -l", l))
		if sp == nil {
			t.Fatal("spawn wc -l does not report its job and actor")
		}
		id := sp[1]
		for _, c := range []struct{ line, want string }{
			{"send " + id + " first line", ""},
			{"send " + id + " second line", ""},
			{"recv " + id + " 200ms", "recv: " + id + ": no output within 200ms\n"},
			{"close " + id, ""},
			{"recv " + id, "2\n"},
			{"recv " + id, "recv: " + id + ": EOF (wc exited)\n"},
			{"recv " + id, "recv: " + id + ": no such spawned actor\n"},
		} {
			if got := command(t, m, c.line, l); got != c.want {
				t.Errorf("%s: %q, want %q", c.line, got, c.want)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, line := range []string{"nosuchcmd", "head -n x", "seq 1 2 3 4", "grep", "seq 1 |", "kill abc", "cat /no/such/file", "help nosuchcmd"} {
			if lines := nonEmptyLines(command(t, m, line, l)); len(lines) != 1 {
				t.Errorf("%s: want a one-line error, got %q", line, lines)
			}
		}
	})

	t.Run("initrd", func(t *testing.T) {
		if initrd == "" {
			t.Skip("CLK_SYSTEST_INITRD is not set: it names build/initrd.cpio (make test-system sets it)")
		}
		if got := command(t, m, "ls /etc", l); !regexp.MustCompile(`(?m)^motd\s+[1-9][0-9]*$`).MatchString(got) {
			t.Errorf("ls /etc: %q", got)
		}
		if got := command(t, m, "cat /etc/hostname", l); got != "clk\n" {
			t.Errorf("cat /etc/hostname: %q", got)
		}
	})

	// /tmp is the kernel's writable file system, there with or without
	// an initrd: the shell's writes reach it through package os.
	t.Run("files", func(t *testing.T) {
		for _, c := range []struct{ line, want string }{
			{"seq 3 > /tmp/n", ""},
			{"seq 4 6 >> tmp/n", ""},
			{"cat /tmp/n | wc -l", "6\n"},
			{"mkdir -p /tmp/a/b", ""},
			{"cp /tmp/n /tmp/a/b", ""},
			{"mv /tmp/a/b/n /tmp/a/m", ""},
			{"ls /tmp/a", "b/\nm                                12\n"},
			{"sha256sum /tmp/a/m", "c5d161527c5f9d09a2ed9cd76c4063481472f14da4dda40d19468bbfab4421a7  /tmp/a/m\n"},
			{"rm -r /tmp/a /tmp/n", ""},
			{"ls /tmp", ""},
		} {
			if got := command(t, m, c.line, l); got != c.want {
				t.Errorf("%s: %q, want %q", c.line, got, c.want)
			}
		}
		for _, line := range []string{"rm /tmp", "mkdir /tmp", "cp /tmp/none /tmp/x", "echo x > /etc/hostname", "mv /tmp /tmp/x"} {
			if lines := nonEmptyLines(command(t, m, line, l)); len(lines) != 1 {
				t.Errorf("%s: want a one-line error, got %q", line, lines)
			}
		}
	})

	t.Run("system", func(t *testing.T) {
		if got := command(t, m, "dmesg", l); !strings.Contains(got, "booted by") {
			t.Errorf("dmesg lacks the boot messages: %q", got)
		}
		stats := command(t, m, "stats", l)
		if !regexp.MustCompile(`timer\)\s+[1-9]`).MatchString(stats) {
			t.Errorf("stats lacks the timer interrupts: %q", stats)
		}
		// The console's reader also polls: the keys typed so far must
		// have come by interrupt too.
		if !regexp.MustCompile(`COM1, ISA IRQ 4\)\s+[1-9]`).MatchString(stats) {
			t.Errorf("stats shows no interrupt from the serial port: %q", stats)
		}
		if got := command(t, m, "date", l); !regexp.MustCompile(`UTC 20[0-9]{2}`).MatchString(got) {
			t.Errorf("date: %q", got)
		}
	})

	if err := m.Send("reboot\r"); err != nil {
		t.Fatal(err)
	}
	// -no-reboot: a reset ends QEMU with status 0.
	if status, err := m.Wait(l.shutdown); err != nil || status != 0 {
		t.Errorf("reboot: QEMU status %d, %v; want it to end with 0 (reset under -no-reboot)", status, err)
	}
}
