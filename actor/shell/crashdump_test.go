package shell

import (
	"errors"
	"testing"
)

// dumpSystem counts the dumps asked for and fails when told to.
type dumpSystem struct {
	fakeSystem
	asked *int
	fail  error
}

func (d dumpSystem) CrashDump() error {
	if d.fail != nil {
		return d.fail
	}
	*d.asked++
	return nil
}

func (dumpSystem) Panic(string) {}

func TestCrashdumpAsksTheSystemOnce(t *testing.T) {
	var asked int
	s := newSessionOn(t, dumpSystem{asked: &asked})
	if got := s.command("crashdump"); got != "crash dump asked for\n" {
		t.Errorf("crashdump printed %q", got)
	}
	if asked != 1 {
		t.Errorf("%d dumps asked for, want 1", asked)
	}
}

func TestCrashdumpSaysWhyNoDumpIsTaken(t *testing.T) {
	s := newSessionOn(t, dumpSystem{asked: new(int), fail: errors.New("crash dump: no taker attached")})
	if got := s.command("crashdump"); got != "crashdump: crash dump: no taker attached\n" {
		t.Errorf("crashdump printed %q", got)
	}
	s = newSession(t)
	if got := s.command("crashdump"); got != "crashdump: this system takes no crash dumps\n" {
		t.Errorf("crashdump without a CrashDumper printed %q", got)
	}
}
