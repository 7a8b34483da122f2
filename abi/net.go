package abi

// The network protocol: what a program (through the user runtime's package
// net) says to the network service over a channel of its own, to use the
// service's IPv4 TCP and UDP sockets. Every request is a channel_call, or a
// channel_write under a transaction id the client chose, which the service
// answers alike: the reply carries the request's txid and type and starts
// with a NetStatus, 0 or an error number as Linux numbers them, which the
// user runtime's packages syscall and net use as they are:
//
//	EIO 5, EBADF 9, EAGAIN 11, EINVAL 22, EMFILE 24, EPIPE 32, EMSGSIZE 90,
//	ENOPROTOOPT 92, EPROTONOSUPPORT 93, EOPNOTSUPP 95, EAFNOSUPPORT 97,
//	EADDRINUSE 98, EADDRNOTAVAIL 99, ENETUNREACH 101, ECONNABORTED 103,
//	ECONNRESET 104, ENOBUFS 105, EISCONN 106, ENOTCONN 107, ETIMEDOUT 110,
//	ECONNREFUSED 111, EHOSTUNREACH 113, EALREADY 114
//
// A socket id names a socket the client made; ids are the client's alone,
// die with its channel and are not given again while it lasts (the count
// would have to wrap past 2^32 first), so that a request still on its way
// for a closed socket never reaches a new one.
//
// Every request is a NetRequest, then, for three types, a NetAddr, then,
// for two, data. Its fields are zero where the table does not use them:
//
//	NetSocket       request: arg the kind, NetTCP or NetUDP
//	                reply:   status, then uint32 id, uint32 zero
//	NetBind         request: id, then the NetAddr to bind (address 0.0.0.0: any; port 0: one the service picks)
//	                reply:   status, then the NetAddr bound
//	NetListen       request: id, arg the backlog (a hint; the stack's own applies)
//	                reply:   status, then the listener's NetAddr
//	NetAccept       request: id, deadline, seq
//	                reply:   status, then uint32 id of the new connection, uint32 zero, NetAddr local, NetAddr peer
//	NetConnect      request: id, deadline, then the peer's NetAddr
//	                reply:   status, then NetAddr local, NetAddr peer
//	NetRead         request: id, arg the most bytes wanted (1 to NetMaxIO), deadline, seq
//	                reply:   status, then the bytes; none, with status 0, is the end of the stream (of a UDP socket: an empty datagram)
//	NetWrite        request: id, deadline, seq, then the bytes (at most NetMaxIO)
//	                reply:   status, then uint32 count written, uint32 zero
//	NetSendTo       request: id, deadline, seq, then the receiver's NetAddr, then the datagram (at most NetMaxIO)
//	                reply:   status, then uint32 count sent, uint32 zero
//	NetRecvFrom     request: id, arg the most bytes wanted (1 to NetMaxIO), deadline, seq
//	                reply:   status, then the sender's NetAddr, then the datagram, cut to the size wanted
//	NetClose        request: id
//	NetShutdown     request: id, arg how: NetShutRead, NetShutWrite or NetShutBoth
//	NetSetOption    request: id, arg the option (NetOptReuseAddr, NetOptNoDelay, NetOptKeepAlive), value 0 or 1
//	NetSetDeadline  request: id, arg which: NetDeadlineRead or NetDeadlineWrite, deadline, seq
//
// NetClose, NetShutdown, NetSetOption and NetSetDeadline reply with the
// status alone. NetWrite and NetSendTo count what they moved also when the
// status is not 0 (a write that timed out half way).
//
// Sockets. NetBind of a TCP socket keeps the address for NetListen, which
// opens the listener there (and so says EADDRINUSE, not NetBind); NetListen
// without NetBind listens on 0.0.0.0 at a port the service picks. A TCP
// socket is either a listener (NetListen, then NetAccept) or a connection
// (NetConnect, or made by NetAccept): NetRead, NetWrite and NetShutdown
// need a connection (ENOTCONN), and an outgoing connection takes no local
// address (EOPNOTSUPP after NetBind). NetBind of a UDP socket opens it at
// the address; NetConnect of a UDP socket (bound first to 0.0.0.0 at any
// port when it is not) makes the address its peer, from which alone it
// then receives and to which NetRead and NetWrite move datagrams; its
// NetSendTo is EISCONN. NetRecvFrom needs a bound UDP socket; NetSendTo
// binds one that is not, as sendto(2) does. Requests of a type the socket
// cannot take are EINVAL, as are malformed requests.
//
// Deadlines are points of the monotonic clock (Deadlines), DeadlineNever
// for none. The service keeps two for each socket: the read deadline,
// which governs NetAccept, NetRead and NetRecvFrom, and the write
// deadline, which governs NetWrite and NetSendTo. Each request of those
// types carries the client's deadline for its direction with seq, the
// client's count of its changes to it, and so does NetSetDeadline; the
// service takes a deadline whose seq is at least the one it holds and
// ignores an older one, so that a change the client made while a call
// waited wins over that call's own copy arriving late. The deadline held
// governs the calls in progress as well as those to come: once it has
// passed they end with EAGAIN, at once if it had passed before they
// started, whether data is waiting or not. A client that never changes a
// deadline while a call waits may send seq 0 throughout. NetConnect's
// deadline is its own: when it passes the connect ends with ETIMEDOUT.
//
// Ending calls. NetClose removes the socket and ends its calls in
// progress, which reply EBADF; when the client's channel closes, the
// service closes every socket of the client.
//
// Bounds: a client has at most NetMaxSockets sockets (EMFILE beyond) and
// NetMaxPending requests in progress; a request beyond that is answered
// at once with ENOBUFS, unless it is NetClose, NetShutdown, NetSetOption
// or NetSetDeadline, which are always served, so that a client whose calls
// all wait can still end them.
//
// Options: a TCP connection starts with NetOptNoDelay and NetOptKeepAlive
// on, as Go's package net sets them, and the service applies both when its
// stack's connection can take them, ignoring them otherwise;
// NetOptReuseAddr is taken and ignored (the stack decides how its
// listeners share ports). Another option is ENOPROTOOPT.
const (
	NetSocket      = 1
	NetBind        = 2
	NetListen      = 3
	NetAccept      = 4
	NetConnect     = 5
	NetRead        = 6
	NetWrite       = 7
	NetSendTo      = 8
	NetRecvFrom    = 9
	NetClose       = 10
	NetShutdown    = 11
	NetSetOption   = 12
	NetSetDeadline = 13

	// NetConnectClient, on the service's control channel, carries a
	// channel endpoint, whose peer becomes a new client.
	NetConnectClient = 100
	// NetInfo and NetPing are the kernel's questions on the control
	// channel, as channel calls (the shell's ifconfig and ping):
	//
	//	NetInfo  request: nothing
	//	         reply:   status, then NetInterface
	//	NetPing  request: uint32 IPv4 address (network order), uint16 sequence, uint16 zero, uint64 timeout in ns
	//	         reply:   status (ETIMEDOUT 110 without an answer, EHOSTUNREACH 113 without a route), then uint64 the round trip in ns
	NetInfo = 101
	NetPing = 102

	// NetMaxIO is the most bytes one request or reply moves.
	NetMaxIO = MaxData - 4096
	// NetMaxSockets is the most sockets one client has at once.
	NetMaxSockets = 1024
	// NetMaxPending is the most requests of one client in progress.
	NetMaxPending = 2 * NetMaxSockets

	// NetRequestSize is the size of a NetRequest, NetAddrSize of a
	// NetAddr and NetStatusSize of the status heading a reply.
	NetRequestSize = 24
	NetAddrSize    = 8
	NetStatusSize  = 8
)

// Kinds of NetSocket.
const (
	NetTCP = 1
	NetUDP = 2
)

// How of NetShutdown: Linux's SHUT_RD, SHUT_WR and SHUT_RDWR.
const (
	NetShutRead  = 0
	NetShutWrite = 1
	NetShutBoth  = 2
)

// Which of NetSetDeadline.
const (
	NetDeadlineRead  = 1
	NetDeadlineWrite = 2
)

// Options of NetSetOption.
const (
	NetOptReuseAddr = 1
	NetOptNoDelay   = 2
	NetOptKeepAlive = 3
)

// NetRequest heads every request of the network protocol.
//
//	offset 0   uint32 socket id (0 for NetSocket)
//	offset 4   uint32 arg: the kind, backlog, size wanted, how, option or which
//	offset 8   uint64 deadline
//	offset 16  uint32 seq: which of the client's settings of the deadline it is
//	offset 20  uint32 value: an option's value
type NetRequest struct {
	ID       uint32
	Arg      uint32
	Deadline uint64
	Seq      uint32
	Value    uint32
}

// Marshal appends the request to b.
func (r NetRequest) Marshal(b []byte) []byte {
	b = le.AppendUint32(b, r.ID)
	b = le.AppendUint32(b, r.Arg)
	b = le.AppendUint64(b, r.Deadline)
	b = le.AppendUint32(b, r.Seq)
	return le.AppendUint32(b, r.Value)
}

// UnmarshalNetRequest reads a request from the head of b.
func UnmarshalNetRequest(b []byte) (NetRequest, bool) {
	if len(b) < NetRequestSize {
		return NetRequest{}, false
	}
	return NetRequest{
		ID: le.Uint32(b), Arg: le.Uint32(b[4:]), Deadline: le.Uint64(b[8:]),
		Seq: le.Uint32(b[16:]), Value: le.Uint32(b[20:]),
	}, true
}

// NetAddr is an IPv4 address and port.
//
//	offset 0  4 bytes the address, most significant first (10.0.2.2 is 10, 0, 2, 2)
//	offset 4  uint16 port
//	offset 6  uint16 zero
type NetAddr struct {
	IP   [4]byte
	Port uint16
}

// Marshal appends the address to b.
func (a NetAddr) Marshal(b []byte) []byte {
	b = append(b, a.IP[:]...)
	b = le.AppendUint16(b, a.Port)
	return le.AppendUint16(b, 0)
}

// UnmarshalNetAddr reads an address from the head of b.
func UnmarshalNetAddr(b []byte) (NetAddr, bool) {
	if len(b) < NetAddrSize {
		return NetAddr{}, false
	}
	return NetAddr{IP: [4]byte(b[:4]), Port: le.Uint16(b[4:])}, true
}

// NetStatus heads every reply: 0 or a Linux error number, then four bytes
// of zero.
func NetStatus(b []byte, errno uint32) []byte {
	b = le.AppendUint32(b, errno)
	return le.AppendUint32(b, 0)
}

// NetStatusOf reads the status at the head of a reply; a reply too short
// to hold one is EIO (5).
func NetStatusOf(b []byte) uint32 {
	if len(b) < NetStatusSize {
		return 5
	}
	return le.Uint32(b)
}

// NetEnv is the environment variable that names, in hexadecimal as
// HandlesEnv does, the startup handle that is the program's channel to the
// network service, which the user runtime's package net then uses for its
// TCP and UDP sockets.
const NetEnv = "CLK_NET"

// NetInterface is what NetInfo says of the service's interface.
//
//	offset 0   6 bytes MAC, 2 bytes zero
//	offset 8   4 bytes IPv4 address (network order), uint8 prefix length, 3 bytes zero
//	offset 16  4 bytes gateway (network order), 4 bytes DNS server (network order, 0 if none)
//	offset 24  uint64 frames in, bytes in, frames out, bytes out, frames dropped in, errors out
type NetInterface struct {
	MAC                                    [6]byte
	Addr                                   [4]byte
	PrefixLen                              uint8
	Gateway, DNS                           [4]byte
	FramesIn, BytesIn, FramesOut, BytesOut uint64
	DroppedIn, ErrorsOut                   uint64
}

// NetInterfaceSize is the size of a NetInterface.
const NetInterfaceSize = 72

// Marshal appends the record to b.
func (n *NetInterface) Marshal(b []byte) []byte {
	b = append(b, n.MAC[:]...)
	b = append(b, 0, 0)
	b = append(b, n.Addr[:]...)
	b = append(b, n.PrefixLen, 0, 0, 0)
	b = append(b, n.Gateway[:]...)
	b = append(b, n.DNS[:]...)
	for _, v := range []uint64{n.FramesIn, n.BytesIn, n.FramesOut, n.BytesOut, n.DroppedIn, n.ErrorsOut} {
		b = le.AppendUint64(b, v)
	}
	return b
}

// UnmarshalNetInterface reads a record from the head of b.
func UnmarshalNetInterface(b []byte) (NetInterface, bool) {
	var n NetInterface
	if len(b) < NetInterfaceSize {
		return n, false
	}
	copy(n.MAC[:], b[0:6])
	copy(n.Addr[:], b[8:12])
	n.PrefixLen = b[12]
	copy(n.Gateway[:], b[16:20])
	copy(n.DNS[:], b[20:24])
	vs := []*uint64{&n.FramesIn, &n.BytesIn, &n.FramesOut, &n.BytesOut, &n.DroppedIn, &n.ErrorsOut}
	for i, v := range vs {
		*v = le.Uint64(b[24+8*i:])
	}
	return n, true
}
