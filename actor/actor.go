package actor

import (
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
	// Killed before it ran: Kill saw running false and sent no interrupt,
	// so the actor must not start (it might never call into the package).
	if a.killFlag.Load() {
		a.stopped()
	}
	return fn(&a.ctx), ""
}

func panicReason(r any) (error, string) {
	stack := string(debug.Stack())
	if k, ok := r.(*Killed); ok {
		return k, stack
	}
	return &PanicError{Value: r, Stack: stack}, stack
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
