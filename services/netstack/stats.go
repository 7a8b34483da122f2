package netstack

// Stats are the Stack's counters since New, for ifconfig and netstat-style
// tools. Link counts frames at the Link; the rest are gVisor's own
// counters, renamed.
type Stats struct {
	Link LinkStats
	IP   IPStats
	ARP  ARPStats
	ICMP ICMPStats
	UDP  UDPStats
	TCP  TCPStats
}

// LinkStats count Ethernet frames, headers included.
type LinkStats struct {
	FramesIn, BytesIn   uint64
	FramesOut, BytesOut uint64
	// RxDropped: inbound frames not taken: runts, frames over the MTU,
	// unicast frames for another MAC, frames after Close.
	RxDropped uint64
	// TxErrors: outbound frames Link.WriteFrame failed to send.
	TxErrors uint64
}

// IPStats count IPv4 packets.
type IPStats struct {
	PacketsIn          uint64 // received from the link
	PacketsDelivered   uint64 // handed to ICMP, UDP or TCP
	PacketsOut         uint64
	MalformedIn        uint64 // bad header, length or checksum
	InvalidDestination uint64 // not for one of our addresses
	OutErrors          uint64 // could not be written to the link
}

// ARPStats count ARP packets (RFC 826).
type ARPStats struct {
	RequestsIn, RepliesIn   uint64
	RequestsOut, RepliesOut uint64
	MalformedIn             uint64
}

// ICMPStats count ICMPv4 messages.
type ICMPStats struct {
	EchoRequestsIn, EchoRepliesIn   uint64
	EchoRequestsOut, EchoRepliesOut uint64
	UnreachableIn, UnreachableOut   uint64
	InvalidIn                       uint64
	RateLimited                     uint64 // replies not sent, RFC 1812 section 4.3.2.8
}

// UDPStats count UDP datagrams.
type UDPStats struct {
	DatagramsIn, DatagramsOut uint64
	UnknownPort               uint64 // nobody listening
	ReceiveBufferErrors       uint64 // socket full or closed
	MalformedIn               uint64
	ChecksumErrors            uint64
}

// TCPStats count TCP connections and segments.
type TCPStats struct {
	ActiveOpens, PassiveOpens uint64
	FailedAttempts            uint64
	Established               uint64 // connections in ESTABLISHED now
	ResetsOnEstablished       uint64
	SegmentsIn, SegmentsOut   uint64
	InvalidSegmentsIn         uint64
	Retransmits               uint64
	Timeouts                  uint64 // retransmission timer expiries
	ResetsIn, ResetsOut       uint64
	ChecksumErrors            uint64
}

// Stats reads the counters. Each is read atomically, not all of them at
// once.
func (s *Stack) Stats() Stats {
	g := s.ip.Stats()
	l := s.link
	var st Stats
	st.Link = LinkStats{
		FramesIn:  l.framesIn.Load(),
		BytesIn:   l.bytesIn.Load(),
		FramesOut: l.framesOut.Load(),
		BytesOut:  l.bytesOut.Load(),
		RxDropped: l.rxDropped.Load(),
		TxErrors:  l.txErrors.Load(),
	}
	st.IP = IPStats{
		PacketsIn:          g.IP.PacketsReceived.Value(),
		PacketsDelivered:   g.IP.PacketsDelivered.Value(),
		PacketsOut:         g.IP.PacketsSent.Value(),
		MalformedIn:        g.IP.MalformedPacketsReceived.Value(),
		InvalidDestination: g.IP.InvalidDestinationAddressesReceived.Value(),
		OutErrors:          g.IP.OutgoingPacketErrors.Value(),
	}
	st.ARP = ARPStats{
		RequestsIn:  g.ARP.RequestsReceived.Value(),
		RepliesIn:   g.ARP.RepliesReceived.Value(),
		RequestsOut: g.ARP.OutgoingRequestsSent.Value(),
		RepliesOut:  g.ARP.OutgoingRepliesSent.Value(),
		MalformedIn: g.ARP.MalformedPacketsReceived.Value(),
	}
	in, out := g.ICMP.V4.PacketsReceived, g.ICMP.V4.PacketsSent
	st.ICMP = ICMPStats{
		EchoRequestsIn:  in.EchoRequest.Value(),
		EchoRepliesIn:   in.EchoReply.Value(),
		EchoRequestsOut: out.EchoRequest.Value(),
		EchoRepliesOut:  out.EchoReply.Value(),
		UnreachableIn:   in.DstUnreachable.Value(),
		UnreachableOut:  out.DstUnreachable.Value(),
		InvalidIn:       in.Invalid.Value(),
		RateLimited:     out.RateLimited.Value(),
	}
	st.UDP = UDPStats{
		DatagramsIn:         g.UDP.PacketsReceived.Value(),
		DatagramsOut:        g.UDP.PacketsSent.Value(),
		UnknownPort:         g.UDP.UnknownPortErrors.Value(),
		ReceiveBufferErrors: g.UDP.ReceiveBufferErrors.Value(),
		MalformedIn:         g.UDP.MalformedPacketsReceived.Value(),
		ChecksumErrors:      g.UDP.ChecksumErrors.Value(),
	}
	st.TCP = TCPStats{
		ActiveOpens:         g.TCP.ActiveConnectionOpenings.Value(),
		PassiveOpens:        g.TCP.PassiveConnectionOpenings.Value(),
		FailedAttempts:      g.TCP.FailedConnectionAttempts.Value(),
		Established:         g.TCP.CurrentEstablished.Value(),
		ResetsOnEstablished: g.TCP.EstablishedResets.Value(),
		SegmentsIn:          g.TCP.ValidSegmentsReceived.Value(),
		SegmentsOut:         g.TCP.SegmentsSent.Value(),
		InvalidSegmentsIn:   g.TCP.InvalidSegmentsReceived.Value(),
		Retransmits:         g.TCP.Retransmits.Value(),
		Timeouts:            g.TCP.Timeouts.Value(),
		ResetsIn:            g.TCP.ResetsReceived.Value(),
		ResetsOut:           g.TCP.ResetsSent.Value(),
		ChecksumErrors:      g.TCP.ChecksumErrors.Value(),
	}
	return st
}
