package shell

import (
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// MailboxDepth is how many batches a stage's mailbox holds. A stage that
// sends to a full mailbox waits: that is the pipeline's back-pressure.
const MailboxDepth = 16

// stage is one running command of a pipeline.
type stage struct {
	id   uint64
	name string
	mbox chan []string // nil for the first stage, which has no input

	stop     chan struct{} // closed by kill
	stopOnce sync.Once
	done     chan struct{} // closed when the command has returned
	inOnce   sync.Once

	in, out atomic.Uint64 // messages
	state   atomic.Value  // string
	busy    atomic.Int64  // nanoseconds not spent waiting for a mailbox
	since   time.Time     // when the current busy stretch began
}

var (
	stagesMu sync.Mutex
	stages   []*stage
	lastID   atomic.Uint64
)

func newStage(name string, hasInput bool) *stage {
	st := &stage{id: lastID.Add(1), name: name, stop: make(chan struct{}), done: make(chan struct{}), since: time.Now()}
	if hasInput {
		st.mbox = make(chan []string, MailboxDepth)
	}
	st.state.Store("running")
	stagesMu.Lock()
	stages = append(stages, st)
	stagesMu.Unlock()
	return st
}

func (st *stage) kill() { st.stopOnce.Do(func() { close(st.stop) }) }

func (st *stage) stopped() error {
	select {
	case <-st.stop:
		return ErrStopped
	default:
		return nil
	}
}

func (st *stage) closeInput() {
	if st.mbox != nil {
		st.inOnce.Do(func() { close(st.mbox) })
	}
}

func (st *stage) finish() {
	close(st.done)
	stagesMu.Lock()
	stages = slices.DeleteFunc(stages, func(x *stage) bool { return x == st })
	stagesMu.Unlock()
}

// waitState marks the start of a wait; the returned func marks its end.
func (st *stage) waitState(s string) func() {
	now := time.Now()
	st.busy.Add(int64(now.Sub(st.since)))
	st.state.Store(s)
	return func() {
		st.since = time.Now()
		st.state.Store("running")
	}
}

// recvBatch takes the next batch from the mailbox.
func (st *stage) recvBatch() ([]string, error) {
	select {
	case b, ok := <-st.mbox:
		if ok {
			st.in.Add(1)
			return b, nil
		}
	default:
	}
	defer st.waitState("receiving")()
	select {
	case b, ok := <-st.mbox:
		if !ok {
			return nil, io.EOF
		}
		st.in.Add(1)
		return b, nil
	case <-st.stop:
		return nil, ErrStopped
	}
}

// sendBatch puts b into next's mailbox, waiting while it is full.
func (st *stage) sendBatch(next *stage, b []string) error {
	select {
	case next.mbox <- b:
		st.out.Add(1)
		return nil
	default:
	}
	defer st.waitState("sending")()
	select {
	case next.mbox <- b:
		st.out.Add(1)
		return nil
	case <-st.stop:
		return ErrStopped
	case <-next.done:
		return ErrStopped
	}
}
