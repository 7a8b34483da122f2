package actor

import (
	"errors"
	"fmt"
	"time"
)

// Stopping actors: Stop asks, Kill forces, Shutdown does both in turn, and
// Wait learns the outcome. On clk Kill interrupts a running actor through
// the runtime (interrupt_clk.go); the code below that accepts the interrupt
// makes sure it can strike only the actor's own code.

// Stop asks to to stop: its Done channel closes and its Recv and Send
// return ErrShutdown. The actor decides when to return; Shutdown also
// waits, and kills it if it takes too long.
func Stop(to Ref) error {
	if to.a == nil {
		return fmt.Errorf("stop: %w", ErrNoActor)
	}
	return to.a.requestStop(ErrShutdown)
}

// Kill stops to with reason: its exit reason becomes &Killed{reason}, which
// its monitors and links see. An actor blocked in Recv, Send or Call
// unwinds at once (its deferred functions run). On clk an actor that is
// running (even in a loop without calls) is interrupted at its next
// preemption tick; on other systems Go cannot interrupt a goroutine, so an
// actor that never calls Recv, Send or Call and never looks at Done is
// stopped only when it next does. Killing an exited actor returns its
// *ExitError.
func Kill(to Ref, reason error) error {
	if to.a == nil {
		return fmt.Errorf("kill: %w", ErrNoActor)
	}
	return to.a.kill(&Killed{Reason: reason})
}

// Wait waits for the actor to exit and returns its exit reason (nil for a
// normal return).
func Wait(r Ref) error {
	if r.a == nil {
		return fmt.Errorf("wait: %w", ErrNoActor)
	}
	<-r.a.done
	return r.a.exitReason()
}

// WaitTimeout is Wait giving up with ErrTimeout after d.
func WaitTimeout(r Ref, d time.Duration) error {
	if r.a == nil {
		return fmt.Errorf("wait: %w", ErrNoActor)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.a.done:
		return r.a.exitReason()
	case <-t.C:
		return fmt.Errorf("wait for %v: %w", r, ErrTimeout)
	}
}

// exitedWithin waits up to d for a to exit and reports whether it did.
func exitedWithin(a *actor, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.done:
		return true
	case <-t.C:
		return false
	}
}

func (a *actor) exitReason() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reason
}

// minKillWait is the least time Shutdown waits for a killed actor: a kill
// that interrupts a running actor on clk takes up to a time slice (10 ms),
// and an emulated machine may be slow.
const minKillWait = time.Second

// Shutdown stops to as a supervisor does: Stop, wait up to timeout for it to
// exit, then Kill it and wait as long again (at least a second). It returns the exit reason,
// or an error wrapping ErrTimeout when the actor did not exit (possible
// only off clk, for an actor that ignores its Context).
func Shutdown(to Ref, timeout time.Duration) error {
	if to.a == nil {
		return fmt.Errorf("shutdown: %w", ErrNoActor)
	}
	if err := Stop(to); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return ee.Reason
		}
		return err
	}
	if exitedWithin(to.a, timeout) {
		return to.a.exitReason()
	}
	if err := to.a.kill(&Killed{Reason: fmt.Errorf("shutdown took longer than %v", timeout)}); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return ee.Reason
		}
		return err
	}
	if exitedWithin(to.a, max(timeout, minKillWait)) {
		return to.a.exitReason()
	}
	return fmt.Errorf("shutdown %v: killed but still running: %w", to, ErrTimeout)
}

// stopped is what a wait of the actor's own goroutine does once stop is
// closed: unwind the actor if it was killed, else return ErrShutdown.
func (a *actor) stopped() error {
	r, killed := a.stopState()
	if killed {
		panic(r)
	}
	return r
}

func (a *actor) stopState() (error, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stopReason, a.killed
}

// requestStop closes stop with reason unless it is already closed; a kill
// overrides an earlier Stop.
func (a *actor) requestStop(reason error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exited {
		return &ExitError{Ref: Ref{a}, Reason: a.reason}
	}
	if a.killed {
		return nil
	}
	first := a.stopReason == nil
	a.stopReason = reason
	k, kill := reason.(*Killed)
	if kill {
		a.killed = true
		a.killFlag.Store(true)
	}
	if first {
		close(a.stop)
	}
	// An actor blocked in this package's waits unwinds by itself: stop
	// wakes it, or unblock sees killFlag (stored above, before state is
	// loaded here, so one of the two sides sees the other). Any other
	// actor is interrupted where it runs.
	if kill && a.running && State(a.state.Load()) == Running {
		iv := &Killed{Reason: k.Reason}
		if interruptGoroutine(a.token, iv) {
			a.interrupt = iv
		}
	}
	return nil
}

func (a *actor) kill(k *Killed) error { return a.requestStop(k) }

// isInterrupt reports whether the recovered value r is the actor's
// interrupt, and notes that it has been raised.
func (a *actor) isInterrupt(r any) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k, ok := r.(*Killed); ok && k == a.interrupt {
		a.intrSeen = true
		return true
	}
	return false
}

// settle closes the window for interrupts and, if one was sent and has not
// been raised yet, waits for it: the runtime raises it at the next timer
// tick that finds this goroutine running (within a time slice, 10 ms), so
// settle spins rather than blocks. It gives up after settleLimit.
func (a *actor) settle() {
	if !a.closeInterrupts() {
		return
	}
	// The interrupt ends this loop by a panic that call recovers. The loop
	// takes no lock, so that the panic leaves none held.
	for start := now(); now()-start < int64(settleLimit); {
	}
}

// closeInterrupts stops Kill from sending interrupts and reports whether
// one was sent and not yet raised.
func (a *actor) closeInterrupts() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.running = false
	return a.interrupt != nil && !a.intrSeen
}

// settleLimit bounds settle's wait; it is a hundred time slices.
const settleLimit = time.Second

// protect runs f, absorbing the actor's interrupt if it strikes there.
func (a *actor) protect(f func()) {
	defer func() {
		if r := recover(); r != nil && !a.isInterrupt(r) {
			panic(r)
		}
	}()
	f()
}
