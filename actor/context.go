package actor

import (
	"context"
	"time"
)

// Context is an actor's handle on itself, passed to its Func. Its methods
// must be called only from the actor's own goroutine. It implements
// context.Context: Done is closed when the actor is asked to stop and Err
// then says why, so it can bound any blocking call the actor makes.
type Context struct {
	a *actor
}

// Self returns the actor's own address.
func (c *Context) Self() Ref { return Ref{c.a} }

// Parent returns the parent given with WithParent, or the zero Ref.
func (c *Context) Parent() Ref { return c.a.parent }

// Done returns a channel closed when the actor is asked to stop (Stop,
// Kill, a supervisor shutting it down, a linked actor's abnormal exit).
func (c *Context) Done() <-chan struct{} { return c.a.stop }

// Err returns nil until Done is closed, then ErrShutdown or the *Killed
// reason.
func (c *Context) Err() error {
	select {
	case <-c.a.stop:
	default:
		return nil
	}
	c.a.hold()
	defer c.a.release()
	r, _ := c.a.stopState()
	return r
}

// Deadline returns no deadline: an actor runs until it is stopped.
func (c *Context) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value returns nil: an actor's Context carries no values.
func (c *Context) Value(key any) any { return nil }

var _ context.Context = (*Context)(nil)

// Critical runs f where Kill cannot interrupt it: code that takes locks
// another goroutine also takes (a terminal's, the kernel's), since an
// interrupt between taking a lock and deferring its release would leave
// the lock held for good. A Kill that comes meanwhile still closes Done,
// and this package's calls inside f still unwind at once; only the
// interrupt of running code waits until f returns. Calls nest.
func (c *Context) Critical(f func()) {
	c.a.hold()
	defer c.a.release()
	f()
}

// Ready tells a supervisor starting this actor that it has initialised, so
// that the next child may start. A supervised actor is also ready when it
// first calls Recv, RecvTimeout, TryRecv, Send, TrySend or Call, and when
// it exits; only one that does none of these before a long task needs
// Ready. Calling it when not supervised, or twice, does nothing.
func (c *Context) Ready() { c.a.markReady() }

// markReady closes ready once. Only the actor's own goroutine calls it.
func (a *actor) markReady() {
	if a.ready != nil {
		close(a.ready)
		a.ready = nil
	}
}

// Recv returns the oldest message in the mailbox, waiting for one. After
// Close it returns the queued messages and then ErrClosed. When the actor
// is asked to stop, Recv returns ErrShutdown; when it is killed, Recv does
// not return: it unwinds the actor.
func (c *Context) Recv() (any, error) { return c.recv(nil) }

// RecvTimeout is Recv giving up with ErrTimeout after d.
func (c *Context) RecvTimeout(d time.Duration) (any, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	return c.recv(t.C)
}

// TryRecv returns a queued message without waiting; ok is false when the
// mailbox is empty.
func (c *Context) TryRecv() (msg any, ok bool, err error) {
	c.a.hold()
	defer c.a.release()
	a := c.a
	a.markReady()
	select {
	case <-a.stop:
		return nil, false, a.stopped()
	default:
	}
	msg, wait, err := a.mb.get()
	if err != nil || wait != nil {
		return nil, false, err
	}
	return msg, true, nil
}

func (c *Context) recv(timeout <-chan time.Time) (any, error) {
	c.a.hold()
	defer c.a.release()
	a := c.a
	a.markReady()
	for {
		select {
		case <-a.stop:
			return nil, a.stopped()
		default:
		}
		msg, wait, err := a.mb.get()
		if err != nil {
			return nil, err
		}
		if wait == nil {
			return msg, nil
		}
		a.block(Receiving)
		select {
		case <-wait:
			a.unblock()
		case <-a.stop:
			a.unblock()
			return nil, a.stopped()
		case <-timeout:
			a.unblock()
			return nil, ErrTimeout
		}
	}
}

// Send sends msg to the actor to, as the package's Send does, counting it
// in this actor's Out. Once this actor is asked to stop it returns
// ErrShutdown (a wait for room ends too), and once killed it unwinds.
func (c *Context) Send(to Ref, msg any) error {
	c.a.hold()
	defer c.a.release()
	c.a.markReady()
	err := send(to, msg, waiter{self: c.a})
	if err == nil {
		c.a.out.Add(1)
	}
	return err
}

// TrySend is the package's TrySend, counting the message in this actor's
// Out.
func (c *Context) TrySend(to Ref, msg any) error {
	c.a.hold()
	defer c.a.release()
	c.a.markReady()
	err := send(to, msg, waiter{try: true, self: c.a})
	if err == nil {
		c.a.out.Add(1)
	}
	return err
}
