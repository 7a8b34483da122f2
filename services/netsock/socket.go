package netsock

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"clk/abi"
	"clk/sdk"
)

// Directions of a socket's deadlines.
const (
	dirRead  = 0 // NetAccept, NetRead, NetRecvFrom
	dirWrite = 1 // NetWrite, NetSendTo
)

// socket is one socket of a client: a TCP socket before it listens or
// connects, a listener, a connection, or a UDP socket.
//
// Lock order: client.mu < socket.mu. No call of the stack that waits
// (Accept, Read, Write, DialTCP) is made with mu held: close takes mu to
// end them.
type socket struct {
	svc  *Service
	kind uint32          // abi.NetTCP or abi.NetUDP
	wg   *sync.WaitGroup // the client's, which a listener's accept loop joins
	// closed is closed by close, once.
	closed    chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	bound    *netip.AddrPort    // TCP: NetBind's address, for NetListen
	ln       net.Listener       // a listening TCP socket's
	accepted chan net.Conn      // the accept loop's connections; closed when it ends
	lnErr    error              // why the accept loop ended
	conn     net.Conn           // a TCP connection's
	dialing  context.CancelFunc // ends a NetConnect in progress
	pc       net.PacketConn     // a bound UDP socket's
	peer     *netip.AddrPort    // a connected UDP socket's
	noDelay  bool               // TCP_NODELAY, applied to conn
	keep     bool               // SO_KEEPALIVE, applied to conn
	dl       [2]deadline        // by direction
}

// deadline is one of a socket's deadlines, as the client last set it.
type deadline struct {
	raw uint64    // the monotonic clock's, as the protocol carries it
	seq uint32    // the client's count of its changes
	at  time.Time // raw by this process's clock; zero for none
	// changed is closed, and replaced, when the deadline changes: it
	// wakes a NetAccept that waits for the old one.
	changed chan struct{}
}

func newSocket(svc *Service, kind uint32, wg *sync.WaitGroup) *socket {
	s := &socket{svc: svc, kind: kind, wg: wg, closed: make(chan struct{}), noDelay: true, keep: true}
	for d := range s.dl {
		s.dl[d] = deadline{raw: abi.DeadlineNever, changed: make(chan struct{})}
	}
	return s
}

// newConnSocket returns the socket of a connection a listener accepted.
func newConnSocket(svc *Service, conn net.Conn, wg *sync.WaitGroup) *socket {
	s := newSocket(svc, abi.NetTCP, wg)
	s.conn = conn
	s.applyOptions()
	return s
}

// isClosed reports whether close was called.
func (s *socket) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// close ends the socket and every call in progress on it.
func (s *socket) close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.dialing != nil {
			s.dialing()
		}
		if s.ln != nil {
			s.ln.Close()
		}
		if s.conn != nil {
			s.conn.Close()
		}
		if s.pc != nil {
			s.pc.Close()
		}
	})
}

// failure returns the status of err, which a call on the socket returned:
// EBADF once the socket is closed, whatever the stack said.
func (s *socket) failure(err error) uint32 {
	if s.isClosed() {
		return errBADF
	}
	return errnoOf(err)
}

// setDeadline takes the client's deadline raw for direction d when seq is
// not older than the one held, and applies it to what the socket holds.
func (s *socket) setDeadline(d int, raw uint64, seq uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dl := &s.dl[d]
	if seq < dl.seq || (seq == dl.seq && raw == dl.raw) {
		return
	}
	dl.seq = seq
	if raw == dl.raw {
		return
	}
	dl.raw, dl.at = raw, s.svc.timeOf(raw)
	close(dl.changed)
	dl.changed = make(chan struct{})
	s.applyDeadlines()
}

// timeOf turns a deadline of the monotonic clock into a time of this
// process's clock; the zero time for DeadlineNever. A deadline the clock
// cannot place has passed.
func (svc *Service) timeOf(raw uint64) time.Time {
	if raw == abi.DeadlineNever {
		return time.Time{}
	}
	now, err := sdk.Monotonic()
	if err != nil || raw < uint64(now) {
		return time.Now().Add(-time.Nanosecond)
	}
	left := raw - uint64(now)
	if left > uint64(100*365*24*time.Hour) {
		return time.Time{}
	}
	return time.Now().Add(time.Duration(left))
}

// applyDeadlines gives the connection or packet connection the socket's
// deadlines.
//
// Preconditions: s.mu is held.
func (s *socket) applyDeadlines() {
	if s.conn != nil {
		s.conn.SetReadDeadline(s.dl[dirRead].at)
		s.conn.SetWriteDeadline(s.dl[dirWrite].at)
	}
	if s.pc != nil {
		s.pc.SetReadDeadline(s.dl[dirRead].at)
		s.pc.SetWriteDeadline(s.dl[dirWrite].at)
	}
}

// expired reports whether direction d's deadline has passed.
func (s *socket) expired(d int) bool {
	s.mu.Lock()
	at := s.dl[d].at
	s.mu.Unlock()
	return !at.IsZero() && !time.Now().Before(at)
}

// applyOptions gives the connection the socket's options, when it takes
// them, and its deadlines.
//
// Preconditions: s.mu is held, or s is not yet shared.
func (s *socket) applyOptions() {
	if c, ok := s.conn.(interface{ SetNoDelay(bool) error }); ok {
		c.SetNoDelay(s.noDelay)
	}
	if c, ok := s.conn.(interface{ SetKeepAlive(bool) error }); ok {
		c.SetKeepAlive(s.keep)
	}
	s.applyDeadlines()
}

// bind handles NetBind.
func (s *socket) bind(a abi.NetAddr) (abi.NetAddr, uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ap := addrPort(a)
	if s.kind == abi.NetTCP {
		if s.bound != nil || s.ln != nil || s.conn != nil || s.dialing != nil {
			return abi.NetAddr{}, errINVAL
		}
		s.bound = &ap
		return a, 0
	}
	if s.pc != nil {
		return abi.NetAddr{}, errINVAL
	}
	return s.openUDP(ap)
}

// openUDP opens the UDP socket at ap.
//
// Preconditions: s.mu is held; s.pc is nil.
func (s *socket) openUDP(ap netip.AddrPort) (abi.NetAddr, uint32) {
	if s.isClosed() {
		return abi.NetAddr{}, errBADF
	}
	pc, err := s.svc.stack.ListenUDP(ap)
	if err != nil {
		return abi.NetAddr{}, errnoOf(err)
	}
	s.pc = pc
	s.applyDeadlines()
	return addrOf(pc.LocalAddr()), 0
}

// listen handles NetListen: it opens the listener and starts the loop
// that accepts its connections one at a time, so that NetAccept can wait
// for one with a deadline that may change, whatever the stack's listener
// offers. The stack keeps the others in its backlog.
func (s *socket) listen() (abi.NetAddr, uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != abi.NetTCP || s.ln != nil || s.conn != nil || s.dialing != nil {
		return abi.NetAddr{}, errINVAL
	}
	if s.isClosed() {
		return abi.NetAddr{}, errBADF
	}
	ap := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	if s.bound != nil {
		ap = *s.bound
	}
	ln, err := s.svc.stack.ListenTCP(ap)
	if err != nil {
		return abi.NetAddr{}, errnoOf(err)
	}
	s.ln, s.accepted = ln, make(chan net.Conn)
	s.wg.Add(1)
	go s.acceptLoop(ln, s.accepted)
	return addrOf(ln.Addr()), 0
}

// acceptLoop hands the listener's connections to NetAccept until the
// listener fails or closes.
func (s *socket) acceptLoop(ln net.Listener, accepted chan<- net.Conn) {
	defer s.wg.Done()
	defer close(accepted)
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			s.lnErr = err
			s.mu.Unlock()
			return
		}
		select {
		case accepted <- c:
		case <-s.closed:
			c.Close()
			return
		}
	}
}

// accept handles NetAccept: it waits for a connection until the read
// deadline, which may change meanwhile, passes.
func (s *socket) accept() (net.Conn, uint32) {
	for {
		s.mu.Lock()
		accepted, dl := s.accepted, s.dl[dirRead]
		s.mu.Unlock()
		if accepted == nil {
			return nil, errINVAL
		}
		var timeout <-chan time.Time
		if !dl.at.IsZero() {
			left := time.Until(dl.at)
			if left <= 0 {
				return nil, errAGAIN
			}
			t := time.NewTimer(left)
			timeout = t.C
			defer t.Stop()
		}
		select {
		case c, ok := <-accepted:
			if ok {
				return c, 0
			}
			if s.isClosed() {
				return nil, errBADF
			}
			s.mu.Lock()
			lnErr := s.lnErr
			s.mu.Unlock()
			return nil, errnoOf(lnErr)
		case <-timeout:
			return nil, errAGAIN
		case <-dl.changed:
			// Wait again, for the new deadline.
		case <-s.closed:
			return nil, errBADF
		}
	}
}

// connect handles NetConnect: a TCP connection to a, or a UDP socket's
// peer.
func (s *socket) connect(a abi.NetAddr, raw uint64) (local, peer abi.NetAddr, e uint32) {
	ap := addrPort(a)
	s.mu.Lock()
	if s.kind == abi.NetUDP {
		defer s.mu.Unlock()
		if s.peer != nil {
			return local, peer, errISCONN
		}
		if s.pc == nil {
			if _, e := s.openUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), 0)); e != 0 {
				return local, peer, e
			}
		}
		s.peer = &ap
		return addrOf(s.pc.LocalAddr()), a, 0
	}
	switch {
	case s.conn != nil:
		e = errISCONN
	case s.dialing != nil:
		e = errALREADY
	case s.ln != nil:
		e = errINVAL
	case s.bound != nil:
		e = errOPNOTSUPP
	case s.isClosed():
		e = errBADF
	}
	if e != 0 {
		s.mu.Unlock()
		return local, peer, e
	}
	ctx, cancel := context.WithCancel(context.Background())
	if raw != abi.DeadlineNever {
		ctx, cancel = context.WithDeadline(ctx, s.svc.timeOf(raw))
	}
	s.dialing = cancel
	s.mu.Unlock()

	conn, err := s.svc.stack.DialTCP(ctx, ap)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.dialing = nil
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	cancel()
	switch {
	case s.isClosed():
		if conn != nil {
			conn.Close()
		}
		return local, peer, errBADF
	case err != nil && timedOut:
		return local, peer, errTIMEDOUT
	case err != nil:
		return local, peer, errnoOf(err)
	}
	s.conn = conn
	s.applyOptions()
	return addrOf(conn.LocalAddr()), addrOf(conn.RemoteAddr()), 0
}

// read handles NetRead and NetRecvFrom: bytes of a connection, or one
// datagram (from the peer, on a connected UDP socket).
func (s *socket) read(p []byte, from bool) (int, abi.NetAddr, uint32) {
	s.mu.Lock()
	conn, pc, peer, listening := s.conn, s.pc, s.peer, s.ln != nil
	s.mu.Unlock()
	switch {
	case pc != nil:
	case from || listening:
		return 0, abi.NetAddr{}, errINVAL
	case conn == nil:
		return 0, abi.NetAddr{}, errNOTCONN
	}
	if s.expired(dirRead) {
		return 0, abi.NetAddr{}, errAGAIN
	}
	for conn != nil {
		n, err := conn.Read(p)
		switch {
		case n > 0 || err == io.EOF:
			return n, abi.NetAddr{}, 0
		case err != nil:
			return 0, abi.NetAddr{}, s.failure(err)
		}
		// Nothing and no error, which io.Reader allows: again.
	}
	for {
		n, src, err := pc.ReadFrom(p)
		if err != nil {
			return 0, abi.NetAddr{}, s.failure(err)
		}
		a := addrOf(src)
		if peer != nil && addrPort(a) != *peer {
			continue
		}
		return n, a, 0
	}
}

// write handles NetWrite (to nil) and NetSendTo.
func (s *socket) write(p []byte, to *abi.NetAddr) (int, uint32) {
	s.mu.Lock()
	conn, pc, peer, listening := s.conn, s.pc, s.peer, s.ln != nil
	if to != nil && s.kind == abi.NetUDP && pc == nil && peer == nil {
		// sendto(2) binds a socket that is not yet.
		if _, e := s.openUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), 0)); e != 0 {
			s.mu.Unlock()
			return 0, e
		}
		pc = s.pc
	}
	s.mu.Unlock()
	var dst netip.AddrPort
	switch {
	case listening || (to != nil && s.kind == abi.NetTCP):
		return 0, errINVAL
	case to != nil && peer != nil:
		return 0, errISCONN
	case to != nil:
		dst = addrPort(*to)
	case peer != nil:
		dst = *peer
	case conn == nil:
		return 0, errNOTCONN
	}
	if s.expired(dirWrite) {
		return 0, errAGAIN
	}
	var n int
	var err error
	if conn != nil {
		n, err = conn.Write(p)
	} else {
		n, err = pc.WriteTo(p, net.UDPAddrFromAddrPort(dst))
	}
	if err != nil {
		return n, s.failure(err)
	}
	return n, 0
}

// shutdown handles NetShutdown.
func (s *socket) shutdown(how uint32) uint32 {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if how > abi.NetShutBoth {
		return errINVAL
	}
	if conn == nil {
		return errNOTCONN
	}
	var steps []func() error
	if how == abi.NetShutRead || how == abi.NetShutBoth {
		c, ok := conn.(interface{ CloseRead() error })
		if !ok {
			return errOPNOTSUPP
		}
		steps = append(steps, c.CloseRead)
	}
	if how == abi.NetShutWrite || how == abi.NetShutBoth {
		c, ok := conn.(interface{ CloseWrite() error })
		if !ok {
			return errOPNOTSUPP
		}
		steps = append(steps, c.CloseWrite)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return s.failure(err)
		}
	}
	return 0
}

// setOption handles NetSetOption.
func (s *socket) setOption(opt, value uint32) uint32 {
	if value > 1 {
		return errINVAL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case opt == abi.NetOptReuseAddr:
		return 0
	case opt == abi.NetOptNoDelay && s.kind == abi.NetTCP:
		s.noDelay = value == 1
	case opt == abi.NetOptKeepAlive && s.kind == abi.NetTCP:
		s.keep = value == 1
	default:
		return errNOPROTOOPT
	}
	if s.conn != nil {
		s.applyOptions()
	}
	return 0
}
