package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"clk/actor"
)

// spawn, send, recv and close: the actor API at the prompt. A spawned
// command is a background job of one actor whose mailbox takes the lines
// that send puts there, and whose output waits in an outbox until recv
// takes it, line by line. close ends its input. The job leaves the table
// when recv has found the end of its output, or when kill %JOB stops it.

const (
	// outboxLines is how many lines of output a spawned job may run
	// ahead of recv before it waits: as many as a pipeline's mailbox
	// holds at most.
	outboxLines = MailboxDepth * BatchLines
	// recvWait is how long recv waits for a line unless told.
	recvWait = 5 * time.Second
	// sendWait is how long send waits for room in a full mailbox.
	sendWait = 5 * time.Second
)

// errNotSpawned is the cause of the error for a number that names no
// spawned job.
var errNotSpawned = errors.New("no such spawned actor")

// spawnKind starts one kind of thing spawn can start: words[0] names it
// and words[1:] are its arguments. It starts it as a job whose first actor
// takes batches of input lines (each ended by a newline) from its mailbox
// until the mailbox is closed and whose output goes to box, and hands the
// job to adopt, which closes box once the job's actors have exited. A kind
// that has nothing of that name fails with ErrUnknownCommand, and spawn
// tries the next kind.
type spawnKind func(s *Shell, words []string, box *outbox) (*Job, error)

// spawnKinds are the kinds spawn tries, in order.
var spawnKinds = []spawnKind{spawnCommand, spawnService}

// spawnCommand spawns a command of the shell, or a program of /bin as run
// runs it, as a one-stage pipeline.
func spawnCommand(s *Shell, words []string, box *outbox) (*Job, error) {
	text := "spawn " + strings.Join(words, " ")
	return s.start(text, Line{Stages: [][]string{words}, Background: true}, box)
}

// outbox holds a spawned job's output until recv takes it: its lines in
// order, at most outboxLines of them. A job whose outbox is full waits in
// its Println, as a stage waits for a full mailbox.
type outbox struct {
	lines chan string // closed once every actor of the job has exited
	// failed is why the job ended, nil when it ended well. It is set
	// before lines is closed and read only after.
	failed error
	closed atomic.Bool // close has ended the job's input
}

func newOutbox() *outbox { return &outbox{lines: make(chan string, outboxLines)} }

// put queues a batch of lines, each ended by a newline, waiting for room.
// It runs in the job's actor and gives up when the actor must stop.
func (b *outbox) put(ctx *actor.Context, batch string) error {
	for batch != "" {
		var line string
		line, batch, _ = strings.Cut(batch, "\n")
		select {
		case b.lines <- line:
		case <-ctx.Done():
			return ErrStopped
		}
	}
	return nil
}

// end records why the job ended and lets recv see the end of the output.
// Preconditions: every actor of the job has exited.
func (b *outbox) end(failed error) {
	b.failed = failed
	close(b.lines)
}

// waiting is how many lines wait for recv.
func (b *outbox) waiting() int { return len(b.lines) }

// endedWell reports whether an exit reason is no failure: a return, a
// normal exit, or a stop because the stage after it went away.
func endedWell(reason error) bool {
	return reason == nil || actor.IsNormal(reason) || errors.Is(reason, ErrStopped)
}

func (s *Shell) spawnCommands() []Command {
	return []Command{
		{Name: "spawn", Usage: "spawn NAME [ARG...]", Help: "start a command, a program of /bin, or a client of a module's service (NAME or svc:NAME) as a background actor for send, recv and close; prints [JOB] ACTOR", Run: s.spawn},
		{Name: "send", Usage: "send JOB TEXT...", Help: "put the text, as one line, in a spawned actor's mailbox (waits up to 5s for room)", Run: s.send},
		{Name: "recv", Usage: "recv JOB [TIMEOUT]", Help: "print the next line a spawned actor wrote, waiting up to TIMEOUT (5s); fails with EOF once it has ended and all is read", Run: s.recv},
		{Name: "close", Usage: "close JOB", Help: "end a spawned actor's input", Run: s.closeInput},
	}
}

func (s *Shell) spawn(p *Stage) error {
	if len(p.Args) == 0 {
		return usagef("want a command name")
	}
	box := newOutbox()
	var unknown error
	for _, kind := range spawnKinds {
		j, err := kind(s, p.Args, box)
		if err == nil {
			return p.Printf("[%d] %s", j.ID, j.actorIDs())
		}
		if !errors.Is(err, ErrUnknownCommand) {
			return err
		}
		if unknown == nil {
			// The first kind's, the commands': it says where to look.
			unknown = err
		}
	}
	return unknown
}

func (s *Shell) send(p *Stage) error {
	if len(p.Args) < 2 {
		return usagef("want a job number and text")
	}
	j, err := s.spawned(p.Args[0])
	if err != nil {
		return err
	}
	ctx, cancel := stageContext(p, sendWait)
	defer cancel()
	err = actor.SendContext(ctx, j.actors[0], strings.Join(p.Args[1:], " ")+"\n")
	switch {
	case err == nil:
		return nil
	case j.box.closed.Load(), errors.Is(err, actor.ErrClosed):
		// An actor often ends as soon as its input does: it is the
		// close that explains the failure.
		return fmt.Errorf("%d: its input is closed", j.ID)
	case errors.Is(err, actor.ErrExited):
		return fmt.Errorf("%d: %s has exited", j.ID, j.actors[0].Name())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%d: its mailbox stayed full for %v (does it wait for recv?)", j.ID, sendWait)
	case errors.Is(err, context.Canceled):
		return ErrStopped
	}
	return fmt.Errorf("%d: %w", j.ID, err)
}

func (s *Shell) recv(p *Stage) error {
	if len(p.Args) < 1 || len(p.Args) > 2 {
		return usagef("want a job number and at most a timeout")
	}
	wait := recvWait
	if len(p.Args) == 2 {
		d, err := time.ParseDuration(p.Args[1])
		if err != nil || d < 0 {
			return usagef("%q is not a duration such as 2s", p.Args[1])
		}
		wait = d
	}
	j, err := s.spawned(p.Args[0])
	if err != nil {
		return err
	}
	// A line already there is taken even with a timeout of 0.
	select {
	case line, ok := <-j.box.lines:
		return s.received(p, j, line, ok)
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case line, ok := <-j.box.lines:
		return s.received(p, j, line, ok)
	case <-t.C:
		return fmt.Errorf("%d: no output within %v", j.ID, wait)
	case <-p.Done():
		return ErrStopped
	}
}

// received prints a line recv took, or, when the outbox is closed and
// empty, removes the job and fails with io.EOF.
func (s *Shell) received(p *Stage, j *Job, line string, ok bool) error {
	if ok {
		return p.Println(line)
	}
	s.remove(j)
	if j.box.failed != nil {
		return fmt.Errorf("%d: %w (%s failed: %v)", j.ID, io.EOF, j.actors[0].Name(), j.box.failed)
	}
	return fmt.Errorf("%d: %w (%s exited)", j.ID, io.EOF, j.actors[0].Name())
}

func (s *Shell) closeInput(p *Stage) error {
	if len(p.Args) != 1 {
		return usagef("want one job number")
	}
	j, err := s.spawned(p.Args[0])
	if err != nil {
		return err
	}
	if err := actor.Close(j.actors[0]); err != nil {
		if errors.Is(err, actor.ErrExited) {
			return fmt.Errorf("%d: %s has exited", j.ID, j.actors[0].Name())
		}
		return fmt.Errorf("%d: %w", j.ID, err)
	}
	j.box.closed.Store(true)
	return nil
}

// spawned returns the spawned job that arg ("1" or "%1") numbers.
func (s *Shell) spawned(arg string) (*Job, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "%"))
	if err != nil {
		return nil, usagef("%q is not a job number", arg)
	}
	j, ok := s.job(n)
	if !ok || j.box == nil {
		return nil, fmt.Errorf("%d: %w", n, errNotSpawned)
	}
	return j, nil
}

// stageContext returns a context that ends after d or when the stage must
// stop, whichever comes first.
func stageContext(p *Stage, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	go func() {
		select {
		case <-p.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
