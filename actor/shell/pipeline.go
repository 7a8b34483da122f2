package shell

import (
	"errors"
	"fmt"
	"io"

	"clk/actor"
)

// MailboxDepth is how many batches a stage's mailbox holds. A stage that
// sends to a full mailbox waits: that is the pipeline's back-pressure.
const MailboxDepth = 16

// errInterrupted is the reason given to Kill for Ctrl-C and kill.
var errInterrupted = errors.New("interrupted")

// sink is where a stage sends its output: the next stage, a file, the
// outbox of a spawned job, or, when all are zero, the terminal.
type sink struct {
	next actor.Ref
	file *redirect
	box  *outbox
}

// spawnStage starts command c as an actor that reads batches from its
// mailbox (unless first) and sends its output to the sink. When the
// command ends, however it ends, the next stage's mailbox is closed so that
// it sees the end of its input. A file stays open: the caller closes it.
func (s *Shell) spawnStage(c Command, args []string, first bool, to sink) (actor.Ref, error) {
	return actor.Spawn(c.Name, func(ctx *actor.Context) error {
		if !to.next.IsZero() {
			defer actor.Close(to.next)
		}
		p := &Stage{Name: c.Name, Args: args, Sys: s.sys, stop: ctx.Done(), batch: s.batch}
		if !first {
			p.recv = func() (string, error) { return recvBatch(ctx) }
		}
		switch {
		case !to.next.IsZero():
			p.send = func(b string) error {
				if err := ctx.Send(to.next, b); err != nil {
					return fmt.Errorf("%w: %w", ErrStopped, err)
				}
				return nil
			}
		case to.file != nil:
			// The file system takes locks of its own, as the
			// terminal does.
			p.send = func(b string) (err error) {
				ctx.Critical(func() { err = to.file.write(b) })
				return err
			}
		case to.box != nil:
			p.send = func(b string) error { return to.box.put(ctx, b) }
		default:
			// The terminal's lock is shared with the shell and every
			// job: a kill must not strike while it is held.
			p.send = func(b string) (err error) {
				ctx.Critical(func() { err = s.writeLines(b) })
				return err
			}
		}
		var err error
		if c.Preemptible {
			err = c.Run(p)
		} else {
			ctx.Critical(func() { err = c.Run(p) })
		}
		if err == nil {
			err = p.Flush()
		}
		return err
	}, actor.WithMailbox(MailboxDepth))
}

// recvBatch takes the next batch of lines from the actor's mailbox.
func recvBatch(ctx *actor.Context) (string, error) {
	m, err := ctx.Recv()
	switch {
	case errors.Is(err, actor.ErrClosed):
		return "", io.EOF
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrStopped, err)
	}
	b, ok := m.(string)
	if !ok {
		return "", fmt.Errorf("%w: a %T in a pipeline mailbox", ErrStopped, m)
	}
	return b, nil
}

// writeLines is the last stage's output: the terminal.
func (s *Shell) writeLines(b string) error {
	_, err := io.WriteString(s.term, b)
	return err
}

// report prints how a stage ended, if it did not end well: a panic with
// its stack, an error in one line. Stops (Ctrl-C, kill, a closed pipe)
// are not errors.
func (s *Shell) report(c Command, id actor.ID, reason error) {
	var (
		pe *actor.PanicError
		ue *UsageError
		ke *actor.Killed
	)
	switch {
	case errors.As(reason, &pe):
		s.printf("%s (actor %d) panicked: %v\n%s", c.Name, id, pe.Value, pe.Stack)
	case reason == nil, errors.Is(reason, ErrStopped), errors.As(reason, &ke), actor.IsNormal(reason):
	case errors.As(reason, &ue):
		s.printf("%s: %v (usage: %s)\n", c.Name, reason, c.Usage)
	default:
		s.printf("%s: %v\n", c.Name, reason)
	}
}

// liveActors returns the actors that have not exited, by ID.
func liveActors() []actor.Info {
	var live []actor.Info
	for _, a := range actor.List() {
		if a.State != actor.Exited {
			live = append(live, a)
		}
	}
	return live
}

// killActor stops the live actor with the given ID.
func killActor(id actor.ID) error {
	r, ok := actor.Lookup(id)
	if !ok {
		return fmt.Errorf("%d: no such actor", id)
	}
	if err := actor.Kill(r, errInterrupted); err != nil {
		if errors.Is(err, actor.ErrExited) {
			return fmt.Errorf("%d: no such actor (it has exited)", id)
		}
		return fmt.Errorf("%d: %w", id, err)
	}
	return nil
}
