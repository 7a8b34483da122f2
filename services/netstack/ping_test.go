package netstack

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

func TestPingBothWaysAfterARPResolution(t *testing.T) {
	p := staticPair(t)
	ctx := testContext(t, 10*time.Second)
	for _, c := range []struct {
		name     string
		from, to *Stack
	}{{"a to b", p.a, p.b}, {"b to a", p.b, p.a}} {
		rtt, err := c.from.Ping(ctx, c.to.Addr().Addr(), 1, []byte("clk ping"))
		if err != nil {
			t.Fatalf("%s: Ping: %v", c.name, err)
		}
		if rtt <= 0 || rtt > 5*time.Second {
			t.Errorf("%s: round trip %v", c.name, rtt)
		}
		want := Neighbor{Addr: c.to.Addr().Addr(), MAC: c.to.MAC()}
		if ns := c.from.Neighbors(); !slices.Contains(ns, want) {
			t.Errorf("%s: ARP cache %v lacks %v", c.name, ns, want)
		}
	}
	sa, sb := p.a.Stats(), p.b.Stats()
	if sa.ICMP.EchoRequestsOut != 1 || sb.ICMP.EchoRequestsIn != 1 || sb.ICMP.EchoRepliesOut != 1 || sa.ICMP.EchoRepliesIn != 1 {
		t.Errorf("ICMP counters a %+v b %+v, want one echo each way", sa.ICMP, sb.ICMP)
	}
	if sa.ARP.RequestsOut+sb.ARP.RequestsOut == 0 || sa.ARP.RepliesIn+sb.ARP.RepliesIn == 0 {
		t.Errorf("ARP counters a %+v b %+v, want a resolution", sa.ARP, sb.ARP)
	}
	if sa.Link.FramesOut == 0 || sb.Link.FramesIn == 0 || sa.Link.BytesOut == 0 {
		t.Errorf("link counters a %+v b %+v", sa.Link, sb.Link)
	}
}

func TestPingOwnAddressLoopsInside(t *testing.T) {
	p := staticPair(t)
	if _, err := p.a.Ping(testContext(t, 5*time.Second), addrA.Addr(), 7, nil); err != nil {
		t.Fatalf("Ping own address: %v", err)
	}
}

// fakeHost answers for phantom on a's link: it resolves ARP for it and
// hands every echo request a sends it to onEcho.
func fakeHost(t *testing.T, p *pair, phantom netip.Addr, onEcho func(id, seq uint16, payload []byte)) {
	t.Helper()
	phantomMAC := [6]byte{2, 0, 0, 0, 0, 9}
	p.la.SetFilter(func(frame []byte) bool {
		eth := header.Ethernet(frame)
		switch eth.Type() {
		case header.ARPProtocolNumber:
			req := header.ARP(frame[header.EthernetMinimumSize:])
			if !req.IsValid() || req.Op() != header.ARPRequest || netip.AddrFrom4([4]byte(req.ProtocolAddressTarget())) != phantom {
				return true
			}
			reply := make([]byte, header.ARPSize)
			r := header.ARP(reply)
			r.SetIPv4OverEthernet()
			r.SetOp(header.ARPReply)
			copy(r.HardwareAddressSender(), phantomMAC[:])
			copy(r.ProtocolAddressSender(), phantom.AsSlice())
			copy(r.HardwareAddressTarget(), req.HardwareAddressSender())
			copy(r.ProtocolAddressTarget(), req.ProtocolAddressSender())
			go p.a.DeliverFrame(ethernetFrame(p.a.MAC(), phantomMAC, header.ARPProtocolNumber, reply))
			return false
		case header.IPv4ProtocolNumber:
			ip := header.IPv4(frame[header.EthernetMinimumSize:])
			if fromTCPIP(ip.DestinationAddress()) != phantom || ip.TransportProtocol() != header.ICMPv4ProtocolNumber {
				return true
			}
			echo := header.ICMPv4(ip.Payload())
			if echo.Type() == header.ICMPv4Echo {
				onEcho(echo.Ident(), echo.Sequence(), bytes.Clone(echo.Payload()))
			}
			return false
		}
		return true
	})
}

func TestPingIgnoresRepliesWithOtherIDSequenceOrPayload(t *testing.T) {
	p := staticPair(t)
	phantom := netip.MustParseAddr("10.0.0.9")
	phantomMAC := [6]byte{2, 0, 0, 0, 0, 9}
	const delay = 50 * time.Millisecond
	reply := func(id, seq uint16, payload []byte) []byte {
		return ethernetFrame(p.a.MAC(), phantomMAC, header.IPv4ProtocolNumber,
			ipv4Packet(phantom, addrA.Addr(), header.ICMPv4ProtocolNumber, echoReply(id, seq, payload)))
	}
	fakeHost(t, p, phantom, func(id, seq uint16, payload []byte) {
		go func() {
			p.a.DeliverFrame(reply(id+1, seq, payload))
			p.a.DeliverFrame(reply(id, seq+1, payload))
			p.a.DeliverFrame(reply(id, seq, []byte("not the payload")))
			time.Sleep(delay)
			p.a.DeliverFrame(reply(id, seq, payload))
		}()
	})
	rtt, err := p.a.Ping(testContext(t, 5*time.Second), phantom, 42, []byte("payload"))
	if err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if rtt < delay {
		t.Errorf("round trip %v, less than the %v before the matching reply: a wrong reply was taken", rtt, delay)
	}
}

func TestPingWithoutMatchingReplyEndsWithContext(t *testing.T) {
	p := staticPair(t)
	phantom := netip.MustParseAddr("10.0.0.9")
	phantomMAC := [6]byte{2, 0, 0, 0, 0, 9}
	fakeHost(t, p, phantom, func(id, seq uint16, payload []byte) {
		f := ethernetFrame(p.a.MAC(), phantomMAC, header.IPv4ProtocolNumber,
			ipv4Packet(phantom, addrA.Addr(), header.ICMPv4ProtocolNumber, echoReply(id^0xffff, seq, payload)))
		go p.a.DeliverFrame(f)
	})
	_, err := p.a.Ping(testContext(t, 300*time.Millisecond), phantom, 1, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ping answered only with a wrong identifier: err = %v, want the context's deadline", err)
	}
}

func ethernetFrame(dst, src [6]byte, typ tcpip.NetworkProtocolNumber, payload []byte) []byte {
	f := make([]byte, header.EthernetMinimumSize+len(payload))
	header.Ethernet(f).Encode(&header.EthernetFields{SrcAddr: tcpip.LinkAddress(src[:]), DstAddr: tcpip.LinkAddress(dst[:]), Type: typ})
	copy(f[header.EthernetMinimumSize:], payload)
	return f
}

func ipv4Packet(src, dst netip.Addr, proto tcpip.TransportProtocolNumber, payload []byte) []byte {
	b := make([]byte, header.IPv4MinimumSize+len(payload))
	ip := header.IPv4(b)
	ip.Encode(&header.IPv4Fields{
		TotalLength: uint16(len(b)),
		TTL:         64,
		Protocol:    uint8(proto),
		SrcAddr:     toTCPIP(src),
		DstAddr:     toTCPIP(dst),
	})
	ip.SetChecksum(^ip.CalculateChecksum())
	copy(b[header.IPv4MinimumSize:], payload)
	return b
}

func echoReply(id, seq uint16, payload []byte) []byte {
	b := make([]byte, header.ICMPv4MinimumSize+len(payload))
	h := header.ICMPv4(b)
	h.SetType(header.ICMPv4EchoReply)
	h.SetIdent(id)
	h.SetSequence(seq)
	copy(h.Payload(), payload)
	h.SetChecksum(^checksum.Checksum(b, 0))
	return b
}
