package netstack

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// Ping sends one ICMP echo request (RFC 792) to dst with sequence number seq
// and payload, and returns the round-trip time of the matching reply.
//
// It works like a Linux ping socket: gVisor's ICMP endpoint picks the echo
// identifier and delivers only replies that carry it, so concurrent Pings
// do not see each other's replies. Of those, Ping skips replies whose
// sequence number or payload differ (late replies to an earlier request,
// say) and waits until ctx ends.
func (s *Stack) Ping(ctx context.Context, dst netip.Addr, seq uint16, payload []byte) (time.Duration, error) {
	fa, err := s.remoteAddr(netip.AddrPortFrom(dst, 0))
	if err != nil {
		return 0, fmt.Errorf("netstack: ping %s: %w", dst, err)
	}
	var wq waiter.Queue
	ep, terr := s.ip.NewEndpoint(icmp.ProtocolNumber4, ipv4.ProtocolNumber, &wq)
	if terr != nil {
		return 0, fmt.Errorf("netstack: ping %s: %w", dst, stackError(terr))
	}
	defer ep.Close()
	entry, readable := waiter.NewChannelEntry(waiter.ReadableEvents)
	wq.EventRegister(&entry)
	defer wq.EventUnregister(&entry)

	// Connecting binds the identifier and keeps replies from other hosts
	// out.
	if terr := ep.Connect(fa); terr != nil {
		return 0, fmt.Errorf("netstack: ping %s: %w", dst, stackError(terr))
	}
	req := make([]byte, header.ICMPv4MinimumSize+len(payload))
	echo := header.ICMPv4(req)
	echo.SetType(header.ICMPv4Echo)
	echo.SetSequence(seq)
	copy(echo.Payload(), payload)

	start := s.now()
	if _, terr := ep.Write(bytes.NewReader(req), tcpip.WriteOptions{}); terr != nil {
		return 0, fmt.Errorf("netstack: ping %s: send: %w", dst, stackError(terr))
	}
	var reply bytes.Buffer
	for {
		reply.Reset()
		_, terr := ep.Read(&reply, tcpip.ReadOptions{})
		switch terr.(type) {
		case nil:
			r := header.ICMPv4(reply.Bytes())
			if len(r) >= header.ICMPv4MinimumSize && r.Sequence() == seq && bytes.Equal(r.Payload(), payload) {
				return s.now().Sub(start), nil
			}
			continue
		case *tcpip.ErrWouldBlock:
		default:
			return 0, fmt.Errorf("netstack: ping %s: receive: %w", dst, stackError(terr))
		}
		select {
		case <-readable:
		case <-ctx.Done():
			return 0, fmt.Errorf("netstack: ping %s seq %d: %w", dst, seq, ctx.Err())
		case <-s.ctx.Done():
			return 0, fmt.Errorf("netstack: ping %s: %w", dst, ErrClosed)
		}
	}
}
