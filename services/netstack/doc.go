// Package netstack is the TCP/IP stack of clk's ring-3 network service: one
// IPv4 host on one Ethernet link, built from gVisor's tcpip packages. The
// virtio-net driver moves frames; this package turns them into ARP, IPv4,
// ICMP, UDP and TCP and offers Go sockets (net.Listener, net.Conn,
// net.PacketConn) to the service's clients. It is plain Go with no clk
// imports: it is tested on the host, two stacks back to back over
// netstacktest's in-memory pipe, and builds for GOOS=clk unchanged.
//
//	s, err := netstack.New(link, netstack.Config{DHCP: true})
//	go driverReceiveLoop(s.DeliverFrame)
//	err = s.Start(ctx) // 10.0.2.15/24 via 10.0.2.2 under QEMU's slirp
//	l, err := s.ListenTCP(netip.MustParseAddrPort("0.0.0.0:22"))
//
// # gVisor's pieces
//
// stack.Stack with network/ipv4 and network/arp, and transport/tcp (with
// CUBIC), transport/udp and transport/icmp (unprivileged echo endpoints,
// like Linux ping sockets). The NIC is link/ethernet's endpoint, which adds
// and strips Ethernet headers, over a small endpoint of this package that
// writes each frame to the Link synchronously and injects delivered ones;
// link.go says why gVisor's link/channel endpoint is not used. The sockets
// are adapters/gonet's wrappers around endpoints made here, so that errors
// from opening them keep typed causes (ErrNoRoute, ErrRefused and the
// others of errors.go).
//
// gVisor's stack answers ARP requests and ICMP echo requests for the
// Stack's address by itself. Traffic to the Stack's own address loops
// inside it. TCP options (SACK, loss recovery, buffer sizes, receive-buffer
// moderation) are set in New with the reason for each.
//
// # DHCP
//
// The client is this package's own (dhcp_client.go, dhcp_message.go), after
// RFC 2131 and the options of RFC 2132. Start broadcasts DISCOVER from
// 0.0.0.0:68 to 255.255.255.255:67 with the broadcast flag set, takes the
// first OFFER with a usable address and server identifier, broadcasts a
// REQUEST naming both (options 50 and 54, which slirp requires), and
// installs the acknowledged address, subnet route and default route.
// gVisor sends only from an address of the interface, so 0.0.0.0 is one
// for the length of the exchange. Messages are padded to 548 octets, the
// size slirp reads. Retransmissions follow RFC 2131 section 4.1 (4, 8, 16
// ... 64 seconds, randomized); a NAK or four unanswered REQUESTs start over.
//
// After Start, a goroutine renews the lease at T1 by unicast to the server,
// rebinds by broadcast at T2, and when the lease ends or is refused removes
// the address and routes and goes back to DISCOVER. Replies are matched on
// xid and hardware address; every datagram is parsed with bounds checks,
// and a malformed one is dropped, never trusted and never a panic
// (FuzzDHCPMessage).
//
// DNS servers from option 6 are only reported by DNS(). The client does
// not probe the offered address with ARP before using it (RFC 2131 section
// 4.4.1 says SHOULD), sends no DECLINE and no RELEASE.
//
// # Not supported
//
// IPv6 (the protocol is not even registered), a DNS resolver, more than
// one interface or address, IP forwarding, a loopback interface for
// 127.0.0.0/8, VLANs, and checksum or segmentation offloads.
//
// # Concurrency
//
// Every method of Stack may be called from any goroutine. DeliverFrame is
// meant for the driver's receive loop: it copies the frame and processes
// it on the caller's goroutine, handing TCP segments to gVisor's protocol
// goroutines when their connection is busy. Link.WriteFrame is called from
// one goroutine at a time, under nicLink.txMu.
package netstack
