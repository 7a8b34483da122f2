package actor

import (
	"errors"
	"fmt"
)

// Errors that callers test with errors.Is.
var (
	// ErrClosed means the mailbox was closed with Close: a sender gets it at
	// once, the owner gets it from Recv once the mailbox is drained.
	ErrClosed = errors.New("actor: mailbox closed")
	// ErrExited means the actor has exited. Errors that wrap it are
	// *ExitError values, which also carry the exit reason.
	ErrExited = errors.New("actor: exited")
	// ErrMailboxFull is TrySend's answer when the mailbox is full.
	ErrMailboxFull = errors.New("actor: mailbox full")
	// ErrTimeout is returned by RecvTimeout, SendTimeout and Call when their
	// time is up.
	ErrTimeout = errors.New("actor: timeout")
	// ErrNoActor is returned for the zero Ref.
	ErrNoActor = errors.New("actor: no such actor")
	// ErrNotCopyable is wrapped by the *CopyError that Send returns for a
	// message that cannot be copied (see the package documentation).
	ErrNotCopyable = errors.New("actor: message not copyable")
	// ErrShutdown is the reason given to an actor asked to stop by Shutdown:
	// its Recv and Send return it, and an actor that returns it (or nil)
	// has exited normally.
	ErrShutdown = errors.New("actor: shutdown")
	// ErrReplied is returned by Reply for a request already answered.
	ErrReplied = errors.New("actor: request already answered")
	// ErrNoCaller is returned by Reply when the caller stopped waiting
	// (its Call timed out or the calling actor stopped).
	ErrNoCaller = errors.New("actor: caller no longer waiting")
	// ErrIntensity is wrapped by the exit reason of a supervisor whose
	// children restarted more often than its intensity allows.
	ErrIntensity = errors.New("actor: restart intensity exceeded")
)

// Killed is the exit reason of an actor stopped by Kill. It is also the
// value the runtime panics with inside the killed actor to unwind it, so that
// the actor's deferred functions run; an actor must not swallow it with
// recover.
type Killed struct {
	// Reason is the reason given to Kill.
	Reason error
}

// Error returns "killed: " and the reason.
func (k *Killed) Error() string {
	if k.Reason == nil {
		return "killed"
	}
	return "killed: " + k.Reason.Error()
}

// Unwrap returns the reason given to Kill.
func (k *Killed) Unwrap() error { return k.Reason }

// PanicError is the exit reason of an actor whose function panicked.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking goroutine's stack, as runtime/debug.Stack
	// prints it.
	Stack string
}

// Error returns "panic: " and the panic value; the stack is in Stack.
func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the panic value when it is an error (a runtime.Error for
// a nil dereference or an index out of range, for instance).
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// ExitError reports that an actor has exited, and why. errors.Is(err,
// ErrExited) holds for it, and errors.Is/As also reach its Reason.
type ExitError struct {
	// Ref is the actor that exited.
	Ref Ref
	// Reason is its exit reason; nil for a normal return.
	Reason error
}

// Error names the actor and its exit reason.
func (e *ExitError) Error() string {
	if e.Reason == nil {
		return fmt.Sprintf("actor %v exited", e.Ref)
	}
	return fmt.Sprintf("actor %v exited: %v", e.Ref, e.Reason)
}

// Is makes errors.Is(err, ErrExited) true.
func (e *ExitError) Is(target error) bool { return target == ErrExited }

// Unwrap returns the exit reason.
func (e *ExitError) Unwrap() error { return e.Reason }

// IsNormal reports whether an exit reason is a normal one: nil (the function
// returned nil), or an error wrapping ErrShutdown (the actor was asked to
// stop) or ErrClosed (it ran to the end of its input). Links do not
// propagate normal exits and transient children are not restarted after
// them.
func IsNormal(reason error) bool {
	return reason == nil || errors.Is(reason, ErrShutdown) || errors.Is(reason, ErrClosed)
}
