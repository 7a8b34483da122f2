// Package memstack is a network stack in memory, a netsock.Stack for
// tests and for programs that serve sockets to themselves: one host, whose
// listeners every dial reaches by port alone, whatever the address (so
// that 10.0.2.100:8000 reaches a listener on :8000), whose connections are
// net.Pipe's (a write waits for the peer's read; there is no half close),
// and whose UDP sockets lose what their full queues cannot take. A dial to
// BlackholePort waits until its context ends, as one to a host that does
// not answer does.
package memstack

import (
	"context"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// Stack is the stack of one host.
type Stack struct {
	ip netip.Addr // the host's own address, for the ends it makes up

	mu        sync.Mutex
	listeners map[uint16]*memListener
	packets   map[uint16]*memPacketConn
	next      uint16 // the ephemeral port given last
}

// BlackholePort is the port whose dials never connect.
const BlackholePort = 9

// New returns the stack of a host whose address is ip.
func New(ip netip.Addr) *Stack {
	return &Stack{
		ip:        ip,
		listeners: make(map[uint16]*memListener),
		packets:   make(map[uint16]*memPacketConn),
		next:      40000,
	}
}

// port returns a for a's port if it is free in used, or a free ephemeral
// port when it is 0; EADDRINUSE otherwise.
//
// Preconditions: s.mu is held.
func (s *Stack) port(a netip.AddrPort, used func(uint16) bool) (netip.AddrPort, error) {
	p := a.Port()
	if p == 0 {
		for p = s.next + 1; used(p); p++ {
		}
		s.next = p
	} else if used(p) {
		return a, syscall.EADDRINUSE
	}
	ip := a.Addr()
	if ip.IsUnspecified() {
		ip = s.ip
	}
	return netip.AddrPortFrom(ip, p), nil
}

// Listening reports whether a listener of the stack has port.
func (s *Stack) Listening(port uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listeners[port] != nil
}

// ListenTCP opens a listener at a; an unspecified address is the host's.
func (s *Stack) ListenTCP(a netip.AddrPort) (net.Listener, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.port(a, func(p uint16) bool { return s.listeners[p] != nil })
	if err != nil {
		return nil, err
	}
	l := &memListener{s: s, addr: a, conns: make(chan net.Conn, 16), done: make(chan struct{})}
	s.listeners[a.Port()] = l
	return l, nil
}

// DialTCP connects to the listener with a's port, from a port of its own.
func (s *Stack) DialTCP(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
	if a.Port() == BlackholePort {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	s.mu.Lock()
	l := s.listeners[a.Port()]
	local, _ := s.port(netip.AddrPortFrom(s.ip, 0), func(p uint16) bool { return s.listeners[p] != nil })
	s.mu.Unlock()
	if l == nil {
		return nil, syscall.ECONNREFUSED
	}
	mine, theirs := net.Pipe()
	la, ra := net.TCPAddrFromAddrPort(local), net.TCPAddrFromAddrPort(l.addr)
	select {
	case l.conns <- memConn{theirs, ra, la}:
		return memConn{mine, la, ra}, nil
	case <-l.done:
		return nil, syscall.ECONNREFUSED
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ListenUDP opens a UDP socket at a; an unspecified address is the host's.
func (s *Stack) ListenUDP(a netip.AddrPort) (net.PacketConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.port(a, func(p uint16) bool { return s.packets[p] != nil })
	if err != nil {
		return nil, err
	}
	c := &memPacketConn{s: s, addr: a, in: make(chan datagram, 64), done: make(chan struct{}), changed: make(chan struct{})}
	s.packets[a.Port()] = c
	return c, nil
}

// memConn is one end of a pipe, with TCP addresses.
type memConn struct {
	net.Conn
	local, remote net.Addr
}

func (c memConn) LocalAddr() net.Addr  { return c.local }
func (c memConn) RemoteAddr() net.Addr { return c.remote }

type memListener struct {
	s         *Stack
	addr      netip.AddrPort
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.closeOnce.Do(func() {
		close(l.done)
		l.s.mu.Lock()
		delete(l.s.listeners, l.addr.Port())
		l.s.mu.Unlock()
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return net.TCPAddrFromAddrPort(l.addr) }

type datagram struct {
	from netip.AddrPort
	data []byte
}

// memPacketConn is a UDP socket: datagrams to its port go to its queue,
// or are lost when it is full.
type memPacketConn struct {
	s         *Stack
	addr      netip.AddrPort
	in        chan datagram
	done      chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	deadline time.Time
	changed  chan struct{} // closed and replaced when deadline changes
}

func (c *memPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		c.mu.Lock()
		dl, changed := c.deadline, c.changed
		c.mu.Unlock()
		var expired <-chan time.Time
		if !dl.IsZero() {
			t := time.NewTimer(time.Until(dl))
			defer t.Stop()
			expired = t.C
		}
		select {
		case d := <-c.in:
			return copy(p, d.data), net.UDPAddrFromAddrPort(d.from), nil
		case <-c.done:
			return 0, nil, net.ErrClosed
		case <-expired:
			return 0, nil, os.ErrDeadlineExceeded
		case <-changed:
		}
	}
}

func (c *memPacketConn) WriteTo(p []byte, a net.Addr) (int, error) {
	to, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return 0, syscall.EINVAL
	}
	c.s.mu.Lock()
	dst := c.s.packets[to.Port()]
	c.s.mu.Unlock()
	if dst != nil {
		select {
		case dst.in <- datagram{c.addr, append([]byte(nil), p...)}:
		default:
		}
	}
	return len(p), nil
}

func (c *memPacketConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.s.mu.Lock()
		delete(c.s.packets, c.addr.Port())
		c.s.mu.Unlock()
	})
	return nil
}

func (c *memPacketConn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(c.addr) }

func (c *memPacketConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

func (c *memPacketConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	close(c.changed)
	c.changed = make(chan struct{})
	return nil
}

func (c *memPacketConn) SetWriteDeadline(t time.Time) error { return nil }
