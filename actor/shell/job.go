package shell

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"clk/actor"
)

// Job is one command line that runs: its pipeline's actors, started
// together, ended when the last of them has exited.
type Job struct {
	// ID is the job's number, given when it goes to the background (as
	// a Unix shell numbers only the jobs it keeps); 0 until then.
	ID   int
	Text string // the line as typed
	Line Line

	actors []actor.Ref
	// box takes the output of a spawned job (spawn) for recv; nil for
	// a command line, whose output goes to the terminal or a file.
	box     *outbox
	done    chan struct{} // closed when every actor has exited
	started time.Time
	endedAt atomic.Int64 // UnixNano; 0 while running
	bg      atomic.Bool
}

// Kill stops every actor of the job.
func (j *Job) Kill() {
	for _, r := range j.actors {
		actor.Kill(r, errInterrupted)
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

// toBackground makes j a background job.
func (s *Shell) toBackground(j *Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.background(j)
}

// background numbers j, if it has no number yet, and makes it a background
// job. The number is set before the flag, which readers of ID without s.mu
// look at first. Preconditions: s.mu is held.
func (s *Shell) background(j *Job) {
	if j.ID == 0 {
		j.ID = s.freeJobNumber()
	}
	j.bg.Store(true)
}

// actorIDs lists the IDs of the job's actors.
func (j *Job) actorIDs() string {
	ids := make([]string, len(j.actors))
	for i, r := range j.actors {
		ids[i] = fmt.Sprint(r.ID())
	}
	return strings.Join(ids, " ")
}

// start looks up every command of line, opens the file its output is
// redirected to, and spawns the pipeline's actors, the last first so that
// each knows where to send. The file is closed once every actor has
// exited, by the goroutine that waits for them: closing it in the last
// actor could be cut short by a kill, and a kill never strikes there.
//
// With an outbox the job is spawned: its first actor reads the batches
// sent to its mailbox and its last writes to box.
func (s *Shell) start(text string, line Line, box *outbox) (*Job, error) {
	cmds := make([]Command, len(line.Stages))
	for i, words := range line.Stages {
		c, err := s.lookup(words[0])
		if err != nil {
			return nil, err
		}
		cmds[i] = c
	}
	return s.startCommands(text, line, cmds, box)
}

// startCommands starts line's stages as cmds, one command a stage.
func (s *Shell) startCommands(text string, line Line, cmds []Command, box *outbox) (*Job, error) {
	var out *redirect
	if line.Redirect != "" {
		var err error
		if out, err = s.openRedirect(line.Redirect, line.Append); err != nil {
			return nil, err
		}
	}
	j := &Job{Text: text, Line: line, box: box, done: make(chan struct{}), started: time.Now(), actors: make([]actor.Ref, len(cmds))}
	var next actor.Ref
	for i := len(cmds) - 1; i >= 0; i-- {
		to := sink{next: next}
		if i == len(cmds)-1 {
			to = sink{file: out, box: box}
		}
		r, err := s.spawnStage(cmds[i], line.Stages[i][1:], i == 0 && box == nil, to)
		if err != nil {
			j.Kill()
			if out != nil {
				// The stages spawned so far may still write to
				// it until they see the kill.
				go func() {
					for _, r := range j.actors[i+1:] {
						actor.Wait(r)
					}
					if err := out.close(); err != nil {
						s.printf("%v\n", err)
					}
				}()
			}
			return nil, fmt.Errorf("%s: %w", cmds[i].Name, err)
		}
		j.actors[i], next = r, r
	}
	s.adopt(j, line.Background, func(i int, reason error) {
		s.report(cmds[i], j.actors[i].ID(), reason)
		if i == len(cmds)-1 && out != nil {
			if err := out.close(); err != nil {
				s.printf("%v\n", err)
			}
		}
	})
	return j, nil
}

// adopt puts j, whose actors run, in the job table, in the background
// if bg, and waits for its actors in order in a goroutine of its own,
// calling exited with each one's index and exit reason; once all have
// exited it closes the outbox, if any, and marks the job ended.
func (s *Shell) adopt(j *Job, bg bool, exited func(i int, reason error)) {
	s.mu.Lock()
	s.jobs = append(s.jobs, j)
	if bg {
		s.background(j)
	}
	s.mu.Unlock()
	go func() {
		var failed error
		for i, r := range j.actors {
			reason := actor.Wait(r)
			exited(i, reason)
			if failed == nil && !endedWell(reason) {
				failed = reason
			}
		}
		if j.box != nil {
			j.box.end(failed)
		}
		j.endedAt.Store(time.Now().UnixNano())
		close(j.done)
	}()
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
		if j.ID == id && id != 0 {
			return j, true
		}
	}
	return nil, false
}
