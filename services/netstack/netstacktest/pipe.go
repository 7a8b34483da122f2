package netstacktest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by WriteFrame once either end of the pipe is closed.
var ErrClosed = errors.New("netstacktest: pipe closed")

// MTU is the payload MTU of a pipe's links, Ethernet's and virtio-net's
// default.
const MTU = 1500

// queueFrames is how many frames a link holds for its receiver: as many as
// the largest virtio-net receive queue QEMU offers, and enough that a
// receiver held up for a few milliseconds by the scheduler or the garbage
// collector loses nothing.
const queueFrames = 1024

// fullWait is how long WriteFrame waits for room in a full queue before it
// drops the frame, as a NIC drops what arrives while its receive ring is
// full. Waiting for ever would deadlock two stacks that both deliver and
// send on their receive goroutines while both queues are full.
const fullWait = 20 * time.Millisecond

// ethernetHeader is the length of destination, source and EtherType.
const ethernetHeader = 14

// Link is one end of a Pipe. It implements the Link interface of
// clk/services/netstack.
type Link struct {
	mac  [6]byte
	peer *Link

	// frames carries frames from the peer to this end's receiver.
	frames chan []byte
	// done closes when either end closes; it is shared by both ends.
	done      chan struct{}
	closeOnce *sync.Once
	attach    sync.Once
	delivered chan struct{} // closed when the delivery goroutine ends

	// dropped counts frames written to this end that its peer's full
	// queue did not take.
	dropped atomic.Uint64

	mu     sync.Mutex
	filter func(frame []byte) bool
}

// Pipe returns two connected links with the locally administered MACs
// 02:00:00:00:00:01 and 02:00:00:00:00:02.
func Pipe() (a, b *Link) {
	done := make(chan struct{})
	once := new(sync.Once)
	a = &Link{mac: [6]byte{2, 0, 0, 0, 0, 1}, frames: make(chan []byte, queueFrames), done: done, closeOnce: once, delivered: make(chan struct{})}
	b = &Link{mac: [6]byte{2, 0, 0, 0, 0, 2}, frames: make(chan []byte, queueFrames), done: done, closeOnce: once, delivered: make(chan struct{})}
	a.peer, b.peer = b, a
	return a, b
}

// MAC implements netstack.Link.
func (l *Link) MAC() [6]byte { return l.mac }

// MTU implements netstack.Link.
func (l *Link) MTU() int { return MTU }

// WriteFrame implements netstack.Link: it copies frame to the peer's queue,
// unless the filter drops it. When the queue is full it waits up to
// fullWait for room, then drops the frame and counts it in Dropped.
func (l *Link) WriteFrame(frame []byte) error {
	if len(frame) < ethernetHeader || len(frame) > ethernetHeader+MTU {
		return fmt.Errorf("netstacktest: frame of %d bytes outside [%d, %d]", len(frame), ethernetHeader, ethernetHeader+MTU)
	}
	l.mu.Lock()
	f := l.filter
	l.mu.Unlock()
	if f != nil && !f(frame) {
		return nil
	}
	select {
	case <-l.done:
		return ErrClosed
	default:
	}
	c := append([]byte(nil), frame...)
	select {
	case l.peer.frames <- c:
		return nil
	default:
	}
	full := time.NewTimer(fullWait)
	defer full.Stop()
	select {
	case <-l.done:
		return ErrClosed
	case l.peer.frames <- c:
	case <-full.C:
		l.dropped.Add(1)
	}
	return nil
}

// Dropped is how many frames written to l were lost to a full queue.
func (l *Link) Dropped() uint64 { return l.dropped.Load() }

// SetFilter makes f see every frame written to l before it goes to the
// peer; f returns false to drop the frame. f runs on the writer's goroutine
// and must not keep frame. A nil f passes everything.
func (l *Link) SetFilter(f func(frame []byte) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.filter = f
}

// Attach starts delivering the frames the peer writes to deliver, one at a
// time and in order, on a goroutine of its own, until the pipe is closed.
// Only the first call has an effect.
func (l *Link) Attach(deliver func(frame []byte)) {
	l.attach.Do(func() {
		go func() {
			defer close(l.delivered)
			for {
				select {
				case f := <-l.frames:
					deliver(f)
				case <-l.done:
					return
				}
			}
		}()
	})
}

// Close closes both ends: writes fail with ErrClosed and delivery stops.
// It waits for this end's delivery goroutine, if one was attached, to
// finish the frame it is delivering.
func (l *Link) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	l.attach.Do(func() { close(l.delivered) }) // never attached: nothing to wait for
	<-l.delivered
	return nil
}
