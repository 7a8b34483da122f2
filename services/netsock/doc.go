// Package netsock is the socket service: it lends the IPv4 TCP and UDP
// sockets of a network stack (Stack: clk's TCP/IP stack over the network
// device, or in tests the host's loopback) to programs, over the network
// protocol of abi/net.go. Each client has a channel of its own, which
// arrives on the service's control channel in an abi.NetConnectClient
// message; a program's runtime finds its channel in its environment
// (abi.NetEnv, CLK_NET) and makes package net's TCP and UDP sockets of it
// (rt/src/net/net_clk.go).
//
// # Concurrency
//
// ServeClient reads a client's requests in one loop and answers each on a
// goroutine of its own, with the request's transaction id, so that a call
// that waits (NetAccept, NetConnect, NetRead, NetRecvFrom, and NetWrite
// or NetSendTo while the stack's buffers are full) holds up neither the
// client's other sockets nor other calls on the same socket: NetClose or
// NetSetDeadline of a socket whose NetRead waits is served at once and
// ends or shortens that read. A client has at most abi.NetMaxPending such
// goroutines; a request beyond that is refused with ENOBUFS, except those
// that end or shorten waiting calls, which are always served. A reply
// that finds the client's queue full waits for room, one at a time
// (client.replyMu), so that a client that asked much at once holds
// goroutines of the service, not its threads.
//
// A client's state is its sockets by id (client.mu). A socket's own state
// (socket.mu) is what it has become (a TCP listener or connection, a UDP
// socket, bound or connected), its options and its deadlines; mu is never
// held across a call of the stack that waits, so that close can take it
// and end such calls: it closes the listener, connection or packet
// connection, and cancels a NetConnect's dial. Lock order: client.mu <
// socket.mu.
//
// A listener accepts in a loop of its own (socket.acceptLoop), one
// connection at a time, and hands each to the NetAccept that waits for
// it; the stack keeps the others in its backlog. That way NetAccept waits
// with a deadline the client may change meanwhile, whatever deadlines the
// stack's listener offers. Connections and UDP sockets get the client's
// deadlines as their own (SetReadDeadline, SetWriteDeadline), which end
// the calls in progress when they pass, as package net's do.
//
// Deadlines come as the kernel's monotonic clock, which the service turns
// into its own clock's time when it takes them. Each carries the client's
// sequence number of its changes: a NetSetDeadline sent while a NetRead
// waits may be served before the read's own copy of the older deadline,
// and must not be undone by it.
//
// When the client's channel closes, ServeClient closes every socket of
// the client, which ends their calls, waits for those goroutines and the
// listeners' loops, and returns.
//
// # Not supported
//
// IPv6; raw and Unix sockets; names (the protocol carries addresses, and
// the user runtime resolves only IP literals and /etc/hosts); a local
// address for an outgoing TCP connection; listeners sharing a port
// (NetOptReuseAddr is taken and ignored); out-of-band data, socket
// buffers sizes, linger and the keep-alive timings (the runtime's package
// net answers ENOPROTOOPT for those). TCP_NODELAY and SO_KEEPALIVE reach
// a connection only if the stack's connection has SetNoDelay and
// SetKeepAlive.
package netsock
