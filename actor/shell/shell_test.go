package shell

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// fakeSystem is a machine in memory.
type fakeSystem struct{ files fstest.MapFS }

func (fakeSystem) Memory() (total, used, free uint64) { return 512 << 20, 12 << 20, 500 << 20 }
func (fakeSystem) Uptime() time.Duration              { return 1234567 * time.Microsecond }
func (fakeSystem) Now() time.Time                     { return time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC) }
func (fakeSystem) Counters() []Counter                { return []Counter{{"irq timer", 42}} }
func (fakeSystem) KernelLog() []string                { return []string{"clk: booted", "uart: ready"} }
func (s fakeSystem) Files() fs.FS                     { return s.files }
func (fakeSystem) Shutdown() error                    { return errors.New("no power control here") }
func (fakeSystem) Reboot() error                      { return errors.New("no reset here") }

// session is a shell on pipes, typed at like a terminal.
type session struct {
	t   *testing.T
	in  *io.PipeWriter
	mu  sync.Mutex
	out strings.Builder
	got chan struct{}
	at  int // how much of out expect has consumed
}

func (s *session) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.out.Write(b)
	s.mu.Unlock()
	select {
	case s.got <- struct{}{}:
	default:
	}
	return len(b), nil
}

func newSession(t *testing.T) *session {
	return newSessionOn(t, fakeSystem{files: fstest.MapFS{
		"etc/motd":  {Data: []byte("hello\nclk\n")},
		"README.md": {Data: []byte("# clk\n")},
	}})
}

// newSessionOn is a session with the shell on sys.
func newSessionOn(t *testing.T, sys System) *session {
	r, w := io.Pipe()
	s := &session{t: t, in: w, got: make(chan struct{}, 1)}
	sh := New(bufio.NewReader(r), s, sys)
	go sh.Serve()
	t.Cleanup(func() { w.Close() })
	s.expect(Prompt)
	return s
}

// expect waits for want in the output after what was consumed, and returns
// the output up to it.
func (s *session) expect(want string) string {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		all := s.out.String()
		s.mu.Unlock()
		if i := strings.Index(all[s.at:], want); i >= 0 {
			text := all[s.at : s.at+i]
			s.at += i + len(want)
			return text
		}
		select {
		case <-s.got:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			s.t.Fatalf("no %q in the output after %q", want, all[s.at:])
		}
	}
}

func (s *session) send(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, keys); err != nil {
		s.t.Fatal(err)
	}
}

// command types line and Enter and returns the reply up to the next prompt,
// without the echo.
func (s *session) command(line string) string {
	s.t.Helper()
	s.send(line + "\r")
	return strings.TrimPrefix(s.expect(Prompt), line+"\n")
}

func TestPipelineCountsLinesWithASeven(t *testing.T) {
	s := newSession(t)
	if got := s.command("seq 1 100000 | grep 7 | wc -l"); got != "40951\n" {
		t.Errorf("reply %q, want 40951", got)
	}
}

func TestCommandsReplyAsDocumented(t *testing.T) {
	s := newSession(t)
	cases := []struct{ line, want string }{
		{"echo a 'b  c'", "a b  c\n"},
		{"seq 3 | sort -r", "3\n2\n1\n"},
		{"seq 10 -3 1", "10\n7\n4\n1\n"},
		{"yes ab | head -n 2", "ab\nab\n"},
		{"seq 100 | tail -n 2", "99\n100\n"},
		{"seq 20 | grep -c 1", "11\n"},
		{"seq 5 | grep -v '[2-4]'", "1\n5\n"},
		{"echo b a b | wc", "1 3 6\n"},
		{"cat /etc/motd", "hello\nclk\n"},
		{"cat etc/motd | grep -i CLK", "clk\n"},
		{"echo x x y x | sort", "x x y x\n"},
		{"seq 3 | cat", "1\n2\n3\n"},
		{"date", "Thu Nov 26 03:04:05 UTC 2026\n"},
		{"uptime", "up 1.234s\n"},
		{"dmesg | tail -n 1", "uart: ready\n"},
		{"help head", "head [-n N]: pass the first N (10) lines\n"},
	}
	for _, c := range cases {
		if got := s.command(c.line); got != c.want {
			t.Errorf("%s: reply %q, want %q", c.line, got, c.want)
		}
	}
	for _, c := range []struct{ line, want string }{
		{"ls", `(?s)README\.md\s+6\n.*etc/\n`},
		{"ls /etc", `motd\s+10\n`},
		{"mem", `512 MiB total`},
		{"stats", `irq timer\s+42\n`},
		{"help", `(?s)echo.*wc`},
	} {
		if got := s.command(c.line); !regexp.MustCompile(c.want).MatchString(got) {
			t.Errorf("%s: reply %q does not match %s", c.line, got, c.want)
		}
	}
	if got := s.command("seq 4 | sort -n -r | uniq -c | head -n 1"); !regexp.MustCompile(`^\s+1 4\n$`).MatchString(got) {
		t.Errorf("uniq -c: %q", got)
	}
}

func TestBadLinesGetOneLineErrors(t *testing.T) {
	s := newSession(t)
	for line, want := range map[string]string{
		"nosuchcmd":        "nosuchcmd: unknown command (try help)\n",
		"seq 1 | nosuch":   "nosuch: unknown command (try help)\n",
		"head -n x":        "head: \"x\" is not a count (usage: head [-n N])\n",
		"seq a":            "seq: \"a\" is not an integer (usage: seq [FIRST [STEP]] LAST)\n",
		"grep":             "grep: want one pattern, got 0 (usage: grep [-v] [-c] [-i] PATTERN)\n",
		"seq 1 |":          "syntax error: the line ends in '|'\n",
		"cat /nope":        "cat: open nope: file does not exist\n",
		"kill 999999":      "kill: 999999: no such actor\n",
		"help nosuchcmd":   "help: nosuchcmd: unknown command (try help)\n",
		"sleep soon":       "sleep: \"soon\" is not a duration (usage: sleep SECONDS)\n",
		"fg":               "fg: no background job\n",
		"mem now":          "mem: takes no arguments (usage: mem)\n",
		"echo 'unfinished": "syntax error: ' at column 6 is not closed\n",
	} {
		if got := s.command(line); got != want {
			t.Errorf("%s: reply %q, want %q", line, got, want)
		}
	}
}

func TestCtrlCStopsTheForegroundPipeline(t *testing.T) {
	s := newSession(t)
	s.send("yes | cat\r")
	s.expect("y\ny\n")
	s.send("\x03")
	s.expect("^C\n" + "")
	s.expect(Prompt)
	if got := s.command("echo ok"); !strings.HasSuffix(got, "ok\n") {
		t.Errorf("echo after Ctrl-C: %q", got)
	}
	waitNoActors(t)
}

func TestPanickingActorLeavesTheShellWorking(t *testing.T) {
	s := newSession(t)
	got := s.command("crash")
	if !strings.Contains(got, "crash (actor ") || !strings.Contains(got, "assignment to entry in nil map") || !strings.Contains(got, "goroutine ") {
		t.Errorf("crash reply lacks the reason or the stack: %q", got)
	}
	if got := s.command("echo ok"); got != "ok\n" {
		t.Errorf("echo after crash: %q", got)
	}
}

func TestBackgroundSpinLeavesTheShellResponsiveAndKillStopsIt(t *testing.T) {
	s := newSession(t)
	bg := s.command("spin &")
	m := regexp.MustCompile(`^\[(\d+)\] (\d+)\n$`).FindStringSubmatch(bg)
	if m == nil {
		t.Fatalf("spin & reply %q", bg)
	}
	if got := s.command("echo ok"); got != "ok\n" {
		t.Errorf("echo while spin runs: %q", got)
	}
	if got := s.command("jobs"); !strings.Contains(got, "["+m[1]+"] running") || !strings.Contains(got, "spin &") {
		t.Errorf("jobs: %q", got)
	}
	if got := s.command("ps"); !regexp.MustCompile(`(?m)^\s*` + m[2] + `\s+spin\s+running`).MatchString(got) {
		t.Errorf("ps does not list the spinning actor %s: %q", m[2], got)
	}
	// kill prints nothing itself; the job's end is reported before a
	// prompt once the shell has seen the actor exit, which on a fast
	// machine may already be the prompt after kill.
	done := "[" + m[1] + "] done  spin &"
	replies := s.command("kill " + m[2])
	if replies != "" && replies != done+"\n" {
		t.Errorf("kill: %q", replies)
	}
	waitNoActorNamed(t, "spin")
	// Enter until the shell reports the end of the job.
	for range 100 {
		if strings.Contains(replies, done) {
			return
		}
		if replies += s.command(""); strings.Contains(replies, done) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("the end of the job is not reported: %q", replies)
}

func TestKillJobAndFg(t *testing.T) {
	s := newSession(t)
	s.command("sleep 100 | cat &")
	// kill prints nothing of its own; the job's end may be reported
	// before its prompt or after it, whichever the scheduler makes first.
	if got := s.command("kill %1"); got != "" && got != "[1] done  sleep 100 | cat &\n" {
		t.Errorf("kill %%1: %q", got)
	}
	s.command("sleep 0.2 &")
	s.send("fg\r")
	s.expect("sleep 0.2 &\n")
	s.expect(Prompt)
	s.command("spin &")
	s.send("fg\r")
	s.expect("spin &\n")
	s.send("\x03")
	s.expect(Prompt)
	waitNoActorNamed(t, "spin")
}

func TestTimePrintsTheElapsedTime(t *testing.T) {
	s := newSession(t)
	got := s.command("time yes | head -n 1000 | wc -l")
	if !regexp.MustCompile(`^1000\nreal [0-9]+\.[0-9]{3}s\n$`).MatchString(got) {
		t.Errorf("time: %q", got)
	}
}

func TestTimedBackgroundJobReportsItsTimeWhenDone(t *testing.T) {
	s := newSession(t)
	s.command("time sleep 0.01 &")
	var replies string
	for range 100 {
		if replies += s.command(""); regexp.MustCompile(`\[1\] done  time sleep 0\.01 &\nreal [0-9.]+s\n`).MatchString(replies) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("no time in the report of the job's end: %q", replies)
}

func TestTabCompletesCommandNames(t *testing.T) {
	s := newSession(t)
	s.send("ec\thi | wc -\t\tl\r")
	if got := s.expect(Prompt); !strings.HasSuffix(got, "1 ok\n") && !strings.HasSuffix(got, "\n1\n") {
		t.Errorf("completed line: %q", got)
	}
}

func waitNoActorNamed(t *testing.T, name string) {
	t.Helper()
	for range 500 {
		found := false
		for _, a := range liveActors() {
			found = found || a.Name == name
		}
		if !found {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("an actor %q still runs: %v", name, liveActors())
}

func waitNoActors(t *testing.T) {
	t.Helper()
	for range 500 {
		if len(liveActors()) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("actors still run: %v", liveActors())
}
