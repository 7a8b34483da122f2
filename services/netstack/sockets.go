package netstack

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// The sockets are gVisor's gonet adapters (net.Listener, net.Conn and
// net.PacketConn with deadlines) over endpoints made here, so that opening
// errors keep typed causes: ErrNoRoute, ErrRefused, ErrAddrInUse. Errors
// from reads and writes are gonet's *net.OpError values.

// listenBacklog bounds connections that completed the handshake but wait
// for Accept: Linux's SOMAXCONN before 5.4, plenty for a service that
// accepts in a loop.
const listenBacklog = 128

// ListenTCP listens for TCP connections on addr. An unspecified address
// (0.0.0.0 or the zero Addr) takes connections to any of the Stack's
// addresses; port 0 picks a free port, which the listener's Addr reports.
func (s *Stack) ListenTCP(addr netip.AddrPort) (net.Listener, error) {
	fa, err := s.localAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("netstack: listen tcp %s: %w", addr, err)
	}
	var wq waiter.Queue
	ep, terr := s.ip.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if terr == nil {
		terr = ep.Bind(fa)
		if terr == nil {
			terr = ep.Listen(listenBacklog)
		}
		if terr != nil {
			ep.Close()
		}
	}
	if terr != nil {
		return nil, fmt.Errorf("netstack: listen tcp %s: %w", addr, stackError(terr))
	}
	return gonet.NewTCPListener(s.ip, &wq, ep), nil
}

// DialTCP connects to addr. ctx bounds the handshake, ARP resolution
// included.
func (s *Stack) DialTCP(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	fa, err := s.remoteAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("netstack: dial tcp %s: %w", addr, err)
	}
	var wq waiter.Queue
	ep, terr := s.ip.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if terr != nil {
		return nil, fmt.Errorf("netstack: dial tcp %s: %w", addr, stackError(terr))
	}
	// The endpoint turns writable when the handshake ends either way.
	entry, done := waiter.NewChannelEntry(waiter.WritableEvents)
	wq.EventRegister(&entry)
	defer wq.EventUnregister(&entry)
	terr = ep.Connect(fa)
	if _, ok := terr.(*tcpip.ErrConnectStarted); ok {
		select {
		case <-done:
			terr = ep.LastError()
		case <-ctx.Done():
			ep.Close()
			return nil, fmt.Errorf("netstack: dial tcp %s: %w", addr, ctx.Err())
		case <-s.ctx.Done():
			ep.Close()
			return nil, fmt.Errorf("netstack: dial tcp %s: %w", addr, ErrClosed)
		}
	}
	if terr != nil {
		ep.Close()
		return nil, fmt.Errorf("netstack: dial tcp %s: %w", addr, stackError(terr))
	}
	return gonet.NewTCPConn(&wq, ep), nil
}

// ListenUDP opens a UDP socket on addr (unspecified address and port 0 as
// for ListenTCP). The socket may send to the limited broadcast address
// 255.255.255.255 (SO_BROADCAST is on), which servers such as DHCP need.
func (s *Stack) ListenUDP(addr netip.AddrPort) (net.PacketConn, error) {
	fa, err := s.localAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("netstack: listen udp %s: %w", addr, err)
	}
	c, err := s.udpSocket(func(ep tcpip.Endpoint) tcpip.Error {
		ep.SocketOptions().SetBroadcast(true)
		return ep.Bind(fa)
	})
	if err != nil {
		return nil, fmt.Errorf("netstack: listen udp %s: %w", addr, err)
	}
	return c, nil
}

// DialUDP opens a UDP socket from a free local port that sends to and
// receives from addr only.
func (s *Stack) DialUDP(addr netip.AddrPort) (net.Conn, error) {
	fa, err := s.remoteAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("netstack: dial udp %s: %w", addr, err)
	}
	c, err := s.udpSocket(func(ep tcpip.Endpoint) tcpip.Error { return ep.Connect(fa) })
	if err != nil {
		return nil, fmt.Errorf("netstack: dial udp %s: %w", addr, err)
	}
	return c, nil
}

// udpSocket makes a UDP endpoint, lets setup bind or connect it, and wraps
// it.
func (s *Stack) udpSocket(setup func(tcpip.Endpoint) tcpip.Error) (*gonet.UDPConn, error) {
	var wq waiter.Queue
	ep, terr := s.ip.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if terr != nil {
		return nil, stackError(terr)
	}
	if terr := setup(ep); terr != nil {
		ep.Close()
		return nil, stackError(terr)
	}
	return gonet.NewUDPConn(&wq, ep), nil
}

// localAddr converts a socket's own address. gVisor spells "any address"
// as the empty Address; 0.0.0.0 would have to be one of the interface's.
func (s *Stack) localAddr(addr netip.AddrPort) (tcpip.FullAddress, error) {
	if s.isClosed() {
		return tcpip.FullAddress{}, ErrClosed
	}
	a := addr.Addr().Unmap()
	fa := tcpip.FullAddress{Port: addr.Port()}
	switch {
	case !a.IsValid() || a.IsUnspecified():
	case a.Is4():
		fa.Addr = toTCPIP(a)
	default:
		return fa, ErrNotIPv4
	}
	return fa, nil
}

// remoteAddr converts a peer's address.
func (s *Stack) remoteAddr(addr netip.AddrPort) (tcpip.FullAddress, error) {
	if s.isClosed() {
		return tcpip.FullAddress{}, ErrClosed
	}
	a := addr.Addr().Unmap()
	if !a.Is4() {
		return tcpip.FullAddress{}, ErrNotIPv4
	}
	return tcpip.FullAddress{Addr: toTCPIP(a), Port: addr.Port()}, nil
}
