package shell

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Job is one command line that runs: its pipeline's stages, started
// together, ended when the last of them has ended.
type Job struct {
	ID   int
	Text string // the line as typed
	Line Line

	stages  []*stage
	done    chan struct{} // closed when every stage has ended
	started time.Time
	endedAt atomic.Int64 // UnixNano; 0 while running
	bg      atomic.Bool
}

// Kill tells every stage of the job to stop.
func (j *Job) Kill() {
	for _, st := range j.stages {
		st.kill()
	}
}

func (j *Job) ended() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

func (j *Job) elapsed() time.Duration {
	if e := j.endedAt.Load(); e != 0 {
		return time.Unix(0, e).Sub(j.started)
	}
	return time.Since(j.started)
}

func (j *Job) isBackground() bool { return j.bg.Load() }
func (j *Job) setBackground()     { j.bg.Store(true) }

// actorIDs lists the job's stages as "ID name" for the job table.
func (j *Job) actorIDs() string {
	ids := make([]string, len(j.stages))
	for i, st := range j.stages {
		ids[i] = fmt.Sprint(st.id)
	}
	return strings.Join(ids, " ")
}

// start looks up every command of line and starts the pipeline.
func (s *Shell) start(text string, line Line) (*Job, error) {
	cmds := make([]Command, len(line.Stages))
	for i, words := range line.Stages {
		c, err := s.lookup(words[0])
		if err != nil {
			return nil, err
		}
		cmds[i] = c
	}
	s.mu.Lock()
	j := &Job{ID: s.freeJobNumber(), Text: text, Line: line, done: make(chan struct{}), started: time.Now()}
	j.bg.Store(line.Background)
	s.jobs = append(s.jobs, j)
	s.mu.Unlock()

	j.stages = make([]*stage, len(cmds))
	for i, c := range cmds {
		j.stages[i] = newStage(c.Name, i > 0)
	}
	var wg sync.WaitGroup
	for i, c := range cmds {
		st := j.stages[i]
		var next *stage
		if i+1 < len(cmds) {
			next = j.stages[i+1]
		}
		p := &Proc{Name: c.Name, Args: line.Stages[i][1:], Sys: s.sys, Sh: s, stop: st.stop}
		if st.mbox != nil {
			p.recv = st.recvBatch
		}
		if next != nil {
			p.send = func(b []string) error { return st.sendBatch(next, b) }
		} else {
			p.send = func(b []string) error { return s.writeLines(st, b) }
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runStage(st, c, p, next)
		}()
	}
	go func() {
		wg.Wait()
		j.endedAt.Store(time.Now().UnixNano())
		close(j.done)
	}()
	return j, nil
}

// runStage runs one command to its end, whatever way it ends: its output is
// flushed, the next stage sees the end of its input, and an error or a
// panic is printed on the terminal with the command's name.
func (s *Shell) runStage(st *stage, c Command, p *Proc, next *stage) {
	defer func() {
		if r := recover(); r != nil {
			s.printf("%s (actor %d) panicked: %v\n%s", c.Name, st.id, r, debug.Stack())
		}
		if next != nil {
			next.closeInput()
		}
		st.finish()
	}()
	err := c.Run(p)
	if err == nil {
		err = p.Flush()
	}
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, ErrStopped):
	case errors.As(err, &ue):
		s.printf("%s: %v (usage: %s)\n", c.Name, err, c.Usage)
	default:
		s.printf("%s: %v\n", c.Name, err)
	}
}

// writeLines is the last stage's output: the terminal.
func (s *Shell) writeLines(st *stage, b []string) error {
	if err := st.stopped(); err != nil {
		return err
	}
	st.out.Add(1)
	var sb strings.Builder
	for _, l := range b {
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	_, err := s.term.Write([]byte(sb.String()))
	return err
}

// freeJobNumber returns the smallest job number not in use, as Unix shells
// number their jobs. Preconditions: s.mu is held.
func (s *Shell) freeJobNumber() int {
	for n := 1; ; n++ {
		if !slices.ContainsFunc(s.jobs, func(j *Job) bool { return j.ID == n }) {
			return n
		}
	}
}

// remove drops j from the job table.
func (s *Shell) remove(j *Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs = slices.DeleteFunc(s.jobs, func(x *Job) bool { return x == j })
}

// job returns the job with the given number.
func (s *Shell) job(id int) (*Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		if j.ID == id {
			return j, true
		}
	}
	return nil, false
}
