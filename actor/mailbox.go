package actor

import "sync"

// mailbox is an actor's bounded queue of messages. Ordinary messages wait
// for room (Send) or are refused (TrySend) when it holds cap of them; system
// messages (Down, Exit) are queued past cap, so that an exit is never lost
// and never blocks the exiting actor. Each monitor and link yields at most
// one system message, which bounds the overshoot.
//
// Waiting is done on channels so that a waiter can also select on its
// actor's stop channel, a timer or a context. The owner, the only
// receiver, waits on bell, a channel of one slot that is rung (without
// blocking) when a message arrives or the state changes while it waits; a
// ring left over from a wait that ended otherwise costs one extra turn of
// the receive loop. Senders take the current sendWake channel under mu and
// block on it; a change that may let them proceed closes it and forgets it.
type mailbox struct {
	mu       sync.Mutex
	buf      []any // ring buffer; grows as needed, past cap only for system messages
	head, n  int
	cap      int
	closed   bool          // Close was called: no more sends, drain then ErrClosed
	exited   error         // set (an *ExitError) when the owner has exited
	bell     chan struct{} // rung when the owner waits and a message arrives or the state changes
	waiting  bool          // the owner waits on bell
	sendWake chan struct{} // closed when room frees or the state changes
}

// initialRing is the ring size a mailbox starts with (at most its
// capacity): most actors never hold many messages.
const initialRing = 8

func newMailbox(capacity int) *mailbox {
	return &mailbox{buf: make([]any, min(capacity, initialRing)), cap: capacity, bell: make(chan struct{}, 1)}
}

// put queues msg. When the mailbox is full and msg is not a system message,
// it returns a channel to wait on before trying again.
func (m *mailbox) put(msg any, system bool) (wait <-chan struct{}, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.exited != nil {
		return nil, m.exited
	}
	if m.closed && !system {
		return nil, ErrClosed
	}
	if m.n >= m.cap && !system {
		if m.sendWake == nil {
			m.sendWake = make(chan struct{})
		}
		return m.sendWake, nil
	}
	if m.n == len(m.buf) {
		m.grow()
	}
	m.buf[(m.head+m.n)%len(m.buf)] = msg
	m.n++
	m.ring()
	return nil, nil
}

// grow doubles the ring, up to cap unless system messages need more.
//
// Preconditions: mu is held and the ring is full.
func (m *mailbox) grow() {
	size := 2*len(m.buf) + 1
	if m.n < m.cap {
		size = min(size, m.cap)
	}
	nb := make([]any, size)
	for i := 0; i < m.n; i++ {
		nb[i] = m.buf[(m.head+i)%len(m.buf)]
	}
	m.buf, m.head = nb, 0
}

// get takes the oldest message. When there is none it returns ErrClosed
// after Close, or else a channel to wait on before trying again.
func (m *mailbox) get() (msg any, wait <-chan struct{}, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == 0 {
		if m.closed {
			return nil, nil, ErrClosed
		}
		m.waiting = true
		return nil, m.bell, nil
	}
	msg = m.buf[m.head]
	m.buf[m.head] = nil
	m.head = (m.head + 1) % len(m.buf)
	m.n--
	if m.sendWake != nil {
		close(m.sendWake)
		m.sendWake = nil
	}
	return msg, nil, nil
}

// close marks the end of the stream; it reports whether this call closed it.
// A stream closed once stays closed, so a later close succeeds even after
// the owner has exited; only an owner that exited before any close makes
// it fail.
func (m *mailbox) close() (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, nil
	}
	if m.exited != nil {
		return false, m.exited
	}
	m.closed = true
	m.wakeAll()
	return true, nil
}

// exit refuses every later message with reason and drops those queued; it
// returns how many it dropped.
func (m *mailbox) exit(reason error) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	dropped := m.n
	m.exited = reason
	m.buf, m.head, m.n = nil, 0, 0
	m.wakeAll()
	return dropped
}

// Preconditions: mu is held.
func (m *mailbox) wakeAll() {
	m.ring()
	if m.sendWake != nil {
		close(m.sendWake)
		m.sendWake = nil
	}
}

// ring wakes the owner if it waits.
//
// Preconditions: mu is held.
func (m *mailbox) ring() {
	if m.waiting {
		m.waiting = false
		select {
		case m.bell <- struct{}{}:
		default:
		}
	}
}

// depth returns the number of queued messages and whether Close was called.
func (m *mailbox) depth() (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n, m.closed
}
