// Package actor is clk's actor runtime: actors that own their state, talk
// only by copied messages through bounded mailboxes, watch each other die,
// and are restarted by supervisors with Erlang/OTP semantics.
//
// # Actors
//
// Spawn starts a Func on its own goroutine and returns a Ref, the actor's
// comparable address. The Func receives a *Context, its handle on itself:
// Recv, RecvTimeout and TryRecv take messages from its mailbox; Send, Call
// and Reply talk to others; Done is closed when it is asked to stop. The
// Func's return value is the exit reason; nil, ErrShutdown and ErrClosed
// are normal exits (IsNormal). A panic is recovered and becomes a
// *PanicError carrying the panic value and the goroutine's stack.
//
// # Messages
//
// Send(to, msg) puts a copy of msg in to's mailbox. The copy shares nothing
// the sender can change: no actor reaches another's memory through a
// message. The rule, checked at every Send, Call and Reply:
//
//   - Numbers, booleans and strings, and arrays and structs made only of
//     them, are values: boxing one in the message interface already copies
//     it, and Send does no more work.
//   - Pointers, slices, maps and interfaces are followed and what they
//     reach is copied, unexported struct fields included. Two pointers to
//     one value in a message point to one value in the copy, so cycles are
//     kept. Two slices sharing an array get an array each.
//   - A Ref, a time.Time (with its *time.Location) and any value whose type
//     implements error are passed as they are: they are immutable by
//     convention, and passing errors as is keeps errors.Is working against
//     sentinel values such as ErrClosed.
//   - A func, chan, unsafe.Pointer or uintptr anywhere in the message (and
//     a *Request) is refused: Send returns a *CopyError (errors.Is
//     ErrNotCopyable) naming the path to it, and nothing is queued.
//
// The rule makes every accepted message a tree of plain data, so a later
// transport to an actor in a ring-3 module process can serialise it over a
// kernel channel without changing callers; errors will travel there as
// their text.
//
// # Mailboxes and back-pressure
//
// A mailbox holds at most its capacity (WithMailbox, DefaultMailbox) of
// ordinary messages. Send waits while it is full; TrySend fails with
// ErrMailboxFull; SendTimeout and SendContext give up with ErrTimeout or
// the context's error, so that a pipeline can be torn down. A message is
// never silently dropped: either the send returns nil and the message is
// queued, or it returns an error. Messages still queued when an actor exits
// are discarded and counted (Info.Dropped); monitors and links learn of the
// exit.
//
// Close(to) ends to's input: later sends fail with ErrClosed, and to's Recv
// returns ErrClosed once the queued messages are taken. A pipeline stage
// closes the next stage when its own input ends. Closing is idempotent:
// once a Close has succeeded, later ones succeed too, even after to has
// ended (which it may do at once); Close fails with an *ExitError only
// when to exited before its input was closed.
//
// # Request and reply
//
// Call(to, req, timeout) sends req wrapped in a *Request and waits for the
// reply: the receiver's Recv returns the *Request, whose Msg is the copied
// req, and the receiver answers with Context.Reply. A reply that is an
// error comes back as Call's error. Call fails with ErrTimeout, or with an
// *ExitError if the receiver exits before answering.
//
// # Stopping actors
//
// Stop asks an actor to stop: Done closes, Context.Err and the actor's
// Recv, Send and Call return ErrShutdown (a wait in them ends), and the
// actor returns when it is ready. Kill(to, reason) forces it: the exit reason becomes
// *Killed{reason} ("killed: reason"). An actor blocked in Recv, Send or
// Call unwinds at once, by a panic with the *Killed value that the runtime
// recovers (deferred calls run; an actor must not swallow that panic). On
// clk a running actor, even one in a loop without calls, is interrupted
// the same way at its next preemption tick (about 10 ms). On other systems
// Go has no way to interrupt a goroutine, so there Kill is cooperative: an
// actor that never calls into this package and never looks at Done runs
// on. Shutdown combines the two as supervisors do: Stop, wait, Kill, wait.
//
// An interrupt is a panic raised at an arbitrary instruction of the actor's
// own code, as on a fault. The runtime never raises it inside the sync
// packages, but like any asynchronous kill it can still land between the
// return of a sync.Mutex.Lock and the deferred Unlock that follows, and
// leave that lock held; this package takes its own locks with the Unlock
// deferred at once to keep that window small, and actors that share locks
// with others should prefer Stop to Kill. Only one interrupt is sent per actor: if the
// actor's own code recovers it (fmt, for one, recovers panics in String
// methods), the actor runs on until it next calls into this package.
//
// # Monitors and links
//
// Context.Monitor(target), or WithMonitor at spawn, makes the watcher
// receive a Down{Ref, Reason, Stack} when target exits. Context.Link, or
// WithLink at spawn, ties two actors: when one exits abnormally the other
// is killed with a reason naming it, unless it traps exits (WithTrapExit)
// and receives an Exit message instead. Down and Exit messages are queued
// even past a full mailbox's capacity (each monitor or link yields at most
// one), so an exit is never missed. Wait and WaitTimeout give non-actor
// code the exit reason; Ref.Exited is a channel for select.
//
// # Supervisors
//
// StartSupervisor(spec) spawns a supervisor: an actor that starts the
// children of spec in order, monitors them, and restarts them with
// Erlang/OTP semantics. A child's Restart type says when it is restarted
// (Permanent: always; Transient: after an abnormal exit; Temporary: never,
// and it is dropped). The Strategy says which children restart with it:
// OneForOne only the child, OneForAll all of them, RestForOne the child and
// those started after it; the others are first stopped in reverse start
// order. Each child starts once the one before it is ready: it has called
// Recv, TryRecv, RecvTimeout, Send, TrySend, Call or Context.Ready, or
// exited.
//
// Restart intensity: more than MaxRestarts restarts within Period make the
// supervisor stop all its children and exit with an error wrapping
// ErrIntensity. That is an abnormal exit, so the supervisor above it (a
// supervisor is a child like any other, see Supervise) applies its own
// strategy: failures escalate up the tree until one level copes.
//
// A supervisor stops its children in reverse start order whenever it
// exits, whatever the reason (Stop, Kill, escalation): each child is asked
// to stop (Stop), given its Shutdown time, then killed. Children reports a
// supervisor's children with their restart counts and last exit reasons.
// A crash reaches the supervisor as a Down carrying the *PanicError and its
// stack, and stays visible there as the child's LastExit.
//
// # Observing actors
//
// List (and Stat for one actor) describes the live actors and the last 64
// that exited: ID, name, parent, state, mailbox depth and capacity,
// messages in and out, and busy time. Busy time is the time since the
// actor started minus the time it spent blocked in this package's waits;
// it includes time spent runnable but not running and time blocked
// elsewhere (sleeps, plain channels, locks), so it bounds CPU time from
// above rather than measuring it.
//
// # Actors in other address spaces
//
// Callers see an actor only through a Ref and the package's functions;
// nothing in the API hands out an actor's memory. An actor in a ring-3
// module process can therefore be addressed by the same Ref (holding a
// kernel channel handle instead of the runtime's record) without changing
// callers: Send serialises the message, which the copy rule guarantees is
// plain data, Call pairs request and reply over the channel, and Down,
// Kill and List map to the kernel's process events and controls. The actor
// inside the module uses a Context provided by the module SDK.
//
// # Locking
//
// Lock order: registry.mu < actor.mu < mailbox.mu. No lock is held while
// a message is copied or while a goroutine waits; waits are on channels,
// so that a wait can also end on a stop, a timer or a context.
package actor
