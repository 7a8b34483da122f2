package netstack

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// The test server speaks RFC 2131 on its own bytes, not through this
// package's encoder and parser, so that a mistake in those cannot cancel
// itself out. Its defaults are QEMU slirp's network.
var (
	slirpServer = netip.MustParseAddr("10.0.2.2")
	slirpGuest  = netip.MustParseAddr("10.0.2.15")
	slirpDNS    = netip.MustParseAddr("10.0.2.3")
)

// seenRequest is a client message as the test server read it.
type seenRequest struct {
	typ    byte
	xid    uint32
	flags  uint16
	ciaddr netip.Addr
	chaddr [6]byte
	opts   map[byte][]byte
	size   int
}

// testDHCPServer lends slirpGuest to one client from a Stack at slirpServer.
type testDHCPServer struct {
	t    *testing.T
	conn net.PacketConn
	// lease, t1 and t2 are in seconds; t1 and t2 are sent when non-zero.
	lease, t1, t2 uint32

	mu   sync.Mutex
	seen []seenRequest
	// answer picks the reply to a request: dhcpOffer, dhcpAck, dhcpNak or
	// 0 for none. nil answers like slirp.
	answer func(n int, r seenRequest) byte
	// before returns raw datagrams to broadcast ahead of the answer.
	before func(r seenRequest) [][]byte
}

// dhcpPair is a started server Stack b at slirpServer/24 with a DHCP server,
// and a DHCP client Stack a, not yet started, whose first retransmission
// comes after retry.
func dhcpPair(t *testing.T, timeout, retry time.Duration) (*pair, *testDHCPServer) {
	t.Helper()
	p := newPair(t, Config{DHCP: true, DHCPTimeout: timeout, Hostname: "clk"}, Config{Addr: netip.PrefixFrom(slirpServer, 24)})
	p.a.dhcpRetry = retry
	if err := p.b.Start(context.Background()); err != nil {
		t.Fatalf("server Start: %v", err)
	}
	conn, err := p.b.ListenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), dhcpServerPort))
	if err != nil {
		t.Fatalf("server ListenUDP: %v", err)
	}
	srv := &testDHCPServer{t: t, conn: conn, lease: 86400}
	t.Cleanup(func() { conn.Close() })
	go srv.serve()
	return p, srv
}

func (s *testDHCPServer) serve() {
	buf := make([]byte, 2048)
	for {
		n, _, err := s.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		r, ok := readClientMessage(buf[:n])
		if !ok {
			continue
		}
		s.mu.Lock()
		s.seen = append(s.seen, r)
		count, answer, before := len(s.seen), s.answer, s.before
		s.mu.Unlock()

		if before != nil {
			for _, raw := range before(r) {
				s.broadcast(raw)
			}
		}
		var typ byte
		if answer != nil {
			typ = answer(count, r)
		} else {
			typ = slirpAnswer(r)
		}
		if typ != 0 {
			s.broadcast(s.reply(r, typ))
		}
	}
}

// slirpAnswer offers to a DISCOVER and acknowledges a REQUEST for the
// offered address, named by option 50 while selecting or by ciaddr while
// renewing.
func slirpAnswer(r seenRequest) byte {
	switch r.typ {
	case dhcpDiscover:
		return dhcpOffer
	case dhcpRequest:
		if netip.AddrFrom4([4]byte(append(r.opts[optRequestedIP], 0, 0, 0, 0))) == slirpGuest || r.ciaddr == slirpGuest {
			return dhcpAck
		}
		return dhcpNak
	}
	return 0
}

// Replies go to the limited broadcast address, as slirp sends them.
func (s *testDHCPServer) broadcast(b []byte) {
	to := &net.UDPAddr{IP: net.IPv4bcast.To4(), Port: dhcpClientPort}
	if _, err := s.conn.WriteTo(b, to); err != nil {
		s.t.Errorf("server WriteTo: %v", err)
	}
}

func (s *testDHCPServer) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

func (s *testDHCPServer) setAnswer(f func(n int, r seenRequest) byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

func readClientMessage(b []byte) (seenRequest, bool) {
	if len(b) < 240 || b[0] != 1 || [4]byte(b[236:240]) != [4]byte{99, 130, 83, 99} {
		return seenRequest{}, false
	}
	r := seenRequest{
		xid:    binary.BigEndian.Uint32(b[4:]),
		flags:  binary.BigEndian.Uint16(b[10:]),
		ciaddr: netip.AddrFrom4([4]byte(b[12:])),
		chaddr: [6]byte(b[28:]),
		opts:   map[byte][]byte{},
		size:   len(b),
	}
	for o := b[240:]; len(o) > 0 && o[0] != 255; {
		if o[0] == 0 {
			o = o[1:]
			continue
		}
		if len(o) < 2 || len(o) < 2+int(o[1]) {
			return seenRequest{}, false
		}
		r.opts[o[0]] = slices.Clone(o[2 : 2+o[1]])
		o = o[2+o[1]:]
	}
	if t := r.opts[optMessageType]; len(t) == 1 {
		r.typ = t[0]
	}
	return r, true
}

// reply builds a server message of type typ answering r.
func (s *testDHCPServer) reply(r seenRequest, typ byte) []byte {
	b := make([]byte, 240, 576)
	b[0], b[1], b[2] = 2, 1, 6
	binary.BigEndian.PutUint32(b[4:], r.xid)
	binary.BigEndian.PutUint16(b[10:], r.flags)
	if typ != dhcpNak {
		copy(b[16:], slirpGuest.AsSlice())
	}
	copy(b[20:], slirpServer.AsSlice())
	copy(b[28:], r.chaddr[:])
	copy(b[236:], []byte{99, 130, 83, 99})
	opt := func(code byte, v ...byte) { b = append(append(b, code, byte(len(v))), v...) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	opt(optMessageType, typ)
	opt(optServerID, slirpServer.AsSlice()...)
	if typ != dhcpNak {
		opt(optSubnetMask, 255, 255, 255, 0)
		opt(optRouter, slirpServer.AsSlice()...)
		opt(optDNS, slirpDNS.AsSlice()...)
		opt(optLeaseTime, u32(s.lease)...)
		if s.t1 != 0 {
			opt(optRenewalTime, u32(s.t1)...)
		}
		if s.t2 != 0 {
			opt(optRebindingTime, u32(s.t2)...)
		}
	}
	return append(b, 255)
}

func TestDHCPLeaseGivesAddressGatewayAndDNS(t *testing.T) {
	p, srv := dhcpPair(t, 5*time.Second, time.Second)
	if err := p.a.Start(testContext(t, 10*time.Second)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := p.a.Start(context.Background()); !errors.Is(err, ErrStarted) {
		t.Errorf("Start after a lease: err = %v, want ErrStarted", err)
	}
	if got, want := p.a.Addr(), netip.PrefixFrom(slirpGuest, 24); got != want {
		t.Errorf("Addr %s, want %s", got, want)
	}
	if got := p.a.Gateway(); got != slirpServer {
		t.Errorf("Gateway %s, want %s", got, slirpServer)
	}
	if got := p.a.DNS(); !slices.Equal(got, []netip.Addr{slirpDNS}) {
		t.Errorf("DNS %v, want [%s]", got, slirpDNS)
	}

	rs := srv.requests()
	if len(rs) != 2 || rs[0].typ != dhcpDiscover || rs[1].typ != dhcpRequest {
		t.Fatalf("server saw %d messages %+v, want DISCOVER then REQUEST", len(rs), rs)
	}
	mac := p.a.MAC()
	for _, r := range rs {
		if r.chaddr != mac || r.flags&flagBroadcast == 0 || r.size < dhcpMinLen || r.ciaddr != netip.IPv4Unspecified() {
			t.Errorf("message %d: chaddr %x flags %#x size %d ciaddr %s", r.typ, r.chaddr, r.flags, r.size, r.ciaddr)
		}
		if string(r.opts[optHostname]) != "clk" {
			t.Errorf("message %d: host name %q", r.typ, r.opts[optHostname])
		}
	}
	req := rs[1]
	if req.xid != rs[0].xid {
		t.Errorf("REQUEST xid %#x, DISCOVER's %#x: RFC 2131 table 5 wants the offer's", req.xid, rs[0].xid)
	}
	if got := req.opts[optRequestedIP]; !slices.Equal(got, slirpGuest.AsSlice()) {
		t.Errorf("REQUEST option 50 % x, want the offered %s", got, slirpGuest)
	}
	if got := req.opts[optServerID]; !slices.Equal(got, slirpServer.AsSlice()) {
		t.Errorf("REQUEST option 54 % x, want the server %s", got, slirpServer)
	}

	// The address answers, and off-link traffic goes to the gateway's MAC.
	if _, err := p.a.Ping(testContext(t, 5*time.Second), slirpServer, 1, nil); err != nil {
		t.Errorf("Ping gateway: %v", err)
	}
	viaGateway := make(chan bool, 1)
	offLink := netip.MustParseAddr("192.0.2.1")
	p.la.SetFilter(func(frame []byte) bool {
		eth := header.Ethernet(frame)
		if eth.Type() == header.IPv4ProtocolNumber && fromTCPIP(header.IPv4(frame[header.EthernetMinimumSize:]).DestinationAddress()) == offLink {
			select {
			case viaGateway <- [6]byte([]byte(eth.DestinationAddress())) == p.b.MAC():
			default:
			}
		}
		return true
	})
	go p.a.Ping(testContext(t, time.Second), offLink, 1, nil)
	select {
	case ok := <-viaGateway:
		if !ok {
			t.Errorf("packet to %s not sent to the gateway's MAC", offLink)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("no packet to %s left the stack", offLink)
	}
}

func TestDHCPTimesOutWithoutServer(t *testing.T) {
	p := newPair(t, Config{DHCP: true, DHCPTimeout: 300 * time.Millisecond}, Config{Addr: addrB})
	p.a.dhcpRetry = 50 * time.Millisecond
	began := time.Now()
	err := p.a.Start(context.Background())
	if !errors.Is(err, ErrDHCPTimeout) {
		t.Fatalf("Start without a server: err = %v, want ErrDHCPTimeout", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("Start took %v with a 300ms timeout", d)
	}
	if a := p.a.Addr(); a.IsValid() {
		t.Errorf("Addr %s after a failed DHCP", a)
	}
	for _, a := range p.a.ip.AllAddresses()[nicID] {
		if a.AddressWithPrefix.Address != header.IPv4Broadcast {
			t.Errorf("interface keeps %s after a failed DHCP", a.AddressWithPrefix)
		}
	}
	if err := p.a.Start(context.Background()); !errors.Is(err, ErrDHCPTimeout) {
		t.Errorf("Start again after a timeout: err = %v, want a second try and ErrDHCPTimeout", err)
	}
}

func TestDHCPStartEndsWithCallersContext(t *testing.T) {
	p := newPair(t, Config{DHCP: true, DHCPTimeout: time.Minute}, Config{Addr: addrB})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := p.a.Start(ctx); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrDHCPTimeout) {
		t.Fatalf("Start with a 200ms context: err = %v, want the context's deadline", err)
	}
}

func TestDHCPStartEndsWithClose(t *testing.T) {
	p := newPair(t, Config{DHCP: true, DHCPTimeout: time.Minute}, Config{Addr: addrB})
	done := make(chan error, 1)
	go func() { done <- p.a.Start(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	p.a.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Start interrupted by Close: err = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Start still running after Close")
	}
}

func TestDHCPIgnoresMalformedAndForeignReplies(t *testing.T) {
	p, srv := dhcpPair(t, 10*time.Second, 5*time.Second)
	bogusAddr := netip.MustParseAddr("10.0.2.99")
	srv.before = func(r seenRequest) [][]byte {
		good := srv.reply(r, dhcpOffer)
		if r.typ == dhcpRequest {
			good = srv.reply(r, dhcpAck)
		}
		// Each variant breaks one thing and, where it still parses, lends
		// bogusAddr, so that taking it would show. The options start at
		// 240: type (240-242), server id (243-248), mask (249-254).
		variant := func(edit func(b []byte)) []byte {
			b := slices.Clone(good)
			copy(b[16:], bogusAddr.AsSlice())
			edit(b)
			return b
		}
		bad := [][]byte{
			{},
			good[:10],
			good[:239],
			variant(func(b []byte) { b[236] = 0 }),   // magic cookie
			variant(func(b []byte) { b[4] ^= 0xff }), // xid
			variant(func(b []byte) { b[28+5] ^= 0xff }),                                        // chaddr
			variant(func(b []byte) { b[0] = bootRequest }),                                     // op
			variant(func(b []byte) { b[1] = 6 }),                                               // hardware type
			variant(func(b []byte) { b[241] = 200 }),                                           // option past the end
			variant(func(b []byte) { b[242] = 9 }),                                             // message type 9
			variant(func(b []byte) { b[252] = 0 }),                                             // mask 255.0.255.0
			variant(func(b []byte) { clear(b[16:20]) }),                                        // no address
			variant(func(b []byte) { b[len(b)-1] = optDNS }),                                   // End turned into an option without length
			append(variant(func(b []byte) {})[:len(good)-1], optRouter, 5, 1, 2, 3, 4, 5, 255), // router list of 5 octets
		}
		if r.typ == dhcpRequest {
			bad = append(bad, variant(func(b []byte) { b[247] = 0 })) // an ACK from server 10.0.0.2
		}
		return bad
	}
	if err := p.a.Start(testContext(t, 10*time.Second)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got, want := p.a.Addr(), netip.PrefixFrom(slirpGuest, 24); got != want {
		t.Errorf("Addr %s, want %s", got, want)
	}
	if got := p.a.Gateway(); got != slirpServer {
		t.Errorf("Gateway %s, want %s", got, slirpServer)
	}
	if rs := srv.requests(); len(rs) != 2 {
		t.Errorf("server saw %d messages, want DISCOVER and REQUEST only: a bad reply cost a retransmission", len(rs))
	}
}

func TestDHCPRetransmitsWhenDiscoverIsLost(t *testing.T) {
	p, srv := dhcpPair(t, 5*time.Second, 50*time.Millisecond)
	srv.setAnswer(func(n int, r seenRequest) byte {
		if n == 1 {
			return 0
		}
		return slirpAnswer(r)
	})
	if err := p.a.Start(testContext(t, 10*time.Second)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	// A slow reply may cost more retransmissions than the one the lost
	// DISCOVER did: the retry here is short.
	rs := srv.requests()
	if len(rs) < 3 || rs[0].typ != dhcpDiscover || rs[1].typ != dhcpDiscover || rs[0].xid != rs[1].xid ||
		!slices.Equal(messageTypes(rs), []byte{dhcpDiscover, dhcpRequest}) {
		t.Errorf("server saw %+v, want DISCOVER at least twice with one xid, then REQUEST", rs)
	}
}

// messageTypes returns the types of the messages in rs, each run of one
// type (a message and its retransmissions) counted once.
func messageTypes(rs []seenRequest) []byte {
	var types []byte
	for _, r := range rs {
		if len(types) == 0 || types[len(types)-1] != r.typ {
			types = append(types, r.typ)
		}
	}
	return types
}

func TestDHCPStartsOverAfterNak(t *testing.T) {
	p, srv := dhcpPair(t, 5*time.Second, 50*time.Millisecond)
	nakked := false // the first REQUEST, whichever message it is
	srv.setAnswer(func(n int, r seenRequest) byte {
		if r.typ == dhcpRequest && !nakked {
			nakked = true
			return dhcpNak
		}
		return slirpAnswer(r)
	})
	if err := p.a.Start(testContext(t, 10*time.Second)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	// Retransmissions aside (the retry here is short), the client starts
	// over with a DISCOVER after the NAK.
	if types, want := messageTypes(srv.requests()), []byte{dhcpDiscover, dhcpRequest, dhcpDiscover, dhcpRequest}; !slices.Equal(types, want) {
		t.Errorf("server saw message types %v, want %v", types, want)
	}
	if got := p.a.Addr().Addr(); got != slirpGuest {
		t.Errorf("Addr %s, want %s", got, slirpGuest)
	}
}

func TestDHCPRenewsAtT1ByUnicast(t *testing.T) {
	p, srv := dhcpPair(t, 5*time.Second, time.Second)
	srv.lease, srv.t1, srv.t2 = 60, 1, 50
	renewedTo := make(chan netip.Addr, 4)
	p.la.SetFilter(func(frame []byte) bool {
		if header.Ethernet(frame).Type() != header.IPv4ProtocolNumber {
			return true
		}
		ip := header.IPv4(frame[header.EthernetMinimumSize:])
		if ip.TransportProtocol() == header.UDPProtocolNumber && header.UDP(ip.Payload()).DestinationPort() == dhcpServerPort && fromTCPIP(ip.SourceAddress()) == slirpGuest {
			select {
			case renewedTo <- fromTCPIP(ip.DestinationAddress()):
			default:
			}
		}
		return true
	})
	began := time.Now()
	if err := p.a.Start(testContext(t, 10*time.Second)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	select {
	case dst := <-renewedTo:
		if dst != slirpServer {
			t.Errorf("renewal sent to %s, want the server %s", dst, slirpServer)
		}
		if d := time.Since(began); d < 900*time.Millisecond {
			t.Errorf("renewal after %v, before T1 (1s)", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no renewal within 5s of a lease with T1 = 1s")
	}
	// The ACK to the renewal arrives just after the REQUEST leaves.
	deadline := time.Now().Add(5 * time.Second)
	for {
		rs := srv.requests()
		if len(rs) >= 3 {
			r := rs[2]
			if r.typ != dhcpRequest || r.ciaddr != slirpGuest || r.opts[optRequestedIP] != nil || r.opts[optServerID] != nil || r.xid == rs[1].xid {
				t.Errorf("renewal %+v: want a REQUEST with ciaddr, without options 50 and 54, with a new xid", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server saw no renewal")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := p.a.Addr().Addr(); got != slirpGuest {
		t.Errorf("Addr %s after renewal, want %s", got, slirpGuest)
	}
}

func TestDHCPLeaseThatRunsOutIsRemoved(t *testing.T) {
	p, srv := dhcpPair(t, 5*time.Second, time.Second)
	srv.lease = 1
	srv.setAnswer(func(n int, r seenRequest) byte {
		if n > 2 {
			return 0 // renewals and later DISCOVERs go unanswered
		}
		return slirpAnswer(r)
	})
	if err := p.a.Start(testContext(t, 10*time.Second)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.a.Addr().IsValid() {
		if time.Now().After(deadline) {
			t.Fatalf("address %s still there 5s into a 1s lease", p.a.Addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if g := p.a.Gateway(); g.IsValid() {
		t.Errorf("Gateway %s after the lease ran out", g)
	}
	// Back in INIT, the client looks for a server again.
	for {
		rs := srv.requests()
		if rs[len(rs)-1].typ == dhcpDiscover && len(rs) > 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DISCOVER after the lease ran out: %+v", rs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
