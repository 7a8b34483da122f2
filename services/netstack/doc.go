// Package netstack is the TCP/IP stack of clk's ring-3 network service: one
// IPv4 host on one Ethernet link, built from gVisor's tcpip packages. The
// virtio-net driver moves frames; this package turns them into ARP, IPv4,
// ICMP, UDP and TCP and offers Go sockets (net.Listener, net.Conn,
// net.PacketConn) to the service's clients. It is plain Go with no clk
// imports: it is tested on the host, two stacks back to back over
// netstacktest's in-memory pipe, and builds for GOOS=clk unchanged.
//
//	s, err := netstack.New(link, netstack.Config{
//		Addr:    netip.MustParsePrefix("10.0.2.15/24"), // QEMU's slirp
//		Gateway: netip.MustParseAddr("10.0.2.2"),
//	})
//	go driverReceiveLoop(s.DeliverFrame)
//	err = s.Start(ctx)
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
