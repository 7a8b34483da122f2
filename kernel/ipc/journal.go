package ipc

// A journal lets a reader take messages from an endpoint provisionally:
// while it runs, the endpoint keeps a copy of every message read from it
// and the transaction id of every reply written through it. Rewind then
// undoes the reads: the messages go back to the head of the queue, in the
// order they were read, for another reader, and the replies that reader
// writes to calls already answered are dropped, so that each caller gets
// one reply. EndJournal instead makes the reads stand. The module manager
// uses it to let a new instance serve while the old one waits to take
// over again should the new one die (kernel/module).

// The most a journal holds. When it is full the endpoint holds the rest of
// its queue back from readers (neither Readable nor PeerClosed) until the
// journal ends: a reader never takes a message it could not give back.
// Together they bound what a journal costs the kernel: 256 KiB of data
// and 4096 message headers per endpoint.
const (
	JournalMaxMessages = 4096
	JournalMaxBytes    = 256 << 10
)

// journal is what an endpoint keeps while a journal runs.
type journal struct {
	read     []Message // copies of the messages read, in order, with no handles
	bytes    int
	answered map[uint32]struct{}
}

// full reports whether the journal can take no more messages.
func (j *journal) full() bool {
	return len(j.read) >= JournalMaxMessages || j.bytes >= JournalMaxBytes
}

// StartJournal starts a journal on e, the end of a channel whose messages
// carry no handles (a message with handles is read as usual and not kept;
// its handles could not be given back). It ends an earlier journal as
// EndJournal does, and forgets the replies an earlier Rewind was still
// to drop.
func (e *Endpoint) StartJournal() {
	ch := e.ch
	ch.mu.Lock()
	e.journal = &journal{answered: make(map[uint32]struct{})}
	e.drop = nil
	ch.refresh()
	ch.mu.Unlock()
}

// EndJournal ends e's journal: what was read stays read.
func (e *Endpoint) EndJournal() {
	ch := e.ch
	ch.mu.Lock()
	e.journal = nil
	ch.refresh()
	ch.mu.Unlock()
}

// Rewind ends e's journal by undoing its reads: every message read since
// StartJournal goes back to the head of e's queue, in the order read, and
// a reply written through e later with the transaction id of a reply
// written during the journal is dropped, once per such id. The queue may
// exceed its depth by the messages put back; writers wait until it drains.
// Preconditions: whoever read during the journal reads e no more (its
// capabilities to e are revoked and it has ended), or its reads would race
// with the messages put back.
func (e *Endpoint) Rewind() {
	ch := e.ch
	ch.mu.Lock()
	defer ch.mu.Unlock()
	j := e.journal
	if j == nil {
		return
	}
	e.journal = nil
	if e.closed {
		return
	}
	e.queue = append(j.read, e.queue...)
	if len(j.answered) > 0 {
		e.drop = j.answered
	}
	ch.refresh()
}

// keep records m, just read from e, in e's journal.
// Preconditions: e.ch.mu is held.
func (e *Endpoint) keep(m *Message) {
	j := e.journal
	if j == nil || len(m.Caps) > 0 {
		return
	}
	j.read = append(j.read, Message{Type: m.Type, Txid: m.Txid, Data: append([]byte(nil), m.Data...)})
	j.bytes += len(m.Data)
}

// answer records a reply with transaction id txid written through e, and
// reports whether it is to be dropped, because a reply with that id was
// written during a journal since rewound.
// Preconditions: e.ch.mu is held and txid is not 0.
func (e *Endpoint) answer(txid uint32) (drop bool) {
	if _, ok := e.drop[txid]; ok {
		delete(e.drop, txid)
		if len(e.drop) == 0 {
			e.drop = nil
		}
		return true
	}
	if e.journal != nil {
		e.journal.answered[txid] = struct{}{}
	}
	return false
}

// heldBack reports whether e's journal is full while messages wait in its
// queue: readers must not see them until the journal ends.
// Preconditions: e.ch.mu is held.
func (e *Endpoint) heldBack() bool {
	return e.journal != nil && e.journal.full() && len(e.queue) > 0
}
