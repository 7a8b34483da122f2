//go:build clk

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"clk/abi"
	"clk/actor/shell"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/services/netsock"
)

// The network: the virtio network device's driver is the network service
// (programs/virtio-net). Its control channel's other end is the kernel's:
// through it the kernel makes a client channel for each program it
// starts, which the program's package net reaches the service through
// (CLK_NET), and asks for the interface's state and for pings.

var (
	netSchema        = kernelSchema(netsock.Schema)
	netControlSchema = kernelSchema(netsock.ControlSchema)
)

// network is the kernel's side of the network service.
type network struct {
	mu  sync.Mutex
	ctl *ipc.Endpoint // nil while no service runs
}

var errNoNetwork = errors.New("no network service")

// start takes the control channel of a network service that started,
// replacing the one before.
func (n *network) start(ctl *ipc.Endpoint) {
	n.mu.Lock()
	old := n.ctl
	n.ctl = ctl
	n.mu.Unlock()
	if old != nil {
		old.Release()
	}
}

func (n *network) control() (*ipc.Endpoint, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ctl == nil {
		return nil, errNoNetwork
	}
	return n.ctl, nil
}

// Connect returns a handle to a new client channel of the service.
func (n *network) Connect() (*cap.Cap, error) {
	ctl, err := n.control()
	if err != nil {
		return nil, err
	}
	mine, theirs, err := ipc.NewChannel(netSchema, 0)
	if err != nil {
		return nil, fmt.Errorf("network: connect: %w", err)
	}
	if err := ctl.Write(ipc.Message{Type: abi.NetConnectClient, Caps: []*cap.Cap{cap.New(theirs, serviceRights)}}, time.Time{}, true); err != nil {
		mine.Release()
		return nil, fmt.Errorf("network: connect: %w", err)
	}
	return cap.New(mine, serviceRights), nil
}

// call asks the service a question on the control channel.
func (n *network) call(typ uint32, req []byte, timeout time.Duration) ([]byte, error) {
	ctl, err := n.control()
	if err != nil {
		return nil, err
	}
	m, err := ctl.Call(ipc.Message{Type: typ, Data: req}, time.Now().Add(timeout))
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	for _, c := range m.Caps {
		c.Close()
	}
	if no := abi.NetStatusOf(m.Data); no != 0 {
		return nil, syscall.Errno(no)
	}
	return m.Data[abi.NetStatusSize:], nil
}

// Interfaces reports the service's interface.
func (s *system) Interfaces() ([]shell.Interface, error) {
	b, err := s.network.call(abi.NetInfo, nil, 5*time.Second)
	if err != nil {
		return nil, err
	}
	it, ok := abi.UnmarshalNetInterface(b)
	if !ok {
		return nil, fmt.Errorf("network: a NetInfo reply of %d bytes", len(b))
	}
	return []shell.Interface{{
		Name:      "eth0",
		MAC:       net.HardwareAddr(it.MAC[:]).String(),
		Addr:      netip.PrefixFrom(netip.AddrFrom4(it.Addr), int(it.PrefixLen)).String(),
		Gateway:   netip.AddrFrom4(it.Gateway).String(),
		FramesIn:  it.FramesIn,
		BytesIn:   it.BytesIn,
		FramesOut: it.FramesOut,
		BytesOut:  it.BytesOut,
		DroppedIn: it.DroppedIn,
		ErrorsOut: it.ErrorsOut,
	}}, nil
}

// Ping sends one echo request to host, an IPv4 address, and waits for
// the reply at most timeout.
func (s *system) Ping(host string, seq int, timeout time.Duration) (time.Duration, error) {
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("%q is not an IPv4 address (clk looks up no names)", host)
	}
	req := a.AsSlice()
	req = binary.LittleEndian.AppendUint16(req, uint16(seq))
	req = binary.LittleEndian.AppendUint16(req, 0)
	req = binary.LittleEndian.AppendUint64(req, uint64(timeout))
	b, err := s.network.call(abi.NetPing, req, timeout+5*time.Second)
	if err != nil {
		return 0, err
	}
	if len(b) < 8 {
		return 0, fmt.Errorf("network: a NetPing reply of %d bytes", len(b))
	}
	return time.Duration(binary.LittleEndian.Uint64(b)), nil
}
