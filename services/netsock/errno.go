package netsock

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"

	"clk/abi"
)

// Linux's error numbers that the service itself gives (abi/net.go); the
// stack's come through errnoOf as they are.
const (
	errIO             = 5
	errBADF           = 9
	errAGAIN          = 11
	errINVAL          = 22
	errMFILE          = 24
	errPIPE           = 32
	errNOPROTOOPT     = 92
	errPROTONOSUPPORT = 93
	errOPNOTSUPP      = 95
	errNOBUFS         = 105
	errISCONN         = 106
	errNOTCONN        = 107
	errTIMEDOUT       = 110
	errALREADY        = 114
)

// errnoOf returns the status of an error of the stack (see Stack). The
// error number comes first: a connection that timed out on its own is
// ETIMEDOUT, though syscall.Errno says Timeout of it too.
func errnoOf(err error) uint32 {
	var en syscall.Errno
	var te interface{ Timeout() bool }
	switch {
	case err == nil:
		return 0
	case errors.As(err, &en) && en != 0:
		return uint32(en)
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &te) && te.Timeout():
		return errAGAIN
	case errors.Is(err, io.ErrClosedPipe):
		return errPIPE
	case errors.Is(err, net.ErrClosed):
		return errBADF
	}
	return errIO
}

// addrOf returns the protocol's form of an address of the stack: an IPv4
// address (an IPv4-mapped IPv6 one as IPv4), else 0.0.0.0 with the port.
func addrOf(a net.Addr) abi.NetAddr {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	case nil:
	default:
		ap, _ = netip.ParseAddrPort(a.String())
	}
	ip := ap.Addr().Unmap()
	if !ip.Is4() {
		return abi.NetAddr{Port: ap.Port()}
	}
	return abi.NetAddr{IP: ip.As4(), Port: ap.Port()}
}

// addrPort returns the stack's form of an address of the protocol.
func addrPort(a abi.NetAddr) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4(a.IP), a.Port)
}
