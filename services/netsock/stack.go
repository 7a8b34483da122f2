package netsock

import (
	"context"
	"net"
	"net/netip"
)

// Stack is the network stack whose sockets the service lends its clients:
// clk's TCP/IP stack over the network device, or in tests the host's
// loopback. Addresses are IPv4.
//
// What the service relies on, as package net's types provide it: the
// listeners, connections and packet connections may be used from several
// goroutines at once; Close ends the calls in progress on them; a
// connection's or packet connection's deadlines end the calls in progress
// once they pass, with an error that is, or wraps, os.ErrDeadlineExceeded
// or has a Timeout method saying true; DialTCP gives up when ctx is done.
//
// Errors become the statuses of the protocol: one that wraps a
// syscall.Errno (as the host's package net's do) is that number, so a
// stack should wrap the Linux error number of what went wrong
// (ECONNREFUSED, EADDRINUSE, ECONNRESET ...); io.ErrClosedPipe is EPIPE,
// net.ErrClosed EBADF and any other error EIO.
//
// Optional methods, used when a connection has them and ignored
// otherwise: SetNoDelay(bool) error and SetKeepAlive(bool) error for the
// options, CloseRead() error and CloseWrite() error for NetShutdown.
type Stack interface {
	// ListenTCP opens a TCP listener at addr (port 0: any free port).
	ListenTCP(addr netip.AddrPort) (net.Listener, error)
	// DialTCP connects to addr.
	DialTCP(ctx context.Context, addr netip.AddrPort) (net.Conn, error)
	// ListenUDP opens a UDP socket at addr (port 0: any free port).
	ListenUDP(addr netip.AddrPort) (net.PacketConn, error)
}
