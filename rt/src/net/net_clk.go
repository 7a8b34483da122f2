// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package net

import (
	"context"
	"internal/byteorder"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname
)

// Sockets of the network service.
//
// On clk, package net has two networks. A program whose runtime has a
// transport to the network service (a ring-3 program whose environment
// names its channel, CLK_NET; or one the kernel or a test installed, see
// syscall.clkNetService) makes every TCP and UDP socket there: the
// service's stack lends them, and this file speaks the network protocol
// of clk/abi's net.go (constants in znet_clk.go) to it. Loopback
// addresses go to the service too, so that a program's listeners and
// dials meet wherever they are, and whether 127.0.0.1 answers is the
// stack's business. Any other program, and every Unix socket, uses the
// in-memory network of net_fake.go, as js and wasip1 do: its sockets
// reach only the same program's.
//
// A netFD (fd_clk.go) holds either a fakeNetFD or a remoteSock. A
// remoteSock is the service's socket id on the transport it was made
// with; every call on it is a request that waits for its reply, while
// the program's other goroutines run: the transport parks the caller
// (syscall's channelMux), so a thousand idle connections do not hold a
// thousand threads.
//
// Deadlines: each direction (reads and accepts; writes) keeps its
// deadline here, as a time for the check a call makes before it starts
// (a deadline that has passed fails a call at once, as poll.FD's does)
// and as the monotonic clock's nanoseconds, which each request carries
// with seq, the count of the direction's changes. A change while calls of
// its direction are in progress is also sent at once (NetSetDeadline),
// so that it reaches them: net/http's server ends its background read by
// setting a deadline in the past. The service takes whichever copy has
// the higher seq, so a request that carried the old deadline and arrives
// after the change cannot undo it.
//
// Close marks the socket closed here, so that calls started afterwards
// fail with ErrClosed without a request, and sends NetClose, which ends
// the calls in progress on the service's side: they come back EBADF and
// return ErrClosed. A Write larger than a message is sent in pieces under
// wmu, so that two Writes do not interleave their bytes; reads are not
// serialized (each is one request). A dial whose context ends closes its
// socket, which ends the NetConnect.
//
// Options: a connection of the service starts with TCP_NODELAY and
// SO_KEEPALIVE on, Go's defaults, so newTCPConn's settings cost no
// request; a change is sent (NetSetOption). The keep-alive timings,
// buffer sizes and linger are not in the protocol: ENOPROTOOPT.
//
// Not supported: IPv6 (an IPv6 address, or a tcp6 or udp6 socket that
// must be IPv6 only, is EAFNOSUPPORT; a dual-stack socket, as a listener
// on ":80" is, works with IPv4 and IPv4-mapped addresses), raw sockets,
// Dialer.Control and ListenConfig.Control (there is no descriptor to give
// them: ENOTSUP), File and SyscallConn's descriptors, a local address for
// an outgoing TCP connection, out-of-band data. Names resolve as on any
// clk program: IP literals and /etc/hosts; anything else goes to the DNS
// servers of /etc/resolv.conf (127.0.0.1:53 without one), here through
// the service, and fails when none answers.

// netServiceTransport is syscall.clkNetTransport: the transport to the
// network service, nil without one. Pulled via linkname, so that package
// syscall's API gains nothing that only package net may use.
//
//go:linkname netServiceTransport syscall.clkNetTransport
func netServiceTransport() (call func(typ uint32, req, resp []byte) (int, syscall.Errno), clock func() uint64)

// remoteTransport is a transport and its clock, as
// syscall.clkNetService's contract describes them.
type remoteTransport struct {
	call  func(typ uint32, req, resp []byte) (int, syscall.Errno)
	clock func() uint64
}

// serviceSocket makes a socket of the network service for socket
// (net_fake.go), when the program has a transport and net is TCP or UDP;
// otherwise ok is false and the fake network makes it. Its arguments are
// socket's.
func serviceSocket(ctx context.Context, net string, family, sotype int, ipv6only bool, laddr, raddr sockaddr, ctrlCtxFn func(context.Context, string, string, syscall.RawConn) error) (fd *netFD, ok bool, err error) {
	var kind uint32
	switch {
	case sotype == syscall.SOCK_STREAM && (net == "tcp" || net == "tcp4" || net == "tcp6"):
		kind = netTCP
	case sotype == syscall.SOCK_DGRAM && (net == "udp" || net == "udp4" || net == "udp6"):
		kind = netUDP
	default:
		return nil, false, nil
	}
	call, clock := netServiceTransport()
	if call == nil {
		return nil, false, nil
	}
	if ctrlCtxFn != nil {
		return nil, true, os.NewSyscallError("socket", syscall.ENOTSUP)
	}
	lip, lport, lok := inet4(laddr)
	rip, rport, rok := inet4(raddr)
	if (family == syscall.AF_INET6 && ipv6only) || !lok || !rok {
		return nil, true, os.NewSyscallError("socket", syscall.EAFNOSUPPORT)
	}
	rs, err := openRemote(&remoteTransport{call: call, clock: clock}, kind)
	if err != nil {
		return nil, true, err
	}
	fd = &netFD{family: family, sotype: sotype, net: net, remote: rs}
	fd.pfd.Sysfd = -1 // no descriptor for SyscallConn's callers to misuse
	fail := func(err error) (*netFD, bool, error) {
		rs.close()
		return nil, true, err
	}
	if raddr == nil {
		// A listener, or a UDP socket that is not connected.
		if kind == netTCP {
			if _, _, err := rs.bind(lip, lport); err != nil {
				return fail(err)
			}
			ip, port, err := rs.listen(listenerBacklog())
			if err != nil {
				return fail(err)
			}
			fd.laddr = &TCPAddr{IP: ip, Port: port}
		} else {
			ip, port, err := rs.bind(lip, lport)
			if err != nil {
				return fail(err)
			}
			fd.laddr = &UDPAddr{IP: ip, Port: port}
		}
		closeWhenLost(fd)
		return fd, true, nil
	}
	if !isNilAddr(laddr) {
		// The service refuses a TCP connect from a bound socket
		// (EOPNOTSUPP): its stack dials from an address of its own.
		if _, _, err := rs.bind(lip, lport); err != nil {
			return fail(err)
		}
	}
	lip2, lport2, pip, pport, err := rs.connect(ctx, rip, rport)
	if err != nil {
		return fail(err)
	}
	fd.isConnected = true
	if kind == netTCP {
		fd.laddr, fd.raddr = &TCPAddr{IP: lip2, Port: lport2}, &TCPAddr{IP: pip, Port: pport}
	} else {
		fd.laddr, fd.raddr = &UDPAddr{IP: lip2, Port: lport2}, &UDPAddr{IP: pip, Port: pport}
	}
	closeWhenLost(fd)
	return fd, true, nil
}

// closeWhenLost closes fd's socket of the service when fd becomes
// unreachable unclosed, as fd_fake.go's finalizer does for its sockets:
// the service would otherwise hold it until the program ends. The close
// is a request, which waits for the service: it goes on a goroutine of
// its own rather than hold up the runtime's other cleanups.
func closeWhenLost(fd *netFD) {
	runtime.AddCleanup(fd, func(rs *remoteSock) { go rs.close() }, fd.remote)
}

// isNilAddr reports whether a is a nil *TCPAddr or *UDPAddr, as the dial
// functions pass for no local address.
func isNilAddr(a sockaddr) bool {
	switch a := a.(type) {
	case *TCPAddr:
		return a == nil
	case *UDPAddr:
		return a == nil
	}
	return a == nil
}

// inet4 returns the IPv4 address and port of a, a TCP or UDP address,
// with 0.0.0.0 for an unspecified one (IPv6's too: the dual-stack
// wildcard) and for none; false when a is IPv6.
func inet4(a sockaddr) (ip [4]byte, port int, ok bool) {
	var aip IP
	switch a := a.(type) {
	case nil:
		return ip, 0, true
	case *TCPAddr:
		if a == nil {
			return ip, 0, true
		}
		aip, port = a.IP, a.Port
	case *UDPAddr:
		if a == nil {
			return ip, 0, true
		}
		aip, port = a.IP, a.Port
	default:
		return ip, 0, false
	}
	if len(aip) == 0 || aip.IsUnspecified() {
		return ip, port, true
	}
	ip4 := aip.To4()
	if ip4 == nil {
		return ip, 0, false
	}
	return [4]byte(ip4), port, true
}

// A remoteSock is a socket of the network service.
type remoteSock struct {
	t      *remoteTransport
	id     uint32
	closed atomic.Bool
	rd, wd remoteDeadline
	// wmu serializes Writes: one larger than a message goes in pieces,
	// which must not interleave with another Write's.
	wmu sync.Mutex
	// optMu guards the options as the service holds them.
	optMu              sync.Mutex
	noDelay, keepAlive bool
}

// A remoteDeadline is one direction's deadline of a remoteSock.
type remoteDeadline struct {
	which uint32 // netDeadlineRead or netDeadlineWrite
	mu    sync.Mutex
	t     time.Time // zero for none
	raw   uint64    // t by the monotonic clock; clkDeadlineNever for none
	seq   uint32    // the count of changes
	// calls counts the calls of the direction in progress: a change is
	// sent at once when there are any.
	calls atomic.Int32
}

// A sockMsg holds a request and its reply. Replies may take a whole
// message, so they are recycled.
type sockMsg struct {
	req  []byte
	resp [clkMaxData]byte
}

var sockMsgs = sync.Pool{New: func() any { return &sockMsg{req: make([]byte, 0, clkMaxData)} }}

// openRemote makes a socket of kind netTCP or netUDP.
func openRemote(t *remoteTransport, kind uint32) (*remoteSock, error) {
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], 0, kind, 0, 0, 0)
	st, body := doRequest(t, netSocket, m)
	if st != 0 {
		return nil, os.NewSyscallError("socket", st)
	}
	if len(body) < 4 {
		return nil, os.NewSyscallError("socket", syscall.EIO)
	}
	return newRemoteSock(t, byteorder.LEUint32(body)), nil
}

// newRemoteSock returns the socket id of the service, as the service
// makes it: no deadlines, and TCP_NODELAY and SO_KEEPALIVE on.
func newRemoteSock(t *remoteTransport, id uint32) *remoteSock {
	return &remoteSock{
		t: t, id: id, noDelay: true, keepAlive: true,
		rd: remoteDeadline{which: netDeadlineRead, raw: clkDeadlineNever},
		wd: remoteDeadline{which: netDeadlineWrite, raw: clkDeadlineNever},
	}
}

// appendRequest appends an abi.NetRequest to b.
func appendRequest(b []byte, id, arg uint32, deadline uint64, seq, value uint32) []byte {
	b = byteorder.LEAppendUint32(b, id)
	b = byteorder.LEAppendUint32(b, arg)
	b = byteorder.LEAppendUint64(b, deadline)
	b = byteorder.LEAppendUint32(b, seq)
	return byteorder.LEAppendUint32(b, value)
}

// appendAddr appends an abi.NetAddr to b.
func appendAddr(b []byte, ip [4]byte, port int) []byte {
	b = append(b, ip[:]...)
	b = byteorder.LEAppendUint16(b, uint16(port))
	return byteorder.LEAppendUint16(b, 0)
}

// addrAt reads the abi.NetAddr at b's head, as an IP of 4 bytes.
func addrAt(b []byte) (IP, int, bool) {
	if len(b) < netAddrSize {
		return nil, 0, false
	}
	return IP{b[0], b[1], b[2], b[3]}, int(byteorder.LEUint16(b[4:])), true
}

// doRequest sends the request in m.req and returns the reply's status and
// what follows it, which lies in m.resp. A transport that fails, or a
// reply too short for a status, is EIO.
func doRequest(t *remoteTransport, typ uint32, m *sockMsg) (syscall.Errno, []byte) {
	n, e := t.call(typ, m.req, m.resp[:])
	if e != 0 || n < netStatusSize {
		return syscall.EIO, nil
	}
	return syscall.Errno(byteorder.LEUint32(m.resp[:])), m.resp[netStatusSize:n]
}

// failure returns the error of op for a status: ErrClosed once the
// socket is closed, whatever the service said, os.ErrDeadlineExceeded
// for EAGAIN (the service's word for a deadline that passed), else the
// status as a system call's error.
func (rs *remoteSock) failure(op string, st syscall.Errno) error {
	switch {
	case rs.closed.Load():
		return ErrClosed
	case st == syscall.EAGAIN:
		return os.ErrDeadlineExceeded
	}
	return os.NewSyscallError(op, st)
}

// simple makes a request whose reply is the status alone.
func (rs *remoteSock) simple(op string, typ, arg, value uint32) error {
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], rs.id, arg, 0, 0, value)
	if st, _ := doRequest(rs.t, typ, m); st != 0 {
		return rs.failure(op, st)
	}
	return nil
}

// close closes the socket on the service, once; calls in progress end.
func (rs *remoteSock) close() error {
	if rs.closed.Swap(true) {
		return ErrClosed
	}
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], rs.id, 0, 0, 0, 0)
	if st, _ := doRequest(rs.t, netClose, m); st != 0 && st != syscall.EBADF {
		return os.NewSyscallError("close", st)
	}
	return nil
}

// bind binds the socket to ip and port and returns the address bound.
func (rs *remoteSock) bind(ip [4]byte, port int) (IP, int, error) {
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendAddr(appendRequest(m.req[:0], rs.id, 0, 0, 0, 0), ip, port)
	st, body := doRequest(rs.t, netBind, m)
	if st != 0 {
		return nil, 0, rs.failure("bind", st)
	}
	bip, bport, ok := addrAt(body)
	if !ok {
		return nil, 0, os.NewSyscallError("bind", syscall.EIO)
	}
	return bip, bport, nil
}

// listen makes the socket a listener and returns its address.
func (rs *remoteSock) listen(backlog int) (IP, int, error) {
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], rs.id, uint32(backlog), 0, 0, 0)
	st, body := doRequest(rs.t, netListen, m)
	if st != 0 {
		return nil, 0, rs.failure("listen", st)
	}
	ip, port, ok := addrAt(body)
	if !ok {
		return nil, 0, os.NewSyscallError("listen", syscall.EIO)
	}
	return ip, port, nil
}

// connect connects the socket to ip and port, giving up when ctx ends,
// and returns both ends' addresses.
func (rs *remoteSock) connect(ctx context.Context, ip [4]byte, port int) (lip IP, lport int, pip IP, pport int, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, nil, 0, mapErr(err)
	}
	raw := uint64(clkDeadlineNever)
	if d, ok := ctx.Deadline(); ok {
		raw = rs.t.deadline(d)
	}
	// The context's end closes the socket, which ends the NetConnect.
	stop := context.AfterFunc(ctx, func() { rs.close() })
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendAddr(appendRequest(m.req[:0], rs.id, 0, raw, 0, 0), ip, port)
	st, body := doRequest(rs.t, netConnect, m)
	if !stop() || ctx.Err() != nil {
		return nil, 0, nil, 0, mapErr(ctx.Err())
	}
	if st != 0 {
		return nil, 0, nil, 0, rs.failure("connect", st)
	}
	lip, lport, ok1 := addrAt(body)
	pip, pport, ok2 := addrAt(body[min(len(body), netAddrSize):])
	if !ok1 || !ok2 {
		return nil, 0, nil, 0, os.NewSyscallError("connect", syscall.EIO)
	}
	return lip, lport, pip, pport, nil
}

// deadline returns t by the monotonic clock: 0 (at once) when it has
// passed.
func (t *remoteTransport) deadline(at time.Time) uint64 {
	left := time.Until(at)
	if left <= 0 {
		return 0
	}
	raw := t.clock() + uint64(left)
	if raw < uint64(left) || raw >= clkDeadlineNever {
		return clkDeadlineNever - 1
	}
	return raw
}

// set changes the deadline to t, which calls of the direction in
// progress get at once.
func (d *remoteDeadline) set(rs *remoteSock, t time.Time) error {
	if rs.closed.Load() {
		return ErrClosed
	}
	raw := uint64(clkDeadlineNever)
	if !t.IsZero() {
		raw = rs.t.deadline(t)
	}
	d.mu.Lock()
	d.seq++
	d.t, d.raw = t, raw
	seq := d.seq
	d.mu.Unlock()
	if d.calls.Load() == 0 {
		return nil
	}
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], rs.id, d.which, raw, seq, 0)
	if st, _ := doRequest(rs.t, netSetDeadline, m); st != 0 {
		return rs.failure("setdeadline", st)
	}
	return nil
}

// begin counts a call of the direction in progress, until end, and
// returns the deadline for its request: false when it has passed.
//
// A change the call does not see (made after begin read it) sees the
// call counted, and is sent: calls is counted before the deadline is
// read, and set writes the deadline before it reads calls.
func (d *remoteDeadline) begin() (raw uint64, seq uint32, ok bool) {
	d.calls.Add(1)
	d.mu.Lock()
	raw, seq, t := d.raw, d.seq, d.t
	d.mu.Unlock()
	return raw, seq, t.IsZero() || time.Now().Before(t)
}

func (d *remoteDeadline) end() { d.calls.Add(-1) }

// read reads into p: bytes of a connection, or a datagram with its
// sender, when from. It returns 0 and no error at the end of a stream,
// and for an empty datagram.
func (rs *remoteSock) read(p []byte, from bool) (n int, fip IP, fport int, err error) {
	op, typ := "read", uint32(netRead)
	if from {
		op, typ = "recvfrom", netRecvFrom
	}
	if rs.closed.Load() {
		return 0, nil, 0, ErrClosed
	}
	raw, seq, ok := rs.rd.begin()
	defer rs.rd.end()
	if !ok {
		return 0, nil, 0, os.ErrDeadlineExceeded
	}
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], rs.id, uint32(max(1, min(len(p), netMaxIO))), raw, seq, 0)
	st, body := doRequest(rs.t, typ, m)
	if st != 0 {
		return 0, nil, 0, rs.failure(op, st)
	}
	if from {
		var ok bool
		if fip, fport, ok = addrAt(body); !ok {
			return 0, nil, 0, os.NewSyscallError(op, syscall.EIO)
		}
		body = body[netAddrSize:]
	}
	return copy(p, body), fip, fport, nil
}

// write writes p: bytes of a connection, in as many requests as it takes;
// or one datagram, to the socket's peer, or to ip and port when to.
func (rs *remoteSock) write(p []byte, to bool, ip [4]byte, port int) (int, error) {
	op, typ := "write", uint32(netWrite)
	if to {
		op, typ = "sendto", netSendTo
	}
	rs.wmu.Lock()
	defer rs.wmu.Unlock()
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	n := 0
	for {
		if rs.closed.Load() {
			return n, ErrClosed
		}
		raw, seq, ok := rs.wd.begin()
		if !ok {
			rs.wd.end()
			return n, os.ErrDeadlineExceeded
		}
		chunk := p[n:min(len(p), n+netMaxIO)]
		m.req = appendRequest(m.req[:0], rs.id, 0, raw, seq, 0)
		if to {
			m.req = appendAddr(m.req, ip, port)
		}
		m.req = append(m.req, chunk...)
		st, body := doRequest(rs.t, typ, m)
		rs.wd.end()
		if len(body) < 4 {
			return n, os.NewSyscallError(op, syscall.EIO)
		}
		wrote := int(byteorder.LEUint32(body))
		if wrote > len(chunk) {
			return n, os.NewSyscallError(op, syscall.EIO)
		}
		n += wrote
		switch {
		case st != 0:
			return n, rs.failure(op, st)
		case n == len(p):
			return n, nil
		case wrote == 0:
			return n, io.ErrShortWrite
		}
	}
}

// accept waits for a connection of the listener and returns its socket
// and addresses.
func (rs *remoteSock) accept() (*remoteSock, *TCPAddr, *TCPAddr, error) {
	if rs.closed.Load() {
		return nil, nil, nil, ErrClosed
	}
	raw, seq, ok := rs.rd.begin()
	defer rs.rd.end()
	if !ok {
		return nil, nil, nil, os.ErrDeadlineExceeded
	}
	m := sockMsgs.Get().(*sockMsg)
	defer sockMsgs.Put(m)
	m.req = appendRequest(m.req[:0], rs.id, 0, raw, seq, 0)
	st, body := doRequest(rs.t, netAccept, m)
	if st != 0 {
		return nil, nil, nil, rs.failure("accept", st)
	}
	lip, lport, ok1 := addrAt(body[min(len(body), 8):])
	pip, pport, ok2 := addrAt(body[min(len(body), 8+netAddrSize):])
	if !ok1 || !ok2 {
		return nil, nil, nil, os.NewSyscallError("accept", syscall.EIO)
	}
	ns := newRemoteSock(rs.t, byteorder.LEUint32(body))
	if rs.closed.Load() {
		// Closed while the reply was on its way: Accept fails as it
		// would have a moment earlier.
		ns.close()
		return nil, nil, nil, ErrClosed
	}
	return ns, &TCPAddr{IP: lip, Port: lport}, &TCPAddr{IP: pip, Port: pport}, nil
}

// setOption sets a boolean option, unless the service holds it already.
func (rs *remoteSock) setOption(opt uint32, on bool) error {
	rs.optMu.Lock()
	defer rs.optMu.Unlock()
	held := &rs.noDelay
	if opt == netOptKeepAlive {
		held = &rs.keepAlive
	}
	if *held == on {
		return nil
	}
	v := uint32(0)
	if on {
		v = 1
	}
	if err := rs.simple("setsockopt", netSetOption, opt, v); err != nil {
		return err
	}
	*held = on
	return nil
}
