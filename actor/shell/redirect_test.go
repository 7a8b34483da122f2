package shell

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// newMemSession is a session with the shell on a memSystem.
func newMemSession(t *testing.T) (*session, *memSystem) {
	sys := newMemSystem(fstest.MapFS{
		"etc/motd":        {Data: []byte("hello\nclk\n")},
		"dev/zero":        {Mode: fs.ModeCharDevice | 0o666},
		"tmp":             {Mode: fs.ModeDir | 0o777},
		"disk/docs/a.txt": {Data: []byte("alpha\n")},
	})
	return newSessionOn(t, sys), sys
}

// reply is a command line and the reply it must get.
type reply struct{ line, want string }

// commands runs each line and fails the test on a reply other than want.
func (s *session) commands(cases []reply) {
	s.t.Helper()
	for _, c := range cases {
		if got := s.command(c.line); got != c.want {
			s.t.Errorf("%s: reply %q, want %q", c.line, got, c.want)
		}
	}
}

// noneOpen fails the test if a file of sys is open.
func noneOpen(t *testing.T, sys *memSystem) {
	t.Helper()
	if n := sys.opened(); n != 0 {
		t.Errorf("%d files left open", n)
	}
}

func TestRedirectionCreatesTruncatesAndAppends(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"seq 3 > /tmp/n", ""},
		{"cat /tmp/n", "1\n2\n3\n"},
		{"echo x > tmp/n", ""},
		{"cat /tmp/n", "x\n"},
		{"seq 2 | sort -r >> /tmp/n", ""},
		{"cat /tmp/n", "x\n2\n1\n"},
		{"echo new >>/tmp/m", ""},
		{"cat /tmp/m", "new\n"},
		{`echo 'a > b' \> c`, "a > b > c\n"},
	})
	if got := s.command("time echo t > /disk/t"); !regexp.MustCompile(`^real [0-9.]+s\n$`).MatchString(got) {
		t.Errorf("time with a redirection prints %q, want only the time", got)
	}
	if got := s.command("cat /disk/t"); got != "t\n" {
		t.Errorf("cat /disk/t: %q", got)
	}
	noneOpen(t, sys)
}

func TestRedirectedBackgroundJobWritesItsFile(t *testing.T) {
	s, sys := newMemSession(t)
	// The job may end, and its notice come, before the prompt does.
	got := s.command("seq 3 > /tmp/bg &")
	if !regexp.MustCompile(`^\[1\] \d+\n(\[1\] done  seq 3 > /tmp/bg &\n)?$`).MatchString(got) {
		t.Fatalf("seq 3 > /tmp/bg &: %q", got)
	}
	replies := got
	for range 100 {
		if strings.Contains(replies, "[1] done  seq 3 > /tmp/bg &\n") {
			break
		}
		replies += s.command("")
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.command("cat /tmp/bg"); got != "1\n2\n3\n" {
		t.Errorf("cat /tmp/bg: %q (replies before: %q)", got, replies)
	}
	noneOpen(t, sys)
}

func TestRedirectionKeepsErrorsOnTheTerminal(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"head -n x > /tmp/e", "head: \"x\" is not a count (usage: head [-n N])\n"},
		{"cat /tmp/e | wc -c", "0\n"},
		{"cat /nope > /tmp/e", "cat: open nope: file does not exist\n"},
	})
	noneOpen(t, sys)
}

func TestRedirectionThatCannotOpenRunsNothing(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"echo hi > /etc/motd", "redirect to /etc/motd: permission denied\n"},
		{"cat /etc/motd", "hello\nclk\n"},
		{"mkdir /tmp/made > /tmp/no/such/dir", "redirect to /tmp/no/such/dir: file does not exist\n"},
		{"echo hi > /tmp", "redirect to /tmp: permission denied\n"},
		{"echo hi > /disk/docs", "redirect to /disk/docs: is a directory\n"},
		{"nosuch > /tmp/x", "nosuch: unknown command (try help)\n"},
	})
	if got := s.command("ls /tmp"); got != "" {
		t.Errorf("the command whose redirection failed ran: ls /tmp: %q", got)
	}
	if _, ok := sys.file("tmp/x"); ok {
		t.Errorf("the redirection of an unknown command made its file")
	}
	noneOpen(t, sys)

	plain := newSession(t)
	if got := plain.command("echo hi > /tmp/x"); got != "redirect to /tmp/x: this system's files cannot be changed\n" {
		t.Errorf("redirection on a system without Writable: %q", got)
	}
}

func TestFailedWriteOfARedirectionIsReported(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"yes > /disk/full", "yes: write to /disk/full: no space left on device\n"},
	})
	noneOpen(t, sys)
}

func TestCtrlCClosesARedirectedFile(t *testing.T) {
	s, sys := newMemSession(t)
	s.send("yes > /tmp/y\r")
	for range 2000 {
		if b, _ := sys.file("tmp/y"); len(b) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.send("\x03")
	s.expect("^C\n")
	s.expect(Prompt)
	noneOpen(t, sys)
	if got := s.command("cat /tmp/y | head -n 2"); got != "y\ny\n" {
		t.Errorf("what yes wrote before Ctrl-C: %q", got)
	}
	if got := s.command("echo ok"); got != "ok\n" {
		t.Errorf("echo after Ctrl-C: %q", got)
	}
}

func TestFgIsNotRedirected(t *testing.T) {
	s, _ := newMemSession(t)
	if got := s.command("fg > /tmp/f"); got != "fg: fg works only on its own, not in a pipeline or the background (usage: fg [%JOB])\n" {
		t.Errorf("fg > /tmp/f: %q", got)
	}
}
