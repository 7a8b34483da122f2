package shell

import (
	"strings"
	"testing"
	"testing/fstest"
)

// echoProgram is a program that prints its arguments and ends.
type echoProgram struct {
	out chan string
}

func (p *echoProgram) PID() uint64           { return 7 }
func (p *echoProgram) Send(string) error     { return nil }
func (p *echoProgram) CloseInput()           {}
func (p *echoProgram) Output() <-chan string { return p.out }
func (p *echoProgram) Kill()                 {}
func (p *echoProgram) Wait() (int, string)   { return 0, "" }

// programsSystem has programs in /bin that print their arguments.
type programsSystem struct {
	fakeSystem
	started *[]string
}

func (s programsSystem) StartProgram(name string, args []string, opt ProgramOptions) (Program, error) {
	*s.started = append(*s.started, strings.Join(args, " "))
	p := &echoProgram{out: make(chan string, 1)}
	p.out <- strings.Join(args, " ") + "\n"
	close(p.out)
	return p, nil
}
func (programsSystem) Processes() []ProcessInfo                 { return nil }
func (programsSystem) Handles(pid uint64) ([]HandleInfo, error) { return nil, nil }

func TestAProgramOfBinRunsByItsName(t *testing.T) {
	var started []string
	files := fstest.MapFS{"bin/fetch": {Data: []byte("ELF")}, "bin/sub/x": {Data: []byte("ELF")}}
	s := newSessionOn(t, programsSystem{fakeSystem: fakeSystem{files: files}, started: &started})
	if got := s.command("fetch -c http://10.0.2.100:8000/ /disk/x"); got != "fetch -c http://10.0.2.100:8000/ /disk/x\n" {
		t.Errorf("fetch: %q", got)
	}
	if len(started) != 1 || started[0] != "fetch -c http://10.0.2.100:8000/ /disk/x" {
		t.Errorf("started %q: the program's own options must reach it", started)
	}
	for _, name := range []string{"nosuch", "sub", "-m"} {
		if got := s.command(name); !strings.Contains(got, "unknown command") {
			t.Errorf("%s: %q", name, got)
		}
	}
	if got := newSession(t).command("fetch"); !strings.Contains(got, "unknown command") {
		t.Errorf("fetch on a system without programs: %q", got)
	}
}
