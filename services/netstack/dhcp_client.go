package netstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// Retransmission, RFC 2131 section 4.1: the first wait is Stack.dhcpRetry
// (four seconds), each next one twice as long up to maxDHCPRetry, each
// randomized by a quarter of its length (the RFC's "-1 to +1" seconds on
// the first).
const maxDHCPRetry = 64 * time.Second

// requestTries is how many times a REQUEST is sent before the client gives
// the offer up and starts again with a DISCOVER (RFC 2131 section 3.1,
// step 5).
const requestTries = 4

// minRenewRetry is the shortest wait between REQUESTs while renewing or
// rebinding (RFC 2131 section 4.4.5: half the time left, down to 60 s).
const minRenewRetry = 60 * time.Second

var (
	broadcastServer = netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), dhcpServerPort)

	// errNak: the server refused the REQUEST; the client starts over.
	errNak = errors.New("dhcp: server sent DHCPNAK")
	// errNoReply: a REQUEST went unanswered after every retransmission.
	errNoReply = errors.New("dhcp: no reply")
)

// lease is an address lent by a DHCP server. Its times count from start,
// when the REQUEST that the server acknowledged was sent (RFC 2131
// section 4.4.1).
type lease struct {
	addr    netip.Prefix
	gateway netip.Addr
	dns     []netip.Addr
	server  netip.Addr

	start            time.Time
	duration, t1, t2 time.Duration
	infinite         bool // RFC 2131 section 3.3: 0xffffffff seconds
}

// acquireLease runs the INIT and SELECTING states: broadcast DISCOVER, take
// the first usable OFFER, REQUEST it, and return the acknowledged lease. A
// NAK or an unanswered REQUEST starts over. It gives up with ErrDHCPTimeout
// after Config.DHCPTimeout, and stops when ctx ends or the Stack closes.
func (s *Stack) acquireLease(ctx context.Context) (lease, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.cfg.DHCPTimeout, ErrDHCPTimeout)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()

	// A client without an address sends from 0.0.0.0 (RFC 2131 section
	// 4.1). gVisor picks a source from the interface's addresses, so
	// 0.0.0.0 is one of them until the lease is installed. It is never
	// anything's destination: IPv4 treats 0.0.0.0 as no address.
	unspecified := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: header.IPv4Any.WithPrefix()}
	if err := s.ip.AddProtocolAddress(nicID, unspecified, stack.AddressProperties{}); err != nil {
		return lease{}, fmt.Errorf("netstack: dhcp: add 0.0.0.0: %s", err)
	}
	defer s.ip.RemoveAddress(nicID, header.IPv4Any)

	ep, err := s.openDHCP()
	if err != nil {
		return lease{}, err
	}
	defer ep.close()
	for {
		l, err := s.selectLease(ctx, ep)
		if err == nil {
			return l, nil
		}
		if ctx.Err() != nil {
			return lease{}, s.dhcpStopped(ctx)
		}
		if !errors.Is(err, errNak) && !errors.Is(err, errNoReply) {
			return lease{}, err
		}
	}
}

// dhcpStopped says why ctx ended: Close, Config.DHCPTimeout, or the
// caller's context.
func (s *Stack) dhcpStopped(ctx context.Context) error {
	switch cause := context.Cause(ctx); {
	case s.ctx.Err() != nil:
		return fmt.Errorf("netstack: dhcp: %w", ErrClosed)
	case errors.Is(cause, ErrDHCPTimeout):
		return fmt.Errorf("netstack: dhcp for %s: %w", s.cfg.DHCPTimeout, ErrDHCPTimeout)
	default:
		return fmt.Errorf("netstack: dhcp: %w", ctx.Err())
	}
}

func (s *Stack) selectLease(ctx context.Context, ep *dhcpEndpoint) (lease, error) {
	xid := rand.Uint32()
	offer, err := s.exchange(ctx, ep, s.clientMessage(dhcpDiscover, xid), broadcastServer, 0, func(m *dhcpMessage, _ time.Time) bool {
		return m.msgType == dhcpOffer && usableHost(m.yiaddr) && usableHost(m.serverID)
	})
	if err != nil {
		return lease{}, err
	}
	// RFC 2131 section 4.3.2 and table 5: a REQUEST in SELECTING names
	// the chosen server and the offered address, with ciaddr zero. slirp
	// needs both options.
	req := s.clientMessage(dhcpRequest, xid)
	req.requestedIP = offer.yiaddr
	req.serverID = offer.serverID
	var l lease
	ack, err := s.exchange(ctx, ep, req, broadcastServer, requestTries, func(m *dhcpMessage, sent time.Time) bool {
		if m.serverID != offer.serverID {
			return false
		}
		if m.msgType == dhcpNak {
			return true
		}
		// An ACK without a usable address or lease time is as good as
		// none: the client keeps waiting.
		var ok bool
		l, ok = leaseFrom(m, offer, sent, classfulBits(m.yiaddr))
		return m.msgType == dhcpAck && ok
	})
	if err != nil {
		return lease{}, err
	}
	if ack.msgType == dhcpNak {
		return lease{}, errNak
	}
	return l, nil
}

// keepLease runs the BOUND, RENEWING and REBINDING states (RFC 2131 section
// 4.4.5) for l and its successors until Close. A lease that runs out or
// is refused is removed from the interface, and the client goes back to
// INIT: DISCOVER until some server lends an address.
func (s *Stack) keepLease(l lease) {
	defer s.wg.Done()
	for {
		next, err := s.renew(l)
		if s.ctx.Err() != nil {
			return
		}
		if err != nil {
			s.unconfigure()
			if next, err = s.reacquire(); err != nil {
				return
			}
		}
		if err := s.configure(next.addr, next.gateway, next.dns); err != nil || next.infinite {
			return
		}
		l = next
	}
}

// reacquire runs acquireLease until it succeeds or the Stack closes.
func (s *Stack) reacquire() (lease, error) {
	for {
		l, err := s.acquireLease(s.ctx)
		if err == nil || s.ctx.Err() != nil {
			return l, err
		}
		// Most failures take DHCPTimeout; one that came at once (the
		// port taken, say) must not turn this into a busy loop.
		if !sleepUntil(s.ctx, time.Now().Add(s.dhcpRetry)) {
			return lease{}, ErrClosed
		}
	}
}

// renew waits until T1, then asks l's server to extend the lease
// (RENEWING, unicast) until T2, then any server (REBINDING, broadcast)
// until the lease ends. It returns the extended lease, or errNak or
// errNoReply once l is lost.
func (s *Stack) renew(l lease) (lease, error) {
	if !sleepUntil(s.ctx, l.start.Add(l.t1)) {
		return lease{}, ErrClosed
	}
	end := l.start.Add(l.duration)
	ep, err := s.openDHCP()
	for err != nil {
		// Port 68 taken by a socket of the service's: try again until
		// the lease ends.
		if !sleepUntil(s.ctx, time.Now().Add(time.Second)) {
			return lease{}, ErrClosed
		}
		if time.Now().After(end) {
			return lease{}, errNoReply
		}
		ep, err = s.openDHCP()
	}
	defer ep.close()

	renewTo := broadcastServer
	if l.server.IsValid() {
		renewTo = netip.AddrPortFrom(l.server, dhcpServerPort)
	}
	phases := []struct {
		until time.Time
		dst   netip.AddrPort
	}{
		{l.start.Add(l.t2), renewTo},
		{end, broadcastServer},
	}
	for _, p := range phases {
		for {
			left := time.Until(p.until)
			if left <= 0 {
				break
			}
			// RFC 2131 section 4.3.2 and table 5: ciaddr carries the
			// address; the requested-address and server-identifier options
			// stay out; a new xid for each exchange. With an address the
			// client takes unicast replies, so no broadcast flag.
			req := s.clientMessage(dhcpRequest, rand.Uint32())
			req.ciaddr = l.addr.Addr()
			req.flags = 0
			var next lease
			reply, err := s.ask(s.ctx, ep, req, p.dst, min(left, max(left/2, minRenewRetry)), func(m *dhcpMessage, sent time.Time) bool {
				if m.msgType == dhcpNak {
					return true
				}
				var ok bool
				next, ok = leaseFrom(m, nil, sent, l.addr.Bits())
				return m.msgType == dhcpAck && ok
			})
			if err != nil {
				if s.ctx.Err() != nil {
					return lease{}, ErrClosed
				}
				// The socket failed (no route to the server, say): the
				// next attempt or the next phase may do better.
				if !sleepUntil(s.ctx, time.Now().Add(min(left, time.Second))) {
					return lease{}, ErrClosed
				}
				continue
			}
			switch {
			case reply == nil:
				continue
			case reply.msgType == dhcpNak:
				return lease{}, errNak
			}
			if !next.server.IsValid() {
				next.server = l.server
			}
			return next, nil
		}
	}
	return lease{}, errNoReply
}

// leaseFrom reads a lease from an ACK, taking what the ACK leaves out from
// the OFFER it answers (offer may be nil), and the prefix length from bits
// when neither has a subnet mask. sent is when the acknowledged REQUEST
// left.
func leaseFrom(ack, offer *dhcpMessage, sent time.Time, bits int) (lease, bool) {
	if !usableHost(ack.yiaddr) {
		return lease{}, false
	}
	pick := func(get func(*dhcpMessage) bool) *dhcpMessage {
		if get(ack) || offer == nil {
			return ack
		}
		return offer
	}
	if m := pick(func(m *dhcpMessage) bool { return m.subnetMask.IsValid() }); m.subnetMask.IsValid() {
		bits, _ = maskBits(m.subnetMask)
	}
	if bits == 0 || bits > 32 {
		return lease{}, false
	}
	lt := pick(func(m *dhcpMessage) bool { return m.leaseTime.set }).leaseTime
	if !lt.set || lt.value == 0 {
		return lease{}, false
	}
	l := lease{
		addr:   netip.PrefixFrom(ack.yiaddr, bits),
		server: ack.serverID,
		start:  sent,
	}
	for _, r := range pick(func(m *dhcpMessage) bool { return m.routers != nil }).routers {
		if usableHost(r) && r != ack.yiaddr {
			l.gateway = r
			break
		}
	}
	for _, d := range pick(func(m *dhcpMessage) bool { return m.dns != nil }).dns {
		if usableHost(d) {
			l.dns = append(l.dns, d)
		}
	}
	if lt.value == infiniteLease {
		l.infinite = true
		return l, true
	}
	l.duration = time.Duration(lt.value) * time.Second
	// T1 and T2 default to half and seven eighths of the lease (RFC 2131
	// section 4.4.5); values from the server are kept only when they are
	// in order.
	l.t1, l.t2 = l.duration/2, l.duration*7/8
	t1, t2 := ack.renewalT1, ack.rebindingT2
	if t1.set && t2.set && 0 < t1.value && t1.value < t2.value && t2.value < lt.value {
		l.t1, l.t2 = time.Duration(t1.value)*time.Second, time.Duration(t2.value)*time.Second
	} else if t1.set && 0 < t1.value && time.Duration(t1.value)*time.Second < l.t2 {
		l.t1 = time.Duration(t1.value) * time.Second
	}
	return l, true
}

// classfulBits is the prefix length of a's address class (RFC 791 section
// 3.2), the mask a new lease gets when the server sends none.
func classfulBits(a netip.Addr) int {
	switch b := a.As4()[0]; {
	case b < 128:
		return 8
	case b < 192:
		return 16
	default:
		return 24
	}
}

// usableHost reports whether a is an address a host can have or talk to:
// IPv4 unicast, not 0.0.0.0, loopback, multicast or broadcast.
func usableHost(a netip.Addr) bool {
	return a.Is4() && (a.IsGlobalUnicast() || a.IsLinkLocalUnicast())
}

// clientMessage is a BOOTREQUEST of type typ with the options the client
// always sends: its identifier (type 1, the MAC: RFC 2132 section 9.14),
// the parameters it wants, the largest reply it takes (a frame's payload),
// and its host name if configured.
func (s *Stack) clientMessage(typ byte, xid uint32) *dhcpMessage {
	mac := s.MAC()
	return &dhcpMessage{
		op:         bootRequest,
		xid:        xid,
		flags:      flagBroadcast,
		chaddr:     mac,
		msgType:    typ,
		clientID:   append([]byte{htypeEthernet}, mac[:]...),
		params:     []byte{optSubnetMask, optRouter, optDNS, optLeaseTime, optRenewalTime, optRebindingTime},
		maxMessage: uint16(s.link.mtu),
		hostname:   s.cfg.Hostname,
	}
}

// exchange sends req to dst until a reply to it arrives that accept takes,
// retransmitting on the RFC 2131 section 4.1 schedule, tries times in all
// (0: until ctx ends). It returns the reply, errNoReply after the last
// try, or ctx's error.
func (s *Stack) exchange(ctx context.Context, ep *dhcpEndpoint, req *dhcpMessage, dst netip.AddrPort, tries int, accept func(m *dhcpMessage, sent time.Time) bool) (*dhcpMessage, error) {
	began := time.Now()
	wait := s.dhcpRetry
	for try := 1; ; try++ {
		req.secs = uint16(min(time.Since(began)/time.Second, 0xffff))
		jitter := time.Duration(rand.Int64N(int64(wait/2)+1)) - wait/4
		reply, err := s.ask(ctx, ep, req, dst, wait+jitter, accept)
		if err != nil || reply != nil {
			return reply, err
		}
		if tries > 0 && try >= tries {
			return nil, errNoReply
		}
		wait = min(2*wait, maxDHCPRetry)
	}
}

// ask sends req to dst once and waits up to wait for a reply to it: a
// BOOTREPLY with req's xid and this client's hardware address that accept
// takes, given when req was sent. Other messages, malformed ones included,
// are dropped. A nil reply means wait ran out.
func (s *Stack) ask(ctx context.Context, ep *dhcpEndpoint, req *dhcpMessage, dst netip.AddrPort, wait time.Duration, accept func(m *dhcpMessage, sent time.Time) bool) (*dhcpMessage, error) {
	sent := time.Now()
	if err := ep.send(req.marshal(), dst); err != nil {
		return nil, err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	return ep.receive(ctx, timer.C, func(m *dhcpMessage) bool {
		return m.op == bootReply && m.xid == req.xid && m.chaddr == req.chaddr && accept(m, sent)
	})
}

// dhcpEndpoint is the client's UDP socket: port 68 on the interface, able
// to broadcast.
type dhcpEndpoint struct {
	ep       tcpip.Endpoint
	wq       waiter.Queue
	entry    waiter.Entry
	readable chan struct{}
}

func (s *Stack) openDHCP() (*dhcpEndpoint, error) {
	d := &dhcpEndpoint{}
	ep, err := s.ip.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &d.wq)
	if err != nil {
		return nil, fmt.Errorf("netstack: dhcp: open socket: %w", stackError(err))
	}
	ep.SocketOptions().SetBroadcast(true)
	// Bound to the interface and to no address, the socket receives the
	// servers' broadcasts as well as unicast to the leased address.
	if err := ep.Bind(tcpip.FullAddress{NIC: nicID, Port: dhcpClientPort}); err != nil {
		ep.Close()
		return nil, fmt.Errorf("netstack: dhcp: bind port %d: %w", dhcpClientPort, stackError(err))
	}
	d.ep = ep
	d.entry, d.readable = waiter.NewChannelEntry(waiter.ReadableEvents)
	d.wq.EventRegister(&d.entry)
	return d, nil
}

func (d *dhcpEndpoint) close() {
	d.wq.EventUnregister(&d.entry)
	d.ep.Close()
}

func (d *dhcpEndpoint) send(b []byte, dst netip.AddrPort) error {
	to := tcpip.FullAddress{NIC: nicID, Addr: toTCPIP(dst.Addr()), Port: dst.Port()}
	if _, err := d.ep.Write(bytes.NewReader(b), tcpip.WriteOptions{To: &to}); err != nil {
		return fmt.Errorf("netstack: dhcp: send to %s: %w", dst, stackError(err))
	}
	return nil
}

// receive returns the first datagram that parses and that want takes, or
// nil when timeout fires first, or ctx's error.
func (d *dhcpEndpoint) receive(ctx context.Context, timeout <-chan time.Time, want func(*dhcpMessage) bool) (*dhcpMessage, error) {
	var buf bytes.Buffer
	for {
		buf.Reset()
		_, err := d.ep.Read(&buf, tcpip.ReadOptions{})
		switch err.(type) {
		case nil:
			if m, err := parseDHCP(buf.Bytes()); err == nil && want(m) {
				return m, nil
			}
			continue
		case *tcpip.ErrWouldBlock:
		default:
			return nil, fmt.Errorf("netstack: dhcp: receive: %w", stackError(err))
		}
		select {
		case <-d.readable:
		case <-timeout:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// sleepUntil waits until t and reports whether ctx was still live then.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
