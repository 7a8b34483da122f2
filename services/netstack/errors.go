package netstack

import (
	"errors"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// Causes that callers test with errors.Is. Errors returned by the Stack wrap
// one of these, or a context's error, with what was being done.
var (
	// ErrClosed: the Stack was closed.
	ErrClosed = errors.New("stack closed")
	// ErrConfig: New was given a Link or Config it cannot work with.
	ErrConfig = errors.New("bad configuration")
	// ErrStarted: Start was called again after it succeeded, or while
	// it runs.
	ErrStarted = errors.New("already started")
	// ErrNotIPv4: an address is not an IPv4 address; IPv6 is off.
	ErrNotIPv4 = errors.New("not an IPv4 address")
	// ErrNoRoute: no route leads to the destination, for example before an
	// address is configured.
	ErrNoRoute = errors.New("no route to destination")
	// ErrRefused: the peer refused the connection (a TCP reset).
	ErrRefused = errors.New("connection refused")
	// ErrAddrInUse: another socket has the local address and port.
	ErrAddrInUse = errors.New("address already in use")
	// ErrDHCPTimeout: no DHCP server gave a lease within Config.DHCPTimeout.
	ErrDHCPTimeout = errors.New("no DHCP lease before the timeout")
)

// errMalformed: a DHCP message failed validation. The client drops such
// messages, so the error never reaches callers.
var errMalformed = errors.New("malformed DHCP message")

// stackError turns a gVisor error into an error callers can test with
// errors.Is where one of the causes above fits; the rest keep gVisor's
// text.
func stackError(err tcpip.Error) error {
	switch err.(type) {
	case *tcpip.ErrNetworkUnreachable, *tcpip.ErrHostUnreachable, *tcpip.ErrNoNet:
		return ErrNoRoute
	case *tcpip.ErrConnectionRefused:
		return ErrRefused
	case *tcpip.ErrPortInUse:
		return ErrAddrInUse
	}
	return errors.New(err.String())
}
