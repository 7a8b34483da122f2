package actor

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// waiter says how a send may wait for room in a full mailbox.
type waiter struct {
	try     bool             // do not wait: ErrMailboxFull
	self    *actor           // the sending actor, whose stop ends the wait
	timeout <-chan time.Time // nil: no timeout
	ctx     context.Context  // nil: none
}

// Send copies msg (see the package documentation for what can be sent) and
// queues the copy in to's mailbox, waiting while the mailbox is full. It
// fails with ErrClosed after Close(to), with an *ExitError (ErrExited) once
// to has exited, and with a *CopyError (ErrNotCopyable) for a message that
// cannot be copied. A message is never dropped: either Send returns nil
// and the message is queued, or it returns an error.
func Send(to Ref, msg any) error { return send(to, msg, waiter{}) }

// TrySend is Send that fails with ErrMailboxFull instead of waiting.
func TrySend(to Ref, msg any) error { return send(to, msg, waiter{try: true}) }

// SendTimeout is Send that gives up with ErrTimeout after d.
func SendTimeout(to Ref, msg any, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	return send(to, msg, waiter{timeout: t.C})
}

// SendContext is Send that gives up when ctx is done, returning ctx.Err()
// wrapped. An actor may pass its own *Context.
func SendContext(ctx context.Context, to Ref, msg any) error {
	return send(to, msg, waiter{ctx: ctx})
}

func send(to Ref, msg any, w waiter) error {
	b := to.a
	if b == nil {
		return fmt.Errorf("send: %w", ErrNoActor)
	}
	m, err := copyMessage(msg)
	if err != nil {
		return fmt.Errorf("send to %v: %w", to, err)
	}
	return sendCopied(to, m, w)
}

// sendCopied queues m, already a copy, waiting as w says.
func sendCopied(to Ref, m any, w waiter) error {
	b := to.a
	if w.self != nil {
		select {
		case <-w.self.stop:
			return w.self.stopped()
		default:
		}
	}
	var ctxDone <-chan struct{}
	if w.ctx != nil {
		ctxDone = w.ctx.Done()
	}
	var stop <-chan struct{}
	if w.self != nil {
		stop = w.self.stop
	}
	for {
		wait, err := b.mb.put(m, false)
		if err != nil {
			return sendError(to, err)
		}
		if wait == nil {
			b.in.Add(1)
			return nil
		}
		if w.try {
			return fmt.Errorf("send to %v: %w", to, ErrMailboxFull)
		}
		if w.self != nil {
			select {
			case <-stop:
				return w.self.stopped()
			default:
			}
			w.self.block(Sending)
		}
		select {
		case <-wait:
		case <-stop:
			w.self.unblock()
			return w.self.stopped()
		case <-w.timeout:
			if w.self != nil {
				w.self.unblock()
			}
			return fmt.Errorf("send to %v: %w", to, ErrTimeout)
		case <-ctxDone:
			if w.self != nil {
				w.self.unblock()
			}
			return fmt.Errorf("send to %v: %w", to, w.ctx.Err())
		}
		if w.self != nil {
			w.self.unblock()
		}
	}
}

func sendError(to Ref, err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return fmt.Errorf("send to %v: %w", to, err)
}

// Close ends to's input: later sends fail with ErrClosed, and to's Recv
// returns ErrClosed once it has taken the messages already queued. Once a
// Close of to has returned nil, every later Close of to returns nil too,
// whether or not to has exited since (an actor often exits as soon as its
// input ends). Closing an actor that exited before its input was closed
// returns its *ExitError.
func Close(to Ref) error {
	if to.a == nil {
		return fmt.Errorf("close: %w", ErrNoActor)
	}
	if _, err := to.a.mb.close(); err != nil {
		return err
	}
	return nil
}
