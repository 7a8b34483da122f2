package actor

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ID numbers an actor. IDs start at 1, grow by one per Spawn and are never
// reused while the kernel runs.
type ID uint64

// Ref is the address of an actor: what Send, Call, Close, Kill, Monitor and
// Wait take. It is a small comparable value, valid after the actor exits
// (sends then fail with ErrExited), and may itself travel in messages. The
// zero Ref addresses no actor.
type Ref struct {
	a *actor
}

// ID returns the actor's ID, 0 for the zero Ref.
func (r Ref) ID() ID {
	if r.a == nil {
		return 0
	}
	return r.a.id
}

// Name returns the name the actor was spawned with, "" for the zero Ref.
func (r Ref) Name() string {
	if r.a == nil {
		return ""
	}
	return r.a.name
}

// String returns "name#id", or "nobody" for the zero Ref.
func (r Ref) String() string {
	if r.a == nil {
		return "nobody"
	}
	return fmt.Sprintf("%s#%d", r.a.name, r.a.id)
}

// IsZero reports whether r addresses no actor.
func (r Ref) IsZero() bool { return r.a == nil }

// Exited returns a channel closed once the actor has exited and its exit
// reason is known (Wait returns it). For the zero Ref the channel is closed.
func (r Ref) Exited() <-chan struct{} {
	if r.a == nil {
		return closedChan
	}
	return r.a.done
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// State is what an actor is doing, as List reports it.
type State int32

// The states of an actor.
const (
	// Running: executing its function (or runnable), not blocked in this
	// package.
	Running State = iota
	// Receiving: blocked in Recv or RecvTimeout on an empty mailbox.
	Receiving
	// Sending: blocked in Send or Call, waiting for room in a full mailbox
	// or for a reply.
	Sending
	// Stopping: asked to stop (Stop or Kill) and not yet exited.
	Stopping
	// Exited: its function returned, panicked or was killed.
	Exited
)

// String returns the state as ps shows it: "running", "receiving" ...
func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Receiving:
		return "receiving"
	case Sending:
		return "sending"
	case Stopping:
		return "stopping"
	case Exited:
		return "exited"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// Info describes one actor, for tools such as ps.
type Info struct {
	Ref    Ref
	ID     ID
	Name   string
	Parent ID // 0 when spawned without WithParent
	State  State
	// Mailbox is the number of queued messages, MailboxCap its bound;
	// Closed reports that Close was called.
	Mailbox, MailboxCap int
	Closed              bool
	// In counts messages put into its mailbox (system messages included);
	// Out counts messages it sent through its Context (Send, Call, Reply).
	In, Out uint64
	// Busy is the time since the actor started (until it exited) minus the
	// time it spent blocked in this package's waits (Recv, Send, Call). It
	// therefore includes time spent runnable but not scheduled and time
	// blocked elsewhere (time.Sleep, plain channels, locks): it is an upper
	// bound on CPU time, not a measurement of it.
	Busy    time.Duration
	Started time.Time
	// Reason is the exit reason of an exited actor.
	Reason error
	// Dropped counts the messages still queued when the actor exited.
	Dropped int
}

// registry holds the live actors and the most recently exited ones.
//
// Lock order: registry.mu < actor.mu < mailbox.mu.
var registry struct {
	mu     sync.Mutex
	live   map[ID]*actor
	exited []*actor // ring of the last keepExited exited actors
	next   int      // next slot of exited to fill
}

var lastID atomic.Uint64

// keepExited is how many exited actors List and Lookup still show.
const keepExited = 64

func register(a *actor) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.live == nil {
		registry.live = make(map[ID]*actor)
	}
	registry.live[a.id] = a
}

func unregister(a *actor) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.live, a.id)
	if len(registry.exited) < keepExited {
		registry.exited = append(registry.exited, a)
		return
	}
	registry.exited[registry.next] = a
	registry.next = (registry.next + 1) % keepExited
}

// Lookup finds a live or recently exited actor by ID.
func Lookup(id ID) (Ref, bool) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if a, ok := registry.live[id]; ok {
		return Ref{a}, true
	}
	for _, a := range registry.exited {
		if a.id == id {
			return Ref{a}, true
		}
	}
	return Ref{}, false
}

// List describes the live actors and the last 64 that exited, by ID.
func List() []Info {
	as := registered()
	slices.SortFunc(as, func(x, y *actor) int {
		switch {
		case x.id < y.id:
			return -1
		case x.id > y.id:
			return 1
		}
		return 0
	})
	infos := make([]Info, len(as))
	for i, a := range as {
		infos[i] = a.info()
	}
	return infos
}

// registered returns the live and the remembered exited actors.
func registered() []*actor {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	as := make([]*actor, 0, len(registry.live)+len(registry.exited))
	for _, a := range registry.live {
		as = append(as, a)
	}
	return append(as, registry.exited...)
}

// Stat describes one actor, as List does.
func Stat(r Ref) (Info, error) {
	if r.a == nil {
		return Info{}, ErrNoActor
	}
	return r.a.info(), nil
}
