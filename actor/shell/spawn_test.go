package shell

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// spawnJob types "spawn words" and returns the job number it prints.
func (s *session) spawnJob(words string) string {
	s.t.Helper()
	got := s.command("spawn " + words)
	m := regexp.MustCompile(`^\[(\d+)\] \d+\n$`).FindStringSubmatch(got)
	if m == nil {
		s.t.Fatalf("spawn %s: reply %q, want [JOB] ACTOR", words, got)
	}
	return m[1]
}

func TestSpawnedWcCountsWhatWasSentOnceItsInputIsClosed(t *testing.T) {
	s := newSession(t)
	id := s.spawnJob("wc -l")
	if id != "1" {
		t.Errorf("the first job of a shell is %s, want 1: the spawn line itself takes no number", id)
	}
	s.commands([]reply{
		{"send " + id + " first line", ""},
		{"send %" + id + " second", ""},
		{"recv " + id + " 50ms", "recv: " + id + ": no output within 50ms\n"},
		{"close " + id, ""},
		{"recv " + id, "2\n"},
	})
	waitNoActorNamed(t, "wc")
	s.commands([]reply{
		{"send " + id + " late", "send: " + id + ": its input is closed\n"},
		{"recv " + id, "recv: " + id + ": EOF (wc exited)\n"},
		// Its output all read, the job is gone.
		{"recv " + id, "recv: " + id + ": no such spawned actor\n"},
		{"jobs", ""},
	})
}

func TestASpawnedCommandThatNeedsNoInputEndsByItself(t *testing.T) {
	s := newSession(t)
	id := s.spawnJob("seq 2")
	s.commands([]reply{{"recv " + id, "1\n"}, {"recv " + id, "2\n"}})
	waitNoActorNamed(t, "seq")
	s.commands([]reply{
		{"send " + id + " x", "send: " + id + ": seq has exited\n"},
		{"close " + id, "close: " + id + ": seq has exited\n"},
		{"recv " + id, "recv: " + id + ": EOF (seq exited)\n"},
	})
}

func TestSpawnedCatAnswersEachLineBeforeItsInputEnds(t *testing.T) {
	s := newSession(t)
	id := s.spawnJob("cat")
	for _, line := range []string{"one", "two  words", ""} {
		s.commands([]reply{
			{"send " + id + " '" + line + "'", ""},
			{"recv " + id, line + "\n"},
		})
	}
	if got := s.command("jobs"); !strings.Contains(got, "["+id+"] running") || !strings.Contains(got, "spawn cat  (0 lines to recv)") {
		t.Errorf("jobs: %q", got)
	}
	s.commands([]reply{
		{"send " + id + " a b", ""},
		{"close " + id, ""},
		{"send " + id + " c", "send: " + id + ": its input is closed\n"},
		{"recv " + id + " 10s", "a b\n"},
		{"recv " + id + " 10s", "recv: " + id + ": EOF (cat exited)\n"},
	})
}

func TestRecvGivesUpAfterItsTimeout(t *testing.T) {
	s := newSession(t)
	id := s.spawnJob("cat")
	start := time.Now()
	s.commands([]reply{{"recv " + id + " 300ms", "recv: " + id + ": no output within 300ms\n"}})
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("recv gave up after %v, before its timeout", d)
	}
	s.commands([]reply{
		{"recv " + id + " soon", "recv: \"soon\" is not a duration such as 2s (usage: recv JOB [TIMEOUT])\n"},
		// Nothing was lost to the timeout: the actor still answers.
		{"send " + id + " still here", ""},
		{"recv " + id + " 0s", "still here\n"},
		{"kill %" + id, ""},
		{"recv " + id, "recv: " + id + ": no such spawned actor\n"},
	})
	waitNoActorNamed(t, "cat")
}

func TestSpawnCommandsRefuseWhatIsNotASpawnedActor(t *testing.T) {
	s := newSession(t)
	s.command("sleep 100 &") // job 1, not spawned
	s.commands([]reply{
		{"send 1 x", "send: 1: no such spawned actor\n"},
		{"recv %1", "recv: 1: no such spawned actor\n"},
		{"close 9", "close: 9: no such spawned actor\n"},
		{"recv x", "recv: \"x\" is not a job number (usage: recv JOB [TIMEOUT])\n"},
		{"send 1", "send: want a job number and text (usage: send JOB TEXT...)\n"},
		{"close", "close: want one job number (usage: close JOB)\n"},
		{"spawn", "spawn: want a command name (usage: spawn NAME [ARG...])\n"},
		{"spawn nosuch", "spawn: nosuch: unknown command (try help)\n"},
	})
	id := s.spawnJob("cat")
	s.commands([]reply{
		{"fg %" + id, "fg: %" + id + " is spawned: its input and output are send, recv and close\n"},
		{"kill %" + id, ""},
	})
	// The end of job 1 is reported before some later prompt.
	s.command("kill %1")
	waitNoActors(t)
}

func TestCrashOfASpawnedCommandLeavesTheShellWorking(t *testing.T) {
	s := newSession(t)
	// The crash may be reported before the prompt or after it.
	replies := s.command("spawn crash")
	m := regexp.MustCompile(`^\[(\d+)\] \d+\n`).FindStringSubmatch(replies)
	if m == nil {
		t.Fatalf("spawn crash: reply %q", replies)
	}
	id := m[1]
	for range 100 {
		replies += s.command("recv " + id)
		if strings.Contains(replies, "EOF") {
			break
		}
	}
	for _, want := range []string{
		"crash (actor ", "assignment to entry in nil map", "goroutine ",
		"recv: " + id + ": EOF (crash failed: panic: assignment to entry in nil map)\n",
	} {
		if !strings.Contains(replies, want) {
			t.Errorf("no %q in the replies %q", want, replies)
		}
	}
	s.commands([]reply{
		{"echo ok", "ok\n"},
		{"jobs", ""},
	})
}

func TestSeveralSpawnedActorsEachKeepTheirOwnInputAndOutput(t *testing.T) {
	s := newSession(t)
	cat, wc, grep := s.spawnJob("cat"), s.spawnJob("wc -l"), s.spawnJob("grep b")
	if cat == wc || wc == grep || cat == grep {
		t.Fatalf("job numbers %s %s %s are not distinct", cat, wc, grep)
	}
	for _, w := range []string{"abc", "xyz", "bb"} {
		for _, id := range []string{cat, wc, grep} {
			s.commands([]reply{{"send " + id + " " + w, ""}})
		}
	}
	if got := s.command("jobs"); strings.Count(got, " running ") != 3 {
		t.Errorf("jobs: %q", got)
	}
	for _, id := range []string{cat, wc, grep} {
		s.commands([]reply{{"close " + id, ""}})
	}
	for _, c := range []struct {
		id   string
		want []string
		name string
	}{
		{grep, []string{"abc", "bb"}, "grep"},
		{wc, []string{"3"}, "wc"},
		{cat, []string{"abc", "xyz", "bb"}, "cat"},
	} {
		for _, w := range c.want {
			s.commands([]reply{{"recv " + c.id, w + "\n"}})
		}
		s.commands([]reply{{"recv " + c.id, "recv: " + c.id + ": EOF (" + c.name + " exited)\n"}})
	}
	waitNoActors(t)
}

func TestASpawnedActorNobodyReadsWaitsAndKillStopsIt(t *testing.T) {
	s := newSession(t)
	id := s.spawnJob("yes")
	s.commands([]reply{{"recv " + id, "y\n"}})
	// yes fills its outbox and then waits: the jobs list shows it full.
	full := "(" + strconv.Itoa(outboxLines) + " lines to recv)"
	for range 500 {
		if strings.Contains(s.command("jobs"), full) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.command("jobs"); !strings.Contains(got, full) {
		t.Errorf("jobs: %q, want %s", got, full)
	}
	s.commands([]reply{{"kill %" + id, ""}, {"jobs", ""}})
	waitNoActorNamed(t, "yes")
}

// upperProgram is a program that answers each line it is sent in upper
// case and ends when its input does.
type upperProgram struct {
	out  chan string
	once sync.Once
}

func (p *upperProgram) PID() uint64 { return 8 }
func (p *upperProgram) Send(batch string) error {
	p.out <- strings.ToUpper(batch)
	return nil
}
func (p *upperProgram) CloseInput()           { p.once.Do(func() { close(p.out) }) }
func (p *upperProgram) Output() <-chan string { return p.out }
func (p *upperProgram) Kill()                 { p.CloseInput() }
func (p *upperProgram) Wait() (int, string)   { return 0, "" }

// upperSystem runs /bin/upper.
type upperSystem struct{ fakeSystem }

func (upperSystem) StartProgram(name string, args []string, opt ProgramOptions) (Program, error) {
	return &upperProgram{out: make(chan string, 16)}, nil
}
func (upperSystem) Processes() []ProcessInfo                 { return nil }
func (upperSystem) Handles(pid uint64) ([]HandleInfo, error) { return nil, nil }

func TestASpawnedProgramOfBinTalksThroughItsMailbox(t *testing.T) {
	s := newSessionOn(t, upperSystem{fakeSystem{files: fstest.MapFS{"bin/upper": {Data: []byte("ELF")}}}})
	id := s.spawnJob("upper")
	s.commands([]reply{
		{"send " + id + " hello there", ""},
		{"recv " + id, "HELLO THERE\n"},
		{"close " + id, ""},
		{"recv " + id, "recv: " + id + ": EOF (upper exited)\n"},
	})
}
