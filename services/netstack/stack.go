package netstack

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// Config says how the Stack gets its address.
type Config struct {
	// Addr is a static address with its prefix length (10.0.2.15/24), and
	// Gateway the router for everything outside that prefix (optional).
	// Leave both zero when DHCP is set.
	Addr    netip.Prefix
	Gateway netip.Addr

	// DHCP makes Start ask a DHCP server for the address, the gateway and
	// the DNS servers. DHCPTimeout bounds that first exchange (default
	// DefaultDHCPTimeout); Hostname, if set, is sent to the server as
	// option 12.
	DHCP        bool
	DHCPTimeout time.Duration
	Hostname    string

	// Clock reads the time for Ping's round trips (default time.Now).
	// Timers, timeouts and lease times always run on real time.
	Clock func() time.Time
}

// DefaultDHCPTimeout is how long Start waits for a lease when
// Config.DHCPTimeout is zero: time for four DISCOVERs, 4, 8 and 16 seconds
// apart as RFC 2131 section 4.1 has them.
const DefaultDHCPTimeout = 30 * time.Second

// minMTU is the smallest Link MTU accepted: every IPv4 host must take
// 576-octet datagrams (RFC 791, "Total Length"; RFC 1122 section 3.3.3),
// and a DHCP message of 548 octets must fit in one frame (RFC 2131
// section 2).
const minMTU = 576

// nicID is the number of the Stack's one interface in gVisor.
const nicID tcpip.NICID = 1

// TCP buffer sizes, applied in tuneTCP with the other TCP options. They are
// gVisor's defaults today, set explicitly so that throughput does not
// change behind the service's back when gVisor is updated.
const (
	// Send and receive buffers start at 1 MiB, more than the
	// bandwidth-delay product of a virtio-net link through QEMU (300 MB/s
	// over a 1 ms round trip is 300 KB), and may grow to 4 MiB per
	// direction per connection under receive-buffer moderation.
	tcpBufferMin     = 4 << 10
	tcpBufferDefault = 1 << 20
	tcpBufferMax     = 4 << 20
)

// Stack is one IPv4 host on one Ethernet link. Its methods are safe for
// concurrent use.
//
// Lock order: Stack.mu < gVisor's stack locks < nicLink.txMu. Link.WriteFrame
// runs under nicLink.txMu and must not call back into the Stack.
type Stack struct {
	cfg  Config
	now  func() time.Time
	link *nicLink
	ip   *stack.Stack

	// ctx ends at Close; it bounds every DHCP exchange. wg counts the
	// goroutines that use ip besides callers'.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// dhcpRetry is the first DHCP retransmission delay, RFC 2131's four
	// seconds; tests shorten it.
	dhcpRetry time.Duration

	mu      sync.Mutex
	started bool
	closed  bool
	addr    netip.Prefix
	gateway netip.Addr
	dns     []netip.Addr
}

// New builds a stack over link. It has no address and sends nothing until
// Start; the driver may deliver frames from now on.
func New(link Link, cfg Config) (*Stack, error) {
	if err := checkConfig(link, cfg); err != nil {
		return nil, err
	}
	s := &Stack{
		cfg:       cfg,
		now:       cfg.Clock,
		link:      newNICLink(link),
		dhcpRetry: 4 * time.Second,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.DHCPTimeout <= 0 {
		s.cfg.DHCPTimeout = DefaultDHCPTimeout
	}
	s.ip = stack.New(stack.Options{
		NetworkProtocols: []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		// CUBIC (RFC 9438) rather than gVisor's default Reno: Linux's
		// default, it regains its window faster after a loss.
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocolCUBIC, udp.NewProtocol, icmp.NewProtocol4},
		// Traffic to the Stack's own address loops inside it.
		HandleLocal: true,
	})
	if err := s.tuneTCP(); err != nil {
		s.ip.Destroy()
		return nil, err
	}
	if err := s.ip.CreateNICWithOptions(nicID, s.link.eth, stack.NICOptions{Name: "eth0"}); err != nil {
		s.ip.Destroy()
		return nil, fmt.Errorf("netstack: create NIC: %s", err)
	}
	s.ip.SetRouteTable(routeTable(netip.Prefix{}, netip.Addr{}))
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

func checkConfig(link Link, cfg Config) error {
	if link == nil {
		return fmt.Errorf("%w: no link", ErrConfig)
	}
	if mac := link.MAC(); mac == ([6]byte{}) || mac[0]&1 != 0 {
		return fmt.Errorf("%w: link address %x is not a unicast MAC", ErrConfig, mac)
	}
	if mtu := link.MTU(); mtu < minMTU || mtu > 65535 {
		return fmt.Errorf("%w: link MTU %d outside [%d, 65535]", ErrConfig, mtu, minMTU)
	}
	if len(cfg.Hostname) > 255 {
		return fmt.Errorf("%w: hostname of %d bytes, more than a DHCP option holds", ErrConfig, len(cfg.Hostname))
	}
	if cfg.DHCP {
		if cfg.Addr.IsValid() || cfg.Gateway.IsValid() {
			return fmt.Errorf("%w: static address and DHCP both set", ErrConfig)
		}
		return nil
	}
	if !cfg.Addr.IsValid() {
		return fmt.Errorf("%w: neither a static address nor DHCP", ErrConfig)
	}
	if a := cfg.Addr.Addr(); !a.Is4() || !a.IsGlobalUnicast() && !a.IsLinkLocalUnicast() || cfg.Addr.Bits() == 0 {
		return fmt.Errorf("%w: %s is not a unicast IPv4 address with a prefix", ErrConfig, cfg.Addr)
	}
	if g := cfg.Gateway; g.IsValid() && (!g.Is4() || g == cfg.Addr.Addr()) {
		return fmt.Errorf("%w: gateway %s", ErrConfig, g)
	}
	return nil
}

func (s *Stack) tuneTCP() error {
	opts := []tcpip.SettableTransportProtocolOption{
		// Selective acknowledgements (RFC 2018) so that one lost segment
		// does not cost the whole window behind it.
		ptr(tcpip.TCPSACKEnabled(true)),
		// Classic SACK loss recovery (RFC 6675) instead of gVisor's default
		// RACK-TLP (RFC 8985). RACK judges loss by time, with a reordering
		// window that is a fraction of the RTT; with RTTs of tens of
		// microseconds, goroutine scheduling alone exceeds it. Measured
		// over netstacktest's pipe with no frame lost: RACK on, about 80
		// spurious retransmissions per 300 MB; off, none. (Throughput was
		// higher without RACK in most runs, but varies too much on a
		// two-core machine to quote.)
		ptr(tcpip.TCPRecovery(0)),
		// Receive-buffer moderation grows a connection's window with its
		// measured throughput, up to tcpBufferMax.
		ptr(tcpip.TCPModerateReceiveBufferOption(true)),
		&tcpip.TCPSendBufferSizeRangeOption{Min: tcpBufferMin, Default: tcpBufferDefault, Max: tcpBufferMax},
		&tcpip.TCPReceiveBufferSizeRangeOption{Min: tcpBufferMin, Default: tcpBufferDefault, Max: tcpBufferMax},
	}
	for _, o := range opts {
		if err := s.ip.SetTransportProtocolOption(tcp.ProtocolNumber, o); err != nil {
			return fmt.Errorf("netstack: set TCP option %T: %s", o, err)
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// Start configures the interface: with a static Config it installs the
// address and routes; with DHCP it runs DISCOVER, OFFER, REQUEST, ACK
// (RFC 2131 section 3.1), installs the lease and keeps renewing it until
// Close. It returns once configured, or with ErrDHCPTimeout, or with ctx's
// error; after a failure Start may be called again.
func (s *Stack) Start(ctx context.Context) (err error) {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.started:
		s.mu.Unlock()
		return ErrStarted
	}
	s.started = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		if err != nil {
			s.mu.Lock()
			s.started = false
			s.mu.Unlock()
		}
	}()

	if !s.cfg.DHCP {
		if err := s.configure(s.cfg.Addr, s.cfg.Gateway, nil); err != nil {
			return fmt.Errorf("netstack: configure %s: %w", s.cfg.Addr, err)
		}
		return nil
	}
	l, err := s.acquireLease(ctx)
	if err != nil {
		return err
	}
	if err := s.configure(l.addr, l.gateway, l.dns); err != nil {
		return fmt.Errorf("netstack: configure leased %s: %w", l.addr, err)
	}
	if !l.infinite && s.goBackground() {
		go s.keepLease(l)
	}
	return nil
}

// goBackground reserves a place in wg for a goroutine that uses the
// gVisor stack, unless the Stack is closed.
func (s *Stack) goBackground() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// configure makes p the interface's one address, with routes to p's subnet
// on the link and, when gw is valid, everything else through gw.
func (s *Stack) configure(p netip.Prefix, gw netip.Addr, dns []netip.Addr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.addr != p {
		if s.addr.IsValid() {
			if err := s.ip.RemoveAddress(nicID, toTCPIP(s.addr.Addr())); err != nil {
				return fmt.Errorf("remove %s: %s", s.addr, err)
			}
			s.addr = netip.Prefix{}
		}
		pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: toTCPIPPrefix(p)}
		if err := s.ip.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); err != nil {
			return fmt.Errorf("add %s: %s", p, err)
		}
	}
	s.ip.SetRouteTable(routeTable(p, gw))
	s.addr, s.gateway, s.dns = p, gw, dns
	return nil
}

// unconfigure removes the address and every route but the broadcast one:
// the lease is gone.
func (s *Stack) unconfigure() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr.IsValid() {
		// The address was added by configure; removing it cannot fail
		// short of a closed stack, where nothing is left to undo.
		_ = s.ip.RemoveAddress(nicID, toTCPIP(s.addr.Addr()))
	}
	s.ip.SetRouteTable(routeTable(netip.Prefix{}, netip.Addr{}))
	s.addr, s.gateway, s.dns = netip.Prefix{}, netip.Addr{}, nil
}

// routeTable is the route table for address p and gateway gw. The limited
// broadcast address always has a route, so that sockets not bound to the
// interface (a DHCP server, say) can send to 255.255.255.255: gVisor looks
// broadcasts up in the table like any destination.
func routeTable(p netip.Prefix, gw netip.Addr) []tcpip.Route {
	rs := []tcpip.Route{{Destination: header.IPv4Broadcast.WithPrefix().Subnet(), NIC: nicID}}
	if p.IsValid() {
		rs = append(rs, tcpip.Route{Destination: toTCPIPPrefix(p.Masked()).Subnet(), NIC: nicID})
	}
	if gw.IsValid() {
		rs = append(rs, tcpip.Route{Destination: header.IPv4EmptySubnet, Gateway: toTCPIP(gw), NIC: nicID})
	}
	return rs
}

// Addr is the interface's address, or the zero Prefix before Start has
// configured one (and while a lost lease is being replaced).
func (s *Stack) Addr() netip.Prefix {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Gateway is the default router, or the zero Addr when there is none.
func (s *Stack) Gateway() netip.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gateway
}

// DNS lists the DNS servers the DHCP server named (option 6). The Stack
// only reports them; it has no resolver.
func (s *Stack) DNS() []netip.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]netip.Addr(nil), s.dns...)
}

// MAC is the link's Ethernet address.
func (s *Stack) MAC() [6]byte {
	var m [6]byte
	copy(m[:], s.link.mac)
	return m
}

// Neighbor is a resolved entry of the ARP cache.
type Neighbor struct {
	Addr netip.Addr
	MAC  [6]byte
}

// Neighbors lists the ARP cache's resolved entries, for `arp`-style tools
// and for tests.
func (s *Stack) Neighbors() []Neighbor {
	es, err := s.ip.Neighbors(nicID, ipv4.ProtocolNumber)
	if err != nil {
		return nil
	}
	var ns []Neighbor
	for _, e := range es {
		if len(e.LinkAddr) != 6 {
			continue
		}
		n := Neighbor{Addr: fromTCPIP(e.Addr)}
		copy(n.MAC[:], e.LinkAddr)
		ns = append(ns, n)
	}
	return ns
}

// DeliverFrame hands the stack one inbound Ethernet frame. The driver's
// receive loop calls it; it copies the frame, so the caller may reuse its
// buffer at once. It does not wait for the stack's users: TCP segments are
// queued to gVisor's protocol goroutines when their connection is busy. It
// may send, though (an ARP or ICMP reply, an ACK), and so wait briefly in
// Link.WriteFrame.
func (s *Stack) DeliverFrame(frame []byte) {
	s.link.deliver(frame)
}

// Close shuts the stack down: DHCP stops, every connection is aborted,
// gVisor's goroutines end. Frames delivered afterwards are dropped, and
// nothing more is written to the Link. Close returns once nothing of the
// Stack runs any more; calling it again does nothing.
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	s.link.closed.Store(true)
	s.cancel()
	s.wg.Wait()
	s.ip.Close()
	s.ip.Wait() // also removes the NIC, which closes the link endpoint
	return nil
}

func (s *Stack) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func toTCPIP(a netip.Addr) tcpip.Address {
	return tcpip.AddrFrom4(a.Unmap().As4())
}

func toTCPIPPrefix(p netip.Prefix) tcpip.AddressWithPrefix {
	return tcpip.AddressWithPrefix{Address: toTCPIP(p.Addr()), PrefixLen: p.Bits()}
}

func fromTCPIP(a tcpip.Address) netip.Addr {
	if a.BitLen() != header.IPv4AddressSizeBits {
		return netip.Addr{}
	}
	return netip.AddrFrom4(a.As4())
}
