package shell

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"clk/actor"
)

// The commands about actors and jobs.

func (s *Shell) jobCommands() []Command {
	return []Command{
		{Name: "ps", Usage: "ps", Help: "list the actors (state, mailbox depth, messages in and out, busy time) and the ring-3 processes", Run: ps},
		{Name: "kill", Usage: "kill ID|%JOB...", Help: "stop an actor, or every actor of a job", Run: s.kill},
		{Name: "jobs", Usage: "jobs", Help: "list the jobs", Run: s.jobsCmd},
		{Name: "fg", Usage: "fg [%JOB]", Help: "wait for a background job in the foreground", Run: func(p *Stage) error {
			return usagef("fg works only on its own, not in a pipeline or the background")
		}},
		{Name: "crash", Usage: "crash", Help: "an actor that panics", Run: crash},
		{Name: "spin", Usage: "spin", Help: "an actor that loops forever without a call (stop it with Ctrl-C or kill)", Run: spin, Preemptible: true},
	}
}

func ps(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	if err := p.Printf("%6s %-10s %-10s %5s %9s %9s %10s", "ID", "NAME", "STATE", "MBOX", "IN", "OUT", "BUSY"); err != nil {
		return err
	}
	for _, a := range liveActors() {
		if err := p.Printf("%6d %-10s %-10s %5d %9d %9d %10s",
			a.ID, a.Name, a.State, a.Mailbox, a.In, a.Out, a.Busy.Round(time.Microsecond)); err != nil {
			return err
		}
	}
	return psProcesses(p)
}

func (s *Shell) kill(p *Stage) error {
	if len(p.Args) == 0 {
		return usagef("want an actor ID or %%JOB")
	}
	for _, a := range p.Args {
		if rest, ok := strings.CutPrefix(a, "%"); ok {
			n, err := strconv.Atoi(rest)
			if err != nil {
				return usagef("%q is not a job number", a)
			}
			j, ok := s.job(n)
			if !ok {
				return fmt.Errorf("%s: no such job", a)
			}
			j.Kill()
			if j.box != nil {
				// Its output is dropped with it: the actor
				// waiting on a full outbox sees the kill.
				s.remove(j)
			}
			continue
		}
		id, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			return usagef("%q is not an actor ID", a)
		}
		if err := killActor(actor.ID(id)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Shell) jobsCmd(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	s.mu.Lock()
	jobs := append([]*Job(nil), s.jobs...)
	s.mu.Unlock()
	for _, j := range jobs {
		if !j.isBackground() {
			continue
		}
		state := "running"
		if j.ended() {
			state = "done"
		}
		waiting := ""
		if j.box != nil {
			waiting = fmt.Sprintf("  (%d lines to recv)", j.box.waiting())
		}
		if err := p.Printf("[%d] %-8s actors %s  %s%s", j.ID, state, j.actorIDs(), j.Text, waiting); err != nil {
			return err
		}
	}
	return nil
}

// fg brings a background job to the foreground: the shell waits for it and
// Ctrl-C stops it.
func (s *Shell) fg(args []string) {
	var j *Job
	switch len(args) {
	case 0:
		s.mu.Lock()
		for i := len(s.jobs) - 1; i >= 0 && j == nil; i-- {
			if s.jobs[i].isBackground() && s.jobs[i].box == nil {
				j = s.jobs[i]
			}
		}
		s.mu.Unlock()
		if j == nil {
			s.printf("fg: no background job\n")
			return
		}
	case 1:
		n, err := strconv.Atoi(strings.TrimPrefix(args[0], "%"))
		if err != nil {
			s.printf("fg: %q is not a job number (usage: fg [%%JOB])\n", args[0])
			return
		}
		var ok bool
		if j, ok = s.job(n); !ok || !j.isBackground() {
			s.printf("fg: %%%d: no such background job\n", n)
			return
		}
		if j.box != nil {
			s.printf("fg: %%%d is spawned: its input and output are send, recv and close\n", n)
			return
		}
	default:
		s.printf("fg: want at most one job (usage: fg [%%JOB])\n")
		return
	}
	s.printf("%s\n", j.Text)
	j.bg.Store(false)
	s.wait(j)
}

func crash(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	var table map[string]int
	table["boom"]++ // a nil map write: a run-time panic, on purpose
	return nil
}

func spin(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	if err := p.Flush(); err != nil {
		return err
	}
	spinForever(p)
	return ErrStopped
}
