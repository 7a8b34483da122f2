package actor

import "sync/atomic"

// Down is the message a monitor receives when the actor it watches exits.
type Down struct {
	// Ref is the actor that exited.
	Ref Ref
	// Reason is its exit reason: nil for a normal return, the returned
	// error, a *PanicError, or a *Killed.
	Reason error
	// Stack is the stack of the exit for a panic, and for a kill that
	// interrupted the actor's goroutine; "" otherwise.
	Stack string
}

// Exit is the message an actor spawned WithTrapExit receives when an actor
// linked to it exits, normally or not.
type Exit struct {
	// From is the linked actor that exited.
	From Ref
	// Reason is its exit reason.
	Reason error
}

// MonitorID names a monitor, for Demonitor.
type MonitorID uint64

var lastMonitor atomic.Uint64

// Monitor makes this actor receive a Down message when target exits. If
// target has already exited the Down is queued at once. Down messages are
// queued even when the mailbox is full, so an exit is never missed.
func (c *Context) Monitor(target Ref) MonitorID {
	if target.a == nil {
		c.a.deliver(Down{Ref: target, Reason: ErrNoActor})
		return 0
	}
	return monitor(c.a, target.a)
}

// Demonitor removes a monitor. A Down already queued stays in the mailbox.
func (c *Context) Demonitor(target Ref, id MonitorID) {
	if target.a == nil {
		return
	}
	t := target.a
	t.mu.Lock()
	delete(t.monitors, uint64(id))
	t.mu.Unlock()
}

func monitor(watcher, target *actor) MonitorID {
	id := lastMonitor.Add(1)
	target.mu.Lock()
	if target.exited {
		down := Down{Ref: Ref{target}, Reason: target.reason, Stack: target.stack}
		target.mu.Unlock()
		watcher.deliver(down)
		return MonitorID(id)
	}
	if target.monitors == nil {
		target.monitors = make(map[uint64]*actor)
	}
	target.monitors[id] = watcher
	target.mu.Unlock()
	return MonitorID(id)
}

// Link links this actor and target both ways: when either exits abnormally
// (see IsNormal) the other is killed with a reason naming it, unless it
// traps exits (WithTrapExit), in which case it receives an Exit message;
// a trapping actor also receives an Exit for a normal exit. Linking to an
// exited actor returns its *ExitError.
func (c *Context) Link(target Ref) error {
	if target.a == nil {
		return ErrNoActor
	}
	return link(c.a, target.a)
}

// Unlink removes a link made by Link or WithLink.
func (c *Context) Unlink(target Ref) {
	if target.a != nil {
		unlink(c.a, target.a)
	}
}

func link(a, b *actor) error {
	if b == nil {
		return ErrNoActor
	}
	if a == b {
		return nil
	}
	b.mu.Lock()
	if b.exited {
		err := &ExitError{Ref: Ref{b}, Reason: b.reason}
		b.mu.Unlock()
		return err
	}
	if b.links == nil {
		b.links = make(map[*actor]struct{})
	}
	b.links[a] = struct{}{}
	b.mu.Unlock()

	a.mu.Lock()
	if a.exited {
		err := &ExitError{Ref: Ref{a}, Reason: a.reason}
		a.mu.Unlock()
		unlink(b, a)
		return err
	}
	if a.links == nil {
		a.links = make(map[*actor]struct{})
	}
	a.links[b] = struct{}{}
	a.mu.Unlock()
	// b may have exited between the two locks, not seeing a yet.
	b.mu.Lock()
	gone := b.exited
	reason := b.reason
	b.mu.Unlock()
	if gone {
		unlink(a, b)
		return &ExitError{Ref: Ref{b}, Reason: reason}
	}
	return nil
}

func unlink(a, b *actor) {
	a.mu.Lock()
	delete(a.links, b)
	a.mu.Unlock()
	b.mu.Lock()
	delete(b.links, a)
	b.mu.Unlock()
}
