package netsock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"clk/abi"
	"clk/sdk"
)

// le is the byte order of the protocol.
var le = binary.LittleEndian

// Service lends the sockets of one stack to its clients.
type Service struct {
	stack Stack
	// maxPending is abi.NetMaxPending, which tests lower.
	maxPending int32
	// Log, if not nil, gets a line for each failure of the service
	// itself (not of a client's request).
	Log io.Writer
	// clients counts the clients ServeControl serves.
	clients sync.WaitGroup
}

// New returns the service of stack.
func New(stack Stack) *Service { return &Service{stack: stack, maxPending: abi.NetMaxPending} }

func (s *Service) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, format+"\n", args...)
	}
}

// ServeControl takes new clients from ctl, serving each on a goroutine of
// its own, until the control channel's peer is gone.
func (s *Service) ServeControl(ctl sdk.Channel) error {
	hs := make([]sdk.Handle, 1)
	for {
		m, err := ctl.Read(nil, hs, sdk.Never)
		if err != nil {
			if errors.Is(err, abi.EPEERCLOSED) {
				return nil
			}
			return fmt.Errorf("netsock: control: %w", err)
		}
		if m.Type != abi.NetConnectClient || len(m.Handles) != 1 {
			for _, h := range m.Handles {
				h.Close()
			}
			continue
		}
		// hs is the next Read's buffer: take the handle now.
		ch := sdk.Channel{Handle: m.Handles[0]}
		s.clients.Add(1)
		go func() {
			defer s.clients.Done()
			s.ServeClient(ch)
		}()
	}
}

// Wait waits until every client ServeControl took has gone.
func (s *Service) Wait() { s.clients.Wait() }

// ServeClient answers one client's requests, each on a goroutine of its
// own, until its channel closes; then it closes the client's sockets,
// waits for the requests still in progress and closes the channel.
func (s *Service) ServeClient(ch sdk.Channel) {
	c := &client{s: s, ch: ch, socks: make(map[uint32]*socket)}
	defer func() {
		c.closeAll()
		c.wg.Wait()
		ch.Close()
	}()
	for {
		in := getBuf()
		m, err := ch.Read(in[:], nil, sdk.Never)
		if err != nil {
			putBuf(in)
			if !errors.Is(err, abi.EPEERCLOSED) {
				s.logf("netsock: client: %v", err)
			}
			return
		}
		counted := !alwaysServed(m.Type)
		if counted && c.pending.Add(1) > s.maxPending {
			c.pending.Add(-1)
			putBuf(in)
			c.reply(m, abi.NetStatus(make([]byte, 0, abi.NetStatusSize), errNOBUFS))
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			out := getBuf()
			c.reply(m, c.answer(m.Type, m.Data, out[:0]))
			putBuf(out)
			putBuf(in)
			if counted {
				c.pending.Add(-1)
			}
		}()
	}
}

// alwaysServed reports whether requests of type typ are served beyond
// abi.NetMaxPending: they do not wait, and a client needs them to end the
// calls that do.
func alwaysServed(typ uint32) bool {
	switch typ {
	case abi.NetClose, abi.NetShutdown, abi.NetSetOption, abi.NetSetDeadline:
		return true
	}
	return false
}

// A msgBuf holds a message: a request while it is served, or a reply,
// which may carry abi.NetMaxIO bytes read from a socket. bufs recycles
// them.
type msgBuf [abi.MaxData]byte

var bufs = sync.Pool{New: func() any { return new(msgBuf) }}

func getBuf() *msgBuf  { return bufs.Get().(*msgBuf) }
func putBuf(b *msgBuf) { bufs.Put(b) }

// client is one channel's state: its sockets by id.
//
// Lock order: client.mu < socket.mu.
type client struct {
	s  *Service
	ch sdk.Channel
	// pending counts the requests in progress that abi.NetMaxPending
	// bounds; wg counts every goroutine of the client: requests and
	// listeners' accept loops.
	pending atomic.Int32
	wg      sync.WaitGroup
	// replyMu is held by the one reply that waits for room.
	replyMu sync.Mutex

	mu     sync.Mutex
	socks  map[uint32]*socket
	next   uint32 // the id given last
	closed bool   // closeAll ran: no socket may join
}

// reply sends the reply to request m, unless the client is gone. When
// the client's queue is full, the replies wait for room one at a time
// (replyMu), so that the others wait parked rather than each in a thread
// of the service's own: a client that asked much at once must not use up
// the service's threads.
func (c *client) reply(m sdk.Message, out []byte) {
	err := c.ch.Reply(m.Txid, m.Type, out, nil, sdk.Now)
	if errors.Is(err, abi.EQUEUEFULL) {
		c.replyMu.Lock()
		err = c.ch.Reply(m.Txid, m.Type, out, nil, sdk.Never)
		c.replyMu.Unlock()
	}
	if err != nil && !errors.Is(err, abi.EPEERCLOSED) {
		c.s.logf("netsock: reply: %v", err)
	}
}

// add gives s an id: one the client has not had while this channel
// lasts, unless 2^32 ids went by. After closeAll it fails with EBADF: a
// request that was still on its way must not leave a socket behind.
func (c *client) add(s *socket) (uint32, uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errBADF
	}
	if len(c.socks) >= abi.NetMaxSockets {
		return 0, errMFILE
	}
	for {
		c.next++
		if _, used := c.socks[c.next]; c.next != 0 && !used {
			break
		}
	}
	c.socks[c.next] = s
	return c.next, 0
}

// socket returns the socket id names, or nil.
func (c *client) socket(id uint32) *socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.socks[id]
}

// remove takes the socket id names from the client and returns it.
func (c *client) remove(id uint32) *socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.socks[id]
	delete(c.socks, id)
	return s
}

// closeAll closes every socket of the client.
func (c *client) closeAll() {
	c.mu.Lock()
	socks := c.socks
	c.socks, c.closed = make(map[uint32]*socket), true
	c.mu.Unlock()
	for _, s := range socks {
		s.close()
	}
}

// answer returns the reply to a request, appended to out, which has room
// for abi.MaxData bytes.
func (c *client) answer(typ uint32, req, out []byte) []byte {
	fail := func(e uint32) []byte { return abi.NetStatus(out[:0], e) }
	r, ok := abi.UnmarshalNetRequest(req)
	if !ok {
		return fail(errINVAL)
	}
	body := req[abi.NetRequestSize:]
	if typ == abi.NetSocket {
		if r.Arg != abi.NetTCP && r.Arg != abi.NetUDP {
			return fail(errPROTONOSUPPORT)
		}
		ns := newSocket(c.s, r.Arg, &c.wg)
		id, e := c.add(ns)
		if e != 0 {
			ns.close()
			return fail(e)
		}
		return le.AppendUint32(le.AppendUint32(abi.NetStatus(out, 0), id), 0)
	}
	if typ == abi.NetClose {
		s := c.remove(r.ID)
		if s == nil {
			return fail(errBADF)
		}
		s.close()
		return abi.NetStatus(out, 0)
	}
	s := c.socket(r.ID)
	if s == nil {
		return fail(errBADF)
	}
	switch typ {
	case abi.NetBind:
		a, ok := abi.UnmarshalNetAddr(body)
		if !ok {
			return fail(errINVAL)
		}
		local, e := s.bind(a)
		if e != 0 {
			return fail(e)
		}
		return local.Marshal(abi.NetStatus(out, 0))
	case abi.NetListen:
		local, e := s.listen()
		if e != 0 {
			return fail(e)
		}
		return local.Marshal(abi.NetStatus(out, 0))
	case abi.NetAccept:
		s.setDeadline(dirRead, r.Deadline, r.Seq)
		conn, e := s.accept()
		if e != 0 {
			return fail(e)
		}
		ns := newConnSocket(c.s, conn, &c.wg)
		id, e := c.add(ns)
		if e != 0 {
			ns.close()
			return fail(e)
		}
		out = le.AppendUint32(le.AppendUint32(abi.NetStatus(out, 0), id), 0)
		out = addrOf(conn.LocalAddr()).Marshal(out)
		return addrOf(conn.RemoteAddr()).Marshal(out)
	case abi.NetConnect:
		a, ok := abi.UnmarshalNetAddr(body)
		if !ok {
			return fail(errINVAL)
		}
		local, peer, e := s.connect(a, r.Deadline)
		if e != 0 {
			return fail(e)
		}
		return peer.Marshal(local.Marshal(abi.NetStatus(out, 0)))
	case abi.NetRead, abi.NetRecvFrom:
		if r.Arg == 0 || r.Arg > abi.NetMaxIO {
			return fail(errINVAL)
		}
		s.setDeadline(dirRead, r.Deadline, r.Seq)
		out = abi.NetStatus(out, 0)
		head := len(out)
		if typ == abi.NetRecvFrom {
			head += abi.NetAddrSize
		}
		n, from, e := s.read(out[head:head+int(r.Arg)], typ == abi.NetRecvFrom)
		if e != 0 {
			return fail(e)
		}
		if typ == abi.NetRecvFrom {
			from.Marshal(out)
		}
		return out[:head+n]
	case abi.NetWrite, abi.NetSendTo:
		var to *abi.NetAddr
		if typ == abi.NetSendTo {
			a, ok := abi.UnmarshalNetAddr(body)
			if !ok {
				return fail(errINVAL)
			}
			to, body = &a, body[abi.NetAddrSize:]
		}
		if len(body) > abi.NetMaxIO {
			return fail(errINVAL)
		}
		s.setDeadline(dirWrite, r.Deadline, r.Seq)
		n, e := s.write(body, to)
		return le.AppendUint32(le.AppendUint32(abi.NetStatus(out, e), uint32(n)), 0)
	case abi.NetShutdown:
		return abi.NetStatus(out, s.shutdown(r.Arg))
	case abi.NetSetOption:
		return abi.NetStatus(out, s.setOption(r.Arg, r.Value))
	case abi.NetSetDeadline:
		switch r.Arg {
		case abi.NetDeadlineRead:
			s.setDeadline(dirRead, r.Deadline, r.Seq)
		case abi.NetDeadlineWrite:
			s.setDeadline(dirWrite, r.Deadline, r.Seq)
		default:
			return fail(errINVAL)
		}
		return abi.NetStatus(out, 0)
	}
	return fail(errINVAL)
}
