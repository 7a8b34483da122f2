package ipc

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/limit"
	"clk/kernel/wait"
)

// Message is what travels over a channel: a type id from the channel's
// schema, a transaction id (0 for a one-way message; channel_call sets it
// and the reply carries it back), bytes and capabilities. Capabilities in
// a queued message belong to the channel; the reader receives them.
type Message struct {
	Type uint32
	Txid uint32
	Data []byte
	Caps []*cap.Cap

	// charged is the account the message's cost is counted against while
	// it waits in a queue (the sender's), and cost what it is charged.
	charged *limit.Account
	cost    int64
}

// messageOverhead is what a queued message costs beyond its data and
// handles: the Message and its slice headers, rounded up.
const messageOverhead = 96

// messageCost is what a queued message of n data bytes and h handles is
// charged to its sender.
func messageCost(n, h int) int64 { return int64(n) + 8*int64(h) + messageOverhead }

// uncharge gives the message's cost back to its sender's account, once:
// the message has left the queue.
func (m *Message) uncharge() {
	m.charged.Uncharge(limit.Memory, m.cost)
	m.charged, m.cost = nil, 0
}

// closeCaps drops the capabilities a message carried.
func (m *Message) closeCaps() {
	m.uncharge()
	for _, c := range m.Caps {
		c.Close()
	}
	m.Caps = nil
}

// channel is the state two endpoints share.
type channel struct {
	mu     sync.Mutex
	schema *Schema
	depth  int
	ends   [2]*Endpoint
}

// Endpoint is one end of a channel: what a handle of type abi.TypeChannel
// refers to. Writing to it queues a message on the peer; reading takes
// one from its own queue. It raises abi.Readable when its queue holds a
// message, abi.Writable when the peer's queue has room, and
// abi.PeerClosed when the peer is gone.
type Endpoint struct {
	wait.Source
	ch   *channel
	side int

	// Guarded by ch.mu.
	queue    []Message
	reserved int  // slots promised to writers that are taking their handles
	closed   bool // the last handle to this endpoint is gone
	pending  map[uint32]chan Message
	nextTxid uint32
	journal  *journal            // see StartJournal
	drop     map[uint32]struct{} // replies to drop, see Rewind

	// carried counts the channel endpoints inside the messages of queue
	// and inside the replies handed to e's calls that have not yet reached
	// their callers' tables (see landed). It rises only under transferMu
	// and ch.mu, and is read without ch.mu by writers that hold transferMu
	// (see checkCargo).
	carried atomic.Int32
}

// transferMu serialises the writes whose messages carry handles, from the
// check of their cargo to the message's arrival in a queue. Only such
// writes make one endpoint travel inside another's queue; with them in
// order, the rule that an endpoint whose queue carries endpoints never
// travels (ErrCarrier) admits no cycle of endpoints in flight: the write
// that would close a cycle sends an endpoint whose queue already holds the
// cycle's previous endpoint. It is taken before any other lock of this
// package or of cap (see the package documentation's lock order).
var transferMu sync.Mutex

// endpointsIn counts the channel endpoints among caps.
func endpointsIn(caps []*cap.Cap) int32 {
	var n int32
	for _, c := range caps {
		if _, ok := c.Object().(*Endpoint); ok {
			n++
		}
	}
	return n
}

// enqueue appends m to e's queue.
// Preconditions: e.ch.mu is held.
func (e *Endpoint) enqueue(m Message) {
	e.queue = append(e.queue, Message{})
	e.enqueueAt(len(e.queue)-1, m)
}

// enqueueAt stores m in the empty slot i of e's queue.
// Preconditions: e.ch.mu is held.
func (e *Endpoint) enqueueAt(i int, m Message) {
	e.queue[i] = m
	if n := endpointsIn(m.Caps); n > 0 {
		e.carried.Add(n)
	}
}

// dequeue removes and returns the head of e's queue.
// Preconditions: e.ch.mu is held and the queue is not empty.
func (e *Endpoint) dequeue() Message {
	m := e.queue[0]
	e.queue[0] = Message{}
	e.queue = e.queue[1:]
	if n := endpointsIn(m.Caps); n > 0 {
		e.carried.Add(-n)
	}
	m.uncharge()
	return m
}

// NewChannel returns the two endpoints of a new channel whose messages
// must match schema, each with a queue of depth messages (0 for
// abi.DefaultQueue).
func NewChannel(schema *Schema, depth int) (*Endpoint, *Endpoint, error) {
	if schema == nil {
		return nil, nil, fmt.Errorf("new channel: no schema: %w", ErrBadSchema)
	}
	if depth == 0 {
		depth = abi.DefaultQueue
	}
	if depth < 0 || depth > abi.MaxQueue {
		return nil, nil, fmt.Errorf("new channel: queue of %d, want 1 to %d: %w", depth, abi.MaxQueue, cap.ErrInvalid)
	}
	ch := &channel{schema: schema, depth: depth}
	for i := range ch.ends {
		ch.ends[i] = &Endpoint{ch: ch, side: i}
	}
	ch.mu.Lock()
	ch.refresh()
	ch.mu.Unlock()
	return ch.ends[0], ch.ends[1], nil
}

// Type returns abi.TypeChannel.
func (e *Endpoint) Type() abi.ObjectType { return abi.TypeChannel }

// Schema returns the channel's schema.
func (e *Endpoint) Schema() *Schema { return e.ch.schema }

func (e *Endpoint) peer() *Endpoint { return e.ch.ends[1-e.side] }

// refresh recomputes both endpoints' signals.
// Preconditions: ch.mu is held.
func (ch *channel) refresh() {
	for _, e := range ch.ends {
		p := e.peer()
		var s abi.Signals
		held := e.heldBack()
		if len(e.queue) > 0 && !held {
			s |= abi.Readable
		}
		// A closed endpoint has no handles left, but a goroutine may still
		// block on it from a syscall that looked it up before the close:
		// PeerClosed wakes it, and it then sees e.closed. A queue held
		// back by a journal is not over yet: the peer's end waits too.
		if (p.closed && !held) || e.closed {
			s |= abi.PeerClosed
		} else if len(p.queue)+p.reserved < ch.depth {
			s |= abi.Writable
		}
		e.Update(abi.AllSignals, s)
	}
}

// Release runs when the last capability to the endpoint is gone: the peer
// sees abi.PeerClosed, queued messages are dropped with their handles,
// and every call waiting on the channel ends with ErrPeerClosed.
func (e *Endpoint) Release() {
	ch := e.ch
	ch.mu.Lock()
	e.closed = true
	dropped := e.queue
	e.queue = nil
	for i := range dropped {
		if n := endpointsIn(dropped[i].Caps); n > 0 {
			e.carried.Add(-n)
		}
	}
	for _, x := range ch.ends {
		for id, c := range x.pending {
			close(c)
			delete(x.pending, id)
		}
	}
	ch.refresh()
	ch.mu.Unlock()
	for i := range dropped {
		dropped[i].closeCaps()
	}
}

// reserve waits until the peer's queue has room and holds a slot in it.
// Preconditions: ch.mu is not held.
func (e *Endpoint) reserve(deadline time.Time, block bool, stop <-chan struct{}) error {
	ch := e.ch
	for {
		ch.mu.Lock()
		p := e.peer()
		if p.closed {
			ch.mu.Unlock()
			return ErrPeerClosed
		}
		if e.closed {
			ch.mu.Unlock()
			return cap.ErrClosed
		}
		if len(p.queue)+p.reserved < ch.depth {
			p.reserved++
			ch.refresh()
			ch.mu.Unlock()
			return nil
		}
		ch.mu.Unlock()
		if !block {
			return ErrQueueFull
		}
		items := [1]wait.Item{{Source: &e.Source, Want: abi.Writable | abi.PeerClosed}}
		if _, err := wait.ManyUntil(items[:], deadline, stop); err != nil {
			return err
		}
	}
}

// unreserve gives back a slot reserve took.
func (e *Endpoint) unreserve() {
	e.ch.mu.Lock()
	e.peer().reserved--
	e.ch.refresh()
	e.ch.mu.Unlock()
}

// commit queues m on the peer in the slot reserve took, or hands it to
// the call waiting for its transaction id. A reply handed to a call counts
// in the peer's carried until the call's caller has it (landed) or it
// goes back to the queue (unread): while it travels, the peer must not.
// When the peer closed meanwhile the message is dropped with its handles,
// and so is a reply Rewind said to drop.
func (e *Endpoint) commit(m Message) {
	ch := e.ch
	ch.mu.Lock()
	p := e.peer()
	p.reserved--
	if p.closed || (m.Txid != 0 && e.answer(m.Txid)) {
		ch.refresh()
		ch.mu.Unlock()
		m.closeCaps()
		return
	}
	if w, ok := p.pending[m.Txid]; ok && m.Txid != 0 {
		delete(p.pending, m.Txid)
		m.uncharge()
		if n := endpointsIn(m.Caps); n > 0 {
			p.carried.Add(n)
		}
		w <- m
	} else {
		p.enqueue(m)
	}
	ch.refresh()
	ch.mu.Unlock()
}

// Write sends m to the peer. The message is checked against the schema
// first; a refused message is never queued. When the peer's queue is full
// Write waits for room until deadline (wait.Forever: no limit), or fails
// at once with ErrQueueFull when block is false. On success the channel
// owns m.Caps; on error the caller still does. m.Data is copied.
func (e *Endpoint) Write(m Message, deadline time.Time, block bool) error {
	if err := e.ch.schema.CheckShape(m.Type, len(m.Data), len(m.Caps)); err != nil {
		return fmt.Errorf("channel write: %w", err)
	}
	if err := e.reserve(deadline, block, nil); err != nil {
		return fmt.Errorf("channel write: %w", err)
	}
	if len(m.Caps) > 0 {
		transferMu.Lock()
		defer transferMu.Unlock()
	}
	for i, c := range m.Caps {
		if err := e.checkCargo(m.Type, i, c); err != nil {
			e.unreserve()
			return fmt.Errorf("channel write: %w", err)
		}
	}
	m.Data = append([]byte(nil), m.Data...)
	m.Caps = append([]*cap.Cap(nil), m.Caps...)
	e.commit(m)
	return nil
}

// checkCargo refuses c as handle i of a message of type typ when the
// schema does not allow it, when it is an endpoint of this channel, or when
// it is an endpoint whose queue carries endpoints.
// Preconditions: transferMu is held.
func (e *Endpoint) checkCargo(typ uint32, i int, c *cap.Cap) error {
	o := c.Object()
	if o == cap.Object(e) || o == cap.Object(e.peer()) {
		return fmt.Errorf("handle %d: %w", i, ErrSelfTransfer)
	}
	if x, ok := o.(*Endpoint); ok && x.carried.Load() > 0 {
		return fmt.Errorf("handle %d: %w", i, ErrCarrier)
	}
	return e.ch.schema.CheckHandle(typ, i, c)
}

// WriteFrom sends a message whose handles are in the table t: the message
// is checked against the schema, a slot is reserved in the peer's queue
// (waiting as Write does), then the handles move out of t, all or none,
// each needing abi.RightTransfer. A refused message leaves t unchanged.
// data is not copied: on success the message holds it, and the caller must
// not change it afterwards (Write copies instead).
func (e *Endpoint) WriteFrom(t *cap.Table, typ, txid uint32, data []byte, hs []cap.Handle, deadline time.Time, block bool) error {
	return e.writeFrom(t, typ, txid, data, hs, deadline, block, nil)
}

// writeFrom is WriteFrom whose wait for room also ends when stop closes
// (ErrStopped).
func (e *Endpoint) writeFrom(t *cap.Table, typ, txid uint32, data []byte, hs []cap.Handle, deadline time.Time, block bool, stop <-chan struct{}) error {
	if err := e.ch.schema.CheckShape(typ, len(data), len(hs)); err != nil {
		return fmt.Errorf("channel write: %w", err)
	}
	acct, cost := t.Account(), messageCost(len(data), len(hs))
	if err := acct.Charge(limit.Memory, cost); err != nil {
		return fmt.Errorf("channel write: %w", err)
	}
	if err := e.reserve(deadline, block, stop); err != nil {
		acct.Uncharge(limit.Memory, cost)
		return fmt.Errorf("channel write: %w", err)
	}
	if len(hs) > 0 {
		transferMu.Lock()
		defer transferMu.Unlock()
	}
	caps, err := t.Take(hs, func(i int, c *cap.Cap) error { return e.checkCargo(typ, i, c) })
	if err != nil {
		e.unreserve()
		acct.Uncharge(limit.Memory, cost)
		return fmt.Errorf("channel write: %w", err)
	}
	e.commit(Message{Type: typ, Txid: txid, Data: data, Caps: caps, charged: acct, cost: cost})
	return nil
}

// Read takes the next message from e's queue, waiting for one until
// deadline, or failing at once with ErrEmpty when block is false. accept,
// when not nil, sees the message first while the channel is locked (it
// must not use the channel); if it returns an error the message stays
// queued and Read returns that error. The caller owns the returned
// message's capabilities. When the queue is empty and the peer is gone,
// Read fails with ErrPeerClosed.
func (e *Endpoint) Read(deadline time.Time, block bool, accept func(m *Message) error) (Message, error) {
	ch := e.ch
	for {
		ch.mu.Lock()
		held := e.heldBack()
		if len(e.queue) > 0 && !held {
			m := &e.queue[0]
			if accept != nil {
				if err := accept(m); err != nil {
					ch.mu.Unlock()
					return Message{}, fmt.Errorf("channel read: %w", err)
				}
			}
			out := e.dequeue()
			e.keep(&out)
			ch.refresh()
			ch.mu.Unlock()
			return out, nil
		}
		closed, peerClosed := e.closed, e.peer().closed && !held
		ch.mu.Unlock()
		if closed {
			return Message{}, fmt.Errorf("channel read: %w", cap.ErrClosed)
		}
		if peerClosed {
			return Message{}, fmt.Errorf("channel read: %w", ErrPeerClosed)
		}
		if !block {
			return Message{}, fmt.Errorf("channel read: %w", ErrEmpty)
		}
		if _, err := wait.One(&e.Source, abi.Readable|abi.PeerClosed, deadline); err != nil {
			return Message{}, fmt.Errorf("channel read: %w", err)
		}
	}
}

// unread puts m, a reply handed to a call of e whose caller could not
// take it (its buffers were too small, its handle table full), back at the
// head of e's queue, where the next Read finds it: the reply stays with
// the caller instead of being lost. Its endpoints are in e.carried since
// commit, so they are not counted again. The queue may exceed its depth by
// the replies put back, at most one per call in progress. When e is closed
// meanwhile the message is dropped with its handles.
func (e *Endpoint) unread(m Message) {
	ch := e.ch
	ch.mu.Lock()
	if e.closed {
		ch.mu.Unlock()
		e.landed(&m)
		m.closeCaps()
		return
	}
	e.queue = append(e.queue, Message{})
	copy(e.queue[1:], e.queue)
	e.queue[0] = m
	ch.refresh()
	ch.mu.Unlock()
}

// landed uncounts from e.carried the endpoints of m, a reply handed to a
// call of e, once the reply is no longer in flight: its caller has its
// handles, or they are being dropped.
func (e *Endpoint) landed(m *Message) {
	if n := endpointsIn(m.Caps); n > 0 {
		e.carried.Add(-n)
	}
}

// Call sends m with a fresh transaction id and waits until deadline for
// the reply carrying the same id, which is handed to this call and never
// queued. Other messages arriving meanwhile stay queued for Read. m's
// capabilities move as in Write; the caller owns the reply's.
func (e *Endpoint) Call(m Message, deadline time.Time) (Message, error) {
	r, err := e.call(deadline, nil, func(txid uint32) error {
		m.Txid = txid
		return e.Write(m, deadline, true)
	})
	if err == nil {
		e.landed(&r)
	}
	return r, err
}

// CallFrom is Call with the request's handles taken from t and its data
// held, as WriteFrom does. Its waits, for room and for the reply, also
// end when stop closes (ErrStopped): a caller whose process ends does not
// wait on. The reply goes to accept, which takes its capabilities (into
// the caller's table) or fails; it runs with no lock of the channel held.
// When accept fails the reply goes back to the head of e's queue, where
// the next Read finds it, and CallFrom returns accept's error. Until
// accept succeeds, e counts the reply's endpoints as carried, as if the
// reply were queued.
func (e *Endpoint) CallFrom(t *cap.Table, typ uint32, data []byte, hs []cap.Handle, deadline time.Time, stop <-chan struct{}, accept func(m *Message) error) error {
	r, err := e.call(deadline, stop, func(txid uint32) error {
		return e.writeFrom(t, typ, txid, data, hs, deadline, true, stop)
	})
	if err != nil {
		return err
	}
	if err := accept(&r); err != nil {
		e.unread(r)
		return fmt.Errorf("channel call: %w", err)
	}
	e.landed(&r)
	return nil
}

func (e *Endpoint) call(deadline time.Time, stop <-chan struct{}, send func(txid uint32) error) (Message, error) {
	ch := e.ch
	reply := make(chan Message, 1)
	ch.mu.Lock()
	if e.pending == nil {
		e.pending = make(map[uint32]chan Message)
	}
	var txid uint32
	for {
		e.nextTxid++
		txid = e.nextTxid
		if _, busy := e.pending[txid]; txid != 0 && !busy {
			break
		}
	}
	e.pending[txid] = reply
	ch.mu.Unlock()

	if err := send(txid); err != nil {
		ch.mu.Lock()
		delete(e.pending, txid)
		ch.mu.Unlock()
		return Message{}, fmt.Errorf("channel call: %w", err)
	}
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case m, ok := <-reply:
		if !ok {
			return Message{}, fmt.Errorf("channel call: %w", ErrPeerClosed)
		}
		return m, nil
	case <-stop:
		ch.mu.Lock()
		if _, still := e.pending[txid]; still {
			delete(e.pending, txid)
			ch.mu.Unlock()
			return Message{}, fmt.Errorf("channel call: %w", ErrStopped)
		}
		ch.mu.Unlock()
		// The reply or the close won the race: drop the reply, whose
		// caller is gone.
		if m, ok := <-reply; ok {
			e.landed(&m)
			m.closeCaps()
		}
		return Message{}, fmt.Errorf("channel call: %w", ErrStopped)
	case <-timeout:
		ch.mu.Lock()
		if _, still := e.pending[txid]; still {
			delete(e.pending, txid)
			ch.mu.Unlock()
			return Message{}, fmt.Errorf("channel call: %w", ErrTimedOut)
		}
		ch.mu.Unlock()
		// The reply or the close won the race: it is in reply already.
		m, ok := <-reply
		if !ok {
			return Message{}, fmt.Errorf("channel call: %w", ErrPeerClosed)
		}
		return m, nil
	}
}
