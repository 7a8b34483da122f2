package actor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Func is an actor's body. It runs on its own goroutine with the actor's
// Context; its return value is the actor's exit reason (nil is a normal
// exit, see IsNormal).
type Func func(*Context) error

// DefaultMailbox is the mailbox capacity of an actor spawned without
// WithMailbox.
const DefaultMailbox = 64

// An Option configures Spawn.
type Option func(*options)

type options struct {
	mailbox  int
	parent   Ref
	links    []Ref
	monitors []Ref
	trapExit bool
	ready    chan struct{}
}

// WithMailbox sets the mailbox capacity, at least 1.
func WithMailbox(n int) Option { return func(o *options) { o.mailbox = n } }

// WithParent records the actor's parent (its supervisor, or the shell that
// started a command) for List.
func WithParent(p Ref) Option { return func(o *options) { o.parent = p } }

// WithLink links the new actor to other before it runs, as Link does.
func WithLink(other Ref) Option {
	return func(o *options) { o.links = append(o.links, other) }
}

// WithMonitor makes watcher (an actor) monitor the new actor from its start:
// watcher receives a Down message when it exits, however early.
func WithMonitor(watcher Ref) Option {
	return func(o *options) { o.monitors = append(o.monitors, watcher) }
}

// WithTrapExit makes the new actor receive an Exit message when a linked
// actor exits, instead of being killed by an abnormal exit.
func WithTrapExit() Option { return func(o *options) { o.trapExit = true } }

// withReady makes the actor close c when it is ready (see Context.Ready);
// supervisors use it to start children in order.
func withReady(c chan struct{}) Option { return func(o *options) { o.ready = c } }

// actor is the runtime's record of one actor. Ref points to it.
type actor struct {
	id     ID
	name   string
	parent Ref
	mb     *mailbox
	ctx    Context
	start  time.Time

	ready chan struct{} // closed by markReady; only the actor's goroutine uses it
	stop  chan struct{} // closed when asked to stop (Stop or Kill)
	done  chan struct{} // closed after exit, once reason is set

	state     atomic.Int32 // a State
	killFlag  atomic.Bool  // set by Kill before it looks at state (see requestStop)
	in, out   atomic.Uint64
	blockedNS atomic.Int64 // total time blocked in this package's waits
	blockedAt atomic.Int64 // when the current wait began (since epoch), 0 if none

	mu         sync.Mutex
	stopReason error // ErrShutdown or a *Killed; set when stop closes
	killed     bool
	exited     bool
	reason     error
	stack      string
	end        time.Time
	dropped    int
	token      uint64  // the goroutine's interrupt token (clk); 0 elsewhere
	running    bool    // interrupts may be sent (see call)
	interrupt  *Killed // the value an interrupt was sent with, if one was
	intrSeen   bool    // that interrupt has been raised and recovered
	monitors   map[uint64]*actor
	links      map[*actor]struct{}
	trapExit   bool
}

// epoch is the base of the monotonic clock used for blocked time.
var epoch = time.Now()

func now() int64 { return int64(time.Since(epoch)) + 1 }

// Spawn starts an actor running fn on a new goroutine and returns its
// address. The name need not be unique: it is for people (List, errors).
func Spawn(name string, fn Func, opts ...Option) (Ref, error) {
	if fn == nil {
		return Ref{}, fmt.Errorf("spawn %q: nil Func", name)
	}
	o := options{mailbox: DefaultMailbox}
	for _, opt := range opts {
		opt(&o)
	}
	if o.mailbox < 1 {
		return Ref{}, fmt.Errorf("spawn %q: mailbox capacity %d: must be at least 1", name, o.mailbox)
	}
	a := &actor{
		id:       ID(lastID.Add(1)),
		name:     name,
		parent:   o.parent,
		mb:       newMailbox(o.mailbox),
		start:    time.Now(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		trapExit: o.trapExit,
		ready:    o.ready,
	}
	a.ctx.a = a
	self := Ref{a}
	for i, l := range o.links {
		if err := link(a, l.a); err != nil {
			for _, u := range o.links[:i] {
				unlink(a, u.a)
			}
			return Ref{}, fmt.Errorf("spawn %q: link to %v: %w", name, l, err)
		}
	}
	for _, w := range o.monitors {
		if w.a == nil {
			continue
		}
		monitor(w.a, a)
	}
	register(a)
	go a.run(fn)
	return self, nil
}

// errGoexit is the exit reason of an actor whose goroutine called
// runtime.Goexit.
var errGoexit = errors.New("actor: runtime.Goexit called")

func (a *actor) run(fn Func) {
	returned := false
	defer func() {
		if !returned {
			a.protect(a.settle)
			a.exit(errGoexit, "")
		}
	}()
	reason, stack := a.call(fn)
	returned = true
	a.exit(reason, stack)
}

// call runs fn and turns a panic into an exit reason with its stack. On
// clk, Kill may interrupt the goroutine (see requestStop), which then
// panics with a.interrupt wherever it is running; at most one interrupt is
// sent per actor. call accepts interrupts only inside it, under a recover,
// and does not return while one is pending, so that none can strike the
// exit bookkeeping that follows.
func (a *actor) call(fn Func) (reason error, stack string) {
	defer func() {
		// Reached by an interrupt raised in callFn's deferred
		// function, or in settle.
		if r := recover(); r != nil {
			if !a.isInterrupt(r) {
				reason, stack = panicReason(r)
			}
		}
	}()
	a.mu.Lock()
	a.token = goroutineToken()
	a.running = true
	a.mu.Unlock()
	reason, stack = a.callFn(fn)
	a.settle()
	return reason, stack
}

func (a *actor) callFn(fn Func) (reason error, stack string) {
	defer func() {
		if r := recover(); r != nil {
			a.isInterrupt(r)
			reason, stack = panicReason(r)
		}
	}()
	return fn(&a.ctx), ""
}

func panicReason(r any) (error, string) {
	stack := string(debug.Stack())
	if k, ok := r.(*Killed); ok {
		return k, stack
	}
	return &PanicError{Value: r, Stack: stack}, stack
}

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

// exit records the reason, refuses further messages and tells monitors and
// links.
func (a *actor) exit(reason error, stack string) {
	a.markReady()
	a.mu.Lock()
	if a.killed {
		reason = a.stopReason
	}
	a.mu.Unlock()
	self := Ref{a}
	dropped := a.mb.exit(&ExitError{Ref: self, Reason: reason})

	a.mu.Lock()
	a.exited = true
	a.reason, a.stack, a.dropped, a.end = reason, stack, dropped, time.Now()
	monitors, links := a.monitors, a.links
	a.monitors, a.links = nil, nil
	a.state.Store(int32(Exited))
	a.mu.Unlock()

	// Monitors and links hear of the exit before Wait returns.
	down := Down{Ref: self, Reason: reason, Stack: stack}
	for _, w := range monitors {
		w.deliver(down)
	}
	for b := range links {
		trap := b.removeLink(a)
		switch {
		case trap:
			b.deliver(Exit{From: self, Reason: reason})
		case !IsNormal(reason):
			b.kill(&Killed{Reason: fmt.Errorf("linked actor %v exited: %w", self, reason)})
		}
	}
	unregister(a)
	close(a.done)
}

// deliver queues a system message; it is lost only if a has exited.
func (a *actor) deliver(msg any) {
	if _, err := a.mb.put(msg, true); err == nil {
		a.in.Add(1)
	}
}

func (a *actor) info() Info {
	n, closed := a.mb.depth()
	a.mu.Lock()
	defer a.mu.Unlock()
	in := Info{
		Ref:        Ref{a},
		ID:         a.id,
		Name:       a.name,
		Parent:     a.parent.ID(),
		State:      State(a.state.Load()),
		Mailbox:    n,
		MailboxCap: a.mb.cap,
		Closed:     closed,
		In:         a.in.Load(),
		Out:        a.out.Load(),
		Started:    a.start,
		Reason:     a.reason,
		Dropped:    a.dropped,
	}
	end := now()
	if a.exited {
		end = int64(a.end.Sub(epoch)) + 1
	} else if at := a.blockedAt.Load(); at != 0 {
		end = at
	}
	in.Busy = time.Duration(end - int64(a.start.Sub(epoch)) - 1 - a.blockedNS.Load())
	if in.Busy < 0 {
		in.Busy = 0
	}
	if !a.exited && in.State == Running {
		select {
		case <-a.stop:
			in.State = Stopping
		default:
		}
	}
	return in
}

// block and unblock bracket a wait of the actor's own goroutine.
func (a *actor) block(s State) {
	a.blockedAt.Store(now())
	a.state.Store(int32(s))
}

// unblock unwinds the actor if it was killed meanwhile: Kill interrupts only
// an actor that is Running (see requestStop), so one that leaves a wait
// must look for itself.
func (a *actor) unblock() {
	a.blockedNS.Add(now() - a.blockedAt.Swap(0))
	a.state.Store(int32(Running))
	if a.killFlag.Load() {
		a.stopped()
	}
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
	r, _ := c.a.stopState()
	return r
}

// Deadline returns no deadline: an actor runs until it is stopped.
func (c *Context) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value returns nil: an actor's Context carries no values.
func (c *Context) Value(key any) any { return nil }

var _ context.Context = (*Context)(nil)

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
	c.a.markReady()
	err := send(to, msg, waiter{try: true, self: c.a})
	if err == nil {
		c.a.out.Add(1)
	}
	return err
}

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
// returns ErrClosed once it has taken the messages already queued. Closing
// twice is not an error; closing an exited actor returns its *ExitError.
func Close(to Ref) error {
	if to.a == nil {
		return fmt.Errorf("close: %w", ErrNoActor)
	}
	if _, err := to.a.mb.close(); err != nil {
		return err
	}
	return nil
}

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
