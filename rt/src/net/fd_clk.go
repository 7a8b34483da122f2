// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package net

import (
	"internal/poll"
	"io"
	"os"
	"syscall"
	"time"
)

// The network file descriptor of clk: a socket of the in-memory network
// (net_fake.go's fakeNetFD, as on js and wasip1) or of the network
// service (remote, net_clk.go). It takes the place of fd_fake.go, whose
// netFD has no room for the second kind; each method below goes to
// whichever the descriptor holds. The fake network's code reaches its
// own fields through the embedded fakeNetFD, as it does on js and wasip1.
//
// pfd is only for rawconn.go, which compiles on every system: a service
// socket's Sysfd is -1, so that SyscallConn's callers get EBADF from any
// call they make with it.

// Network file descriptor.
type netFD struct {
	pfd poll.FD

	// immutable until Close
	family      int
	sotype      int
	isConnected bool // handshake completed or use of association with peer
	net         string
	laddr       Addr
	raddr       Addr

	// One of these is set, unless the fake network failed to make the
	// socket.
	*fakeNetFD
	remote *remoteSock
}

func (fd *netFD) accept() (*netFD, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.accept(fd.laddr)
	}
	rs, laddr, raddr, err := fd.remote.accept()
	if err != nil {
		return nil, err
	}
	nfd := &netFD{family: fd.family, sotype: fd.sotype, net: fd.net, isConnected: true, laddr: laddr, raddr: raddr, remote: rs}
	nfd.pfd.Sysfd = -1
	closeWhenLost(nfd)
	return nfd, nil
}

func (fd *netFD) Close() error {
	switch {
	case fd.remote != nil:
		return fd.remote.close()
	case fd.fakeNetFD != nil:
		return fd.fakeNetFD.Close()
	}
	// A socket of the fake network that failed to listen: it holds
	// nothing (fd_fake.go closes its pfd, which is unused here).
	return nil
}

func (fd *netFD) closeRead() error {
	if fd.remote == nil {
		return fd.fakeNetFD.closeRead()
	}
	return fd.remote.simple("shutdown", netShutdown, netShutRead, 0)
}

func (fd *netFD) closeWrite() error {
	if fd.remote == nil {
		return fd.fakeNetFD.closeWrite()
	}
	return fd.remote.simple("shutdown", netShutdown, netShutWrite, 0)
}

func (fd *netFD) Read(p []byte) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.Read(p)
	}
	if len(p) == 0 && fd.sotype == syscall.SOCK_STREAM {
		return 0, nil
	}
	n, _, _, err := fd.remote.read(p, false)
	if err == nil && n == 0 && fd.sotype == syscall.SOCK_STREAM {
		return 0, io.EOF
	}
	return n, err
}

func (fd *netFD) Write(p []byte) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.Write(p)
	}
	if len(p) == 0 && fd.sotype == syscall.SOCK_STREAM {
		return 0, nil
	}
	if len(p) > netMaxIO && fd.sotype == syscall.SOCK_DGRAM {
		return 0, os.NewSyscallError("write", syscall.EMSGSIZE)
	}
	return fd.remote.write(p, false, [4]byte{}, 0)
}

func (fd *netFD) SetDeadline(t time.Time) error {
	if fd.remote == nil {
		return fd.fakeNetFD.SetDeadline(t)
	}
	if err := fd.remote.rd.set(fd.remote, t); err != nil {
		return err
	}
	return fd.remote.wd.set(fd.remote, t)
}

func (fd *netFD) SetReadDeadline(t time.Time) error {
	if fd.remote == nil {
		return fd.fakeNetFD.SetReadDeadline(t)
	}
	return fd.remote.rd.set(fd.remote, t)
}

func (fd *netFD) SetWriteDeadline(t time.Time) error {
	if fd.remote == nil {
		return fd.fakeNetFD.SetWriteDeadline(t)
	}
	return fd.remote.wd.set(fd.remote, t)
}

// recvFrom reads a datagram of the service and its sender.
func (fd *netFD) recvFrom(p []byte) (int, IP, int, error) {
	return fd.remote.read(p, true)
}

func (fd *netFD) readFrom(p []byte) (int, syscall.Sockaddr, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.readFrom(p)
	}
	n, ip, port, err := fd.recvFrom(p)
	if err != nil {
		return n, nil, err
	}
	if fd.family == syscall.AF_INET6 {
		sa := &syscall.SockaddrInet6{Port: port}
		copy(sa.Addr[:], ip.To16())
		return n, sa, nil
	}
	return n, &syscall.SockaddrInet4{Port: port, Addr: [4]byte(ip)}, nil
}

func (fd *netFD) readFromInet4(p []byte, sa *syscall.SockaddrInet4) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.readFromInet4(p, sa)
	}
	n, ip, port, err := fd.recvFrom(p)
	if err == nil {
		*sa = syscall.SockaddrInet4{Port: port, Addr: [4]byte(ip)}
	}
	return n, err
}

func (fd *netFD) readFromInet6(p []byte, sa *syscall.SockaddrInet6) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.readFromInet6(p, sa)
	}
	n, ip, port, err := fd.recvFrom(p)
	if err == nil {
		*sa = syscall.SockaddrInet6{Port: port}
		copy(sa.Addr[:], ip.To16())
	}
	return n, err
}

func (fd *netFD) readMsg(p []byte, oob []byte, flags int) (n, oobn, retflags int, sa syscall.Sockaddr, err error) {
	if fd.remote == nil {
		return fd.fakeNetFD.readMsg(p, oob, flags)
	}
	if flags != 0 {
		return 0, 0, 0, nil, os.NewSyscallError("readMsg", syscall.ENOTSUP)
	}
	n, sa, err = fd.readFrom(p)
	return n, 0, 0, sa, err
}

func (fd *netFD) readMsgInet4(p []byte, oob []byte, flags int, sa *syscall.SockaddrInet4) (n, oobn, retflags int, err error) {
	if fd.remote == nil {
		return fd.fakeNetFD.readMsgInet4(p, oob, flags, sa)
	}
	if flags != 0 {
		return 0, 0, 0, os.NewSyscallError("readMsgInet4", syscall.ENOTSUP)
	}
	n, err = fd.readFromInet4(p, sa)
	return n, 0, 0, err
}

func (fd *netFD) readMsgInet6(p []byte, oob []byte, flags int, sa *syscall.SockaddrInet6) (n, oobn, retflags int, err error) {
	if fd.remote == nil {
		return fd.fakeNetFD.readMsgInet6(p, oob, flags, sa)
	}
	if flags != 0 {
		return 0, 0, 0, os.NewSyscallError("readMsgInet6", syscall.ENOTSUP)
	}
	n, err = fd.readFromInet6(p, sa)
	return n, 0, 0, err
}

// sendTo writes a datagram of the service to sa, or to the socket's peer
// for nil.
func (fd *netFD) sendTo(p []byte, sa syscall.Sockaddr) (int, error) {
	if len(p) > netMaxIO {
		return 0, os.NewSyscallError("sendto", syscall.EMSGSIZE)
	}
	switch sa := sa.(type) {
	case nil:
		return fd.remote.write(p, false, [4]byte{}, 0)
	case *syscall.SockaddrInet4:
		return fd.remote.write(p, true, sa.Addr, sa.Port)
	case *syscall.SockaddrInet6:
		if ip := IP(sa.Addr[:]).To4(); ip != nil {
			return fd.remote.write(p, true, [4]byte(ip), sa.Port)
		}
		if IP(sa.Addr[:]).IsUnspecified() {
			return fd.remote.write(p, true, [4]byte{}, sa.Port)
		}
	}
	return 0, os.NewSyscallError("sendto", syscall.EAFNOSUPPORT)
}

func (fd *netFD) writeTo(p []byte, sa syscall.Sockaddr) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.writeTo(p, sa)
	}
	if sa != nil && fd.isConnected {
		return 0, os.NewSyscallError("writeTo", syscall.EISCONN)
	}
	return fd.sendTo(p, sa)
}

func (fd *netFD) writeToInet4(p []byte, sa *syscall.SockaddrInet4) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.writeToInet4(p, sa)
	}
	return fd.writeTo(p, sa)
}

func (fd *netFD) writeToInet6(p []byte, sa *syscall.SockaddrInet6) (int, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.writeToInet6(p, sa)
	}
	return fd.writeTo(p, sa)
}

func (fd *netFD) writeMsg(p []byte, oob []byte, sa syscall.Sockaddr) (n int, oobn int, err error) {
	if fd.remote == nil {
		return fd.fakeNetFD.writeMsg(p, oob, sa)
	}
	if len(oob) > 0 {
		return 0, 0, os.NewSyscallError("writeMsg", syscall.ENOTSUP)
	}
	n, err = fd.writeTo(p, sa)
	return n, 0, err
}

func (fd *netFD) writeMsgInet4(p []byte, oob []byte, sa *syscall.SockaddrInet4) (n int, oobn int, err error) {
	if fd.remote == nil {
		return fd.fakeNetFD.writeMsgInet4(p, oob, sa)
	}
	var s syscall.Sockaddr
	if sa != nil {
		s = sa
	}
	return fd.writeMsg(p, oob, s)
}

func (fd *netFD) writeMsgInet6(p []byte, oob []byte, sa *syscall.SockaddrInet6) (n int, oobn int, err error) {
	if fd.remote == nil {
		return fd.fakeNetFD.writeMsgInet6(p, oob, sa)
	}
	var s syscall.Sockaddr
	if sa != nil {
		s = sa
	}
	return fd.writeMsg(p, oob, s)
}

func (fd *netFD) dup() (*os.File, error) {
	if fd.remote == nil {
		return fd.fakeNetFD.dup()
	}
	return nil, os.NewSyscallError("dup", syscall.ENOSYS)
}
