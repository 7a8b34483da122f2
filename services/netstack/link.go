package netstack

import (
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Link is the Ethernet device under the stack: in clk, the network
// service's side of the virtio-net driver.
type Link interface {
	// MAC is the device's Ethernet address.
	MAC() [6]byte
	// MTU is the largest payload of a frame, headers excluded: 1500 for
	// virtio-net without VIRTIO_NET_F_MTU.
	MTU() int
	// WriteFrame sends one whole Ethernet frame (destination, source,
	// EtherType, payload; no FCS). It may block briefly while the device's
	// transmit ring is full, which slows the sender down as a full ring
	// should. The stack calls it from one goroutine at a time and reuses
	// frame afterwards, so it must not keep frame.
	WriteFrame(frame []byte) error
}

// nicLink joins a Link to gVisor: it is the innermost link endpoint of the
// NIC, under gVisor's ethernet endpoint, which adds the Ethernet header to
// outbound packets and strips and dispatches inbound ones.
//
// Outbound frames go to Link.WriteFrame synchronously, on the goroutine
// that sends them, as gVisor's fdbased endpoint writes to its file
// descriptor. gVisor's link/channel endpoint, which queues them for a
// reader instead, does not fit: when its queue is full it drops the packet
// and still reports success (WritePackets returns no error for
// ErrNoBufferSpace), so TCP sees a loss that neither the stack nor the
// counters know about, and a window larger than the queue keeps losing.
type nicLink struct {
	link Link
	mac  tcpip.LinkAddress
	mtu  int // payload MTU; frames are up to mtu+EthernetMinimumSize long

	eth *ethernet.Endpoint

	dispatchMu sync.RWMutex
	dispatcher stack.NetworkDispatcher

	// txMu serializes WriteFrame and guards frame, the buffer each
	// outbound packet is flattened into.
	txMu  sync.Mutex
	frame []byte

	// closed is set by Stack.Close before gVisor tears the NIC down, so that
	// frames arriving meanwhile are dropped rather than injected.
	closed atomic.Bool

	framesIn, bytesIn   atomic.Uint64
	framesOut, bytesOut atomic.Uint64
	rxDropped           atomic.Uint64
	txErrors            atomic.Uint64
}

var _ stack.LinkEndpoint = (*nicLink)(nil)

func newNICLink(l Link) *nicLink {
	mac := l.MAC()
	n := &nicLink{
		link:  l,
		mac:   tcpip.LinkAddress(mac[:]),
		mtu:   l.MTU(),
		frame: make([]byte, l.MTU()+header.EthernetMinimumSize),
	}
	n.eth = ethernet.New(n)
	return n
}

// WritePackets implements stack.LinkWriter. Each packet already carries its
// Ethernet header.
func (n *nicLink) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	n.txMu.Lock()
	defer n.txMu.Unlock()
	sent := 0
	for _, pkt := range pkts.AsSlice() {
		if n.closed.Load() {
			return sent, &tcpip.ErrClosedForSend{}
		}
		size := 0
		for _, s := range pkt.AsSlices() {
			size += copy(n.frame[size:], s)
		}
		if err := n.link.WriteFrame(n.frame[:size]); err != nil {
			// The driver's error means nothing to gVisor; TCP treats
			// the segment as lost and retransmits.
			n.txErrors.Add(1)
			return sent, &tcpip.ErrAborted{}
		}
		n.framesOut.Add(1)
		n.bytesOut.Add(uint64(size))
		sent++
	}
	return sent, nil
}

// deliver injects one inbound frame. Runts, frames longer than the MTU
// allows (this stack does not speak 802.1Q) and unicast frames for another
// station are dropped: a device in promiscuous mode must not make the stack
// answer for other hosts.
func (n *nicLink) deliver(frame []byte) {
	if n.closed.Load() || len(frame) < header.EthernetMinimumSize || len(frame) > n.mtu+header.EthernetMinimumSize {
		n.rxDropped.Add(1)
		return
	}
	dst := header.Ethernet(frame).DestinationAddress()
	if dst != n.mac && dst != header.EthernetBroadcastAddress && !header.IsMulticastEthernetAddress(dst) {
		n.rxDropped.Add(1)
		return
	}
	n.dispatchMu.RLock()
	d := n.dispatcher
	n.dispatchMu.RUnlock()
	if d == nil {
		n.rxDropped.Add(1)
		return
	}
	n.framesIn.Add(1)
	n.bytesIn.Add(uint64(len(frame)))
	// MakeWithData copies: the driver may reuse frame once deliver returns.
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(frame)})
	d.DeliverNetworkPacket(0, pkt) // the ethernet endpoint reads the EtherType
	pkt.DecRef()
}

// The rest implements stack.NetworkLinkEndpoint for a device whose address
// and MTU are fixed and that offers no offloads: virtio-net as clk's driver
// negotiates it.

// MTU counts the Ethernet header, which the ethernet endpoint subtracts
// again when it reports the NIC's MTU.
func (n *nicLink) MTU() uint32 { return uint32(n.mtu + header.EthernetMinimumSize) }

// SetMTU does nothing: the MTU is the device's.
func (n *nicLink) SetMTU(uint32) {}

// MaxHeaderLength is zero: the ethernet endpoint above adds the header.
func (n *nicLink) MaxHeaderLength() uint16 { return 0 }

// LinkAddress is the device's MAC.
func (n *nicLink) LinkAddress() tcpip.LinkAddress { return n.mac }

// SetLinkAddress does nothing: the MAC is the device's.
func (n *nicLink) SetLinkAddress(tcpip.LinkAddress) {}

// Capabilities are none: checksums are computed in software.
func (n *nicLink) Capabilities() stack.LinkEndpointCapabilities { return 0 }

// Attach sets where inbound frames go; gVisor calls it with the ethernet
// endpoint when the NIC is created and with nil when it is removed.
func (n *nicLink) Attach(d stack.NetworkDispatcher) {
	n.dispatchMu.Lock()
	defer n.dispatchMu.Unlock()
	n.dispatcher = d
}

// IsAttached reports whether the NIC exists.
func (n *nicLink) IsAttached() bool {
	n.dispatchMu.RLock()
	defer n.dispatchMu.RUnlock()
	return n.dispatcher != nil
}

// Wait returns at once: the endpoint has no goroutines.
func (n *nicLink) Wait() {}

// ARPHardwareType is left to the ethernet endpoint.
func (n *nicLink) ARPHardwareType() header.ARPHardwareType { return header.ARPHardwareNone }

// AddHeader does nothing: the ethernet endpoint adds the header.
func (n *nicLink) AddHeader(*stack.PacketBuffer) {}

// ParseHeader does nothing: the ethernet endpoint parses the header.
func (n *nicLink) ParseHeader(*stack.PacketBuffer) bool { return true }

// Close stops writes to the Link.
func (n *nicLink) Close() { n.closed.Store(true) }

// SetOnCloseAction does nothing: the endpoint never closes by itself.
func (n *nicLink) SetOnCloseAction(func()) {}
