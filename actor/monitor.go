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
	target.a.removeMonitor(uint64(id))
}

func (a *actor) removeMonitor(id uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.monitors, id)
}

func monitor(watcher, target *actor) MonitorID {
	id := lastMonitor.Add(1)
	if down, gone := target.addMonitor(id, watcher); gone {
		watcher.deliver(down)
	}
	return MonitorID(id)
}

// addMonitor records watcher under id, or returns the Down to deliver at
// once if a has exited.
func (a *actor) addMonitor(id uint64, watcher *actor) (Down, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exited {
		return Down{Ref: Ref{a}, Reason: a.reason, Stack: a.stack}, true
	}
	if a.monitors == nil {
		a.monitors = make(map[uint64]*actor)
	}
	a.monitors[id] = watcher
	return Down{}, false
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
	if err := b.addLink(a); err != nil {
		return err
	}
	if err := a.addLink(b); err != nil {
		b.removeLink(a)
		return err
	}
	// b may have exited between the two, before a was in its links.
	if err := b.exitError(); err != nil {
		unlink(a, b)
		return err
	}
	return nil
}

// addLink adds other to a's links, unless a has exited.
func (a *actor) addLink(other *actor) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exited {
		return &ExitError{Ref: Ref{a}, Reason: a.reason}
	}
	if a.links == nil {
		a.links = make(map[*actor]struct{})
	}
	a.links[other] = struct{}{}
	return nil
}

func (a *actor) removeLink(other *actor) (trap bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.links, other)
	return a.trapExit
}

// exitError returns a's *ExitError once it has exited, else nil.
func (a *actor) exitError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exited {
		return &ExitError{Ref: Ref{a}, Reason: a.reason}
	}
	return nil
}

func unlink(a, b *actor) {
	a.removeLink(b)
	b.removeLink(a)
}
