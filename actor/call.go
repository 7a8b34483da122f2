package actor

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Request is what Recv returns for a message sent with Call. The receiver
// answers it with Context.Reply; the caller waits for that answer.
type Request struct {
	// Msg is the caller's message (a copy).
	Msg any
	// From is the calling actor, or the zero Ref when the caller is not an
	// actor.
	From Ref

	reply chan any     // buffered, one answer
	state atomic.Int32 // requestWaiting, requestAnswered or requestAbandoned
}

// replyChans recycles the one-slot channels requests are answered on.
var replyChans = sync.Pool{New: func() any { return make(chan any, 1) }}

const (
	requestWaiting int32 = iota
	requestAnswered
	requestAbandoned
)

// Call sends req to the actor to and waits for its reply, for at most
// timeout (no limit when timeout <= 0). It returns the reply; a reply that
// is a non-nil error value is returned as the error instead. It fails with
// ErrTimeout, with an *ExitError (ErrExited) if to exits before replying, or
// with the errors of Send.
func Call(to Ref, req any, timeout time.Duration) (any, error) {
	return call(to, req, timeout, nil)
}

// Call is the package's Call made by this actor: the request's From is
// Self, it counts in Out, and the wait ends when this actor is asked to
// stop (ErrShutdown) or killed.
func (c *Context) Call(to Ref, req any, timeout time.Duration) (any, error) {
	c.a.markReady()
	return call(to, req, timeout, c.a)
}

func call(to Ref, msg any, timeout time.Duration, self *actor) (any, error) {
	b := to.a
	if b == nil {
		return nil, fmt.Errorf("call: %w", ErrNoActor)
	}
	if b == self {
		return nil, fmt.Errorf("call %v: an actor cannot call itself", to)
	}
	m, err := copyMessage(msg)
	if err != nil {
		return nil, fmt.Errorf("call %v: %w", to, err)
	}
	reply := replyChans.Get().(chan any)
	// Once call returns the channel is empty and nothing will send on it
	// (Reply sends only on the request's first answer, which call took,
	// or not at all once call abandoned the request).
	defer replyChans.Put(reply)
	r := &Request{Msg: m, reply: reply}
	if self != nil {
		r.From = Ref{self}
	}
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	w := waiter{self: self, timeout: timer}
	// The request itself is not copied: it is the runtime's own record.
	if err := sendCopied(to, r, w); err != nil {
		return nil, err
	}
	if self != nil {
		self.out.Add(1)
	}
	var stop <-chan struct{}
	if self != nil {
		stop = self.stop
		self.block(Sending)
		defer self.unblock()
	}
	select {
	case v := <-r.reply:
		return replyValue(v)
	case <-b.done:
		if v, ok := r.abandon(); ok {
			return replyValue(v)
		}
		return nil, fmt.Errorf("call %v: %w", to, &ExitError{Ref: to, Reason: b.exitReason()})
	case <-timer:
		if v, ok := r.abandon(); ok {
			return replyValue(v)
		}
		return nil, fmt.Errorf("call %v: %w", to, ErrTimeout)
	case <-stop:
		if v, ok := r.abandon(); ok {
			return replyValue(v)
		}
		return nil, self.stopped()
	}
}

// abandon marks r as no longer awaited, unless it was answered meanwhile:
// then it returns the answer, which Reply is about to put or has put.
func (r *Request) abandon() (any, bool) {
	if r.state.CompareAndSwap(requestWaiting, requestAbandoned) {
		return nil, false
	}
	return <-r.reply, true
}

func replyValue(v any) (any, error) {
	if err, ok := v.(error); ok && err != nil {
		return nil, err
	}
	return v, nil
}

// Reply answers a request received by this actor. The reply is copied as a
// message is. Answering twice fails with ErrReplied; answering a caller that
// stopped waiting fails with ErrNoCaller.
func (c *Context) Reply(req *Request, v any) error {
	m, err := copyMessage(v)
	if err != nil {
		return fmt.Errorf("reply to %v: %w", req.From, err)
	}
	if !req.state.CompareAndSwap(requestWaiting, requestAnswered) {
		if req.state.Load() == requestAnswered {
			return fmt.Errorf("reply to %v: %w", req.From, ErrReplied)
		}
		return fmt.Errorf("reply to %v: %w", req.From, ErrNoCaller)
	}
	req.reply <- m
	c.a.out.Add(1)
	return nil
}
