package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"clk/abi"
	"clk/drivers/virtio"
	vnet "clk/drivers/virtio/net"
	"clk/sdk"
	"clk/sdk/devio"
	"clk/services/netsock"
	"clk/services/netstack"
)

// The MSI-X entries of the receive and transmit queues, when the device
// has MSI-X.
const (
	rxVector = 0
	txVector = 1
)

// dhcpTimeout bounds the wait for an address at start.
const dhcpTimeout = 30 * time.Second

func fail(format string, args ...any) {
	fmt.Fprintf(sdk.Console, format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	hs := sdk.StartupHandles()
	if len(hs) < 2 {
		fail("want a device and a control channel, got %d handles", len(hs))
	}
	name := "device"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	dev := sdk.Device(hs[0])
	vd, err := devio.OpenVirtio(dev)
	if err != nil {
		fail("%s: %v", name, err)
	}
	cfg, err := interrupts(dev)
	if err != nil {
		fail("%s: %v", name, err)
	}
	sdk.Random(cfg.MACSeed[:])
	nic, err := vnet.New(vd, cfg)
	if err != nil {
		fail("%s: %v", name, err)
	}
	stack, err := netstack.New(link{nic}, netstack.Config{DHCP: true, DHCPTimeout: dhcpTimeout, Hostname: "clk"})
	if err != nil {
		fail("%s: %v", name, err)
	}
	go func() {
		if err := nic.Receive(stack.DeliverFrame); err != nil {
			fail("%s: receive: %v", name, err)
		}
	}()
	go nic.Reclaim()
	mac := nic.MAC()
	ctx, cancel := context.WithTimeout(context.Background(), dhcpTimeout+5*time.Second)
	err = stack.Start(ctx)
	cancel()
	if err != nil {
		fail("%s: %v: %v", name, net.HardwareAddr(mac[:]), err)
	}
	gw := "none"
	if g := stack.Gateway(); g.IsValid() {
		gw = g.String()
	}
	fmt.Fprintf(sdk.Console, "%s: %v: %v, gateway %s\n", name, net.HardwareAddr(mac[:]), stack.Addr(), gw)
	svc := netsock.New(errnoStack{stack})
	svc.Log = sdk.Console
	if err := serveControl(sdk.Channel{Handle: hs[1]}, svc, stack, nic); err != nil {
		fail("%s: %v", name, err)
	}
}

// link is the NIC as the stack's Ethernet link.
type link struct{ nic *vnet.NIC }

func (l link) MAC() [6]byte                  { return l.nic.MAC() }
func (l link) MTU() int                      { return l.nic.MTU() }
func (l link) WriteFrame(frame []byte) error { return l.nic.Send(frame) }

// serveControl answers the control channel: new clients go to the socket
// service, the kernel's NetInfo and NetPing are answered here.
func serveControl(ctl sdk.Channel, svc *netsock.Service, stack *netstack.Stack, nic *vnet.NIC) error {
	hs := make([]sdk.Handle, 1)
	data := make([]byte, 64)
	for {
		m, err := ctl.Read(data, hs, sdk.Never)
		if err != nil {
			if errors.Is(err, abi.EPEERCLOSED) {
				return nil
			}
			return fmt.Errorf("control: %w", err)
		}
		switch m.Type {
		case abi.NetConnectClient:
			if len(m.Handles) == 1 {
				go svc.ServeClient(sdk.Channel{Handle: m.Handles[0]})
			}
		case abi.NetInfo:
			ctl.Reply(m.Txid, m.Type, info(stack, nic), nil, sdk.Never)
		case abi.NetPing:
			req := append([]byte(nil), m.Data...)
			go func(txid uint32) { ctl.Reply(txid, abi.NetPing, ping(stack, req), nil, sdk.Never) }(m.Txid)
		}
	}
}

// status heads a reply on the control channel.
func status(errno syscall.Errno) []byte { return abi.NetStatus(nil, uint32(errno)) }

// info answers NetInfo.
func info(stack *netstack.Stack, nic *vnet.NIC) []byte {
	st, ns := stack.Stats(), nic.Stats()
	it := abi.NetInterface{
		MAC:       nic.MAC(),
		PrefixLen: uint8(stack.Addr().Bits()),
		FramesIn:  ns.InFrames, BytesIn: ns.InBytes, FramesOut: ns.OutFrames, BytesOut: ns.OutBytes,
		DroppedIn: ns.InDropped + st.Link.RxDropped, ErrorsOut: ns.OutErrors + st.Link.TxErrors,
	}
	if a := stack.Addr().Addr(); a.Is4() {
		it.Addr = a.As4()
	}
	if g := stack.Gateway(); g.Is4() {
		it.Gateway = g.As4()
	}
	if dns := stack.DNS(); len(dns) > 0 && dns[0].Is4() {
		it.DNS = dns[0].As4()
	}
	return it.Marshal(status(0))
}

// ping answers NetPing.
func ping(stack *netstack.Stack, req []byte) []byte {
	if len(req) < 16 {
		return status(syscall.EINVAL)
	}
	dst := netip.AddrFrom4([4]byte(req[0:4]))
	seq := binary.LittleEndian.Uint16(req[4:])
	timeout := time.Duration(binary.LittleEndian.Uint64(req[8:]))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rtt, err := stack.Ping(ctx, dst, seq, []byte("clk ping"))
	if err != nil {
		return status(errnoOf(err))
	}
	return binary.LittleEndian.AppendUint64(status(0), uint64(rtt))
}

// errnoStack is the stack with its errors as the Linux numbers the socket
// protocol carries.
type errnoStack struct{ s *netstack.Stack }

func (e errnoStack) ListenTCP(a netip.AddrPort) (net.Listener, error) {
	l, err := e.s.ListenTCP(a)
	return l, wrapErrno(err)
}

func (e errnoStack) DialTCP(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
	c, err := e.s.DialTCP(ctx, a)
	return c, wrapErrno(err)
}

func (e errnoStack) ListenUDP(a netip.AddrPort) (net.PacketConn, error) {
	c, err := e.s.ListenUDP(a)
	return c, wrapErrno(err)
}

// wrapErrno adds its number to a stack's error.
func wrapErrno(err error) error {
	if err == nil {
		return nil
	}
	if no := errnoOf(err); no != syscall.EIO {
		return fmt.Errorf("%w: %w", no, err)
	}
	return err
}

// errnoOf is the Linux number of a stack's error.
func errnoOf(err error) syscall.Errno {
	switch {
	case errors.Is(err, netstack.ErrRefused):
		return syscall.ECONNREFUSED
	case errors.Is(err, netstack.ErrAddrInUse):
		return syscall.EADDRINUSE
	case errors.Is(err, netstack.ErrNoRoute):
		return syscall.EHOSTUNREACH
	case errors.Is(err, netstack.ErrNotIPv4):
		return syscall.EAFNOSUPPORT
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return syscall.ETIMEDOUT
	}
	var no syscall.Errno
	if errors.As(err, &no) {
		return no
	}
	return syscall.EIO
}

// interrupts returns the NIC's interrupt configuration: an MSI-X entry per
// queue, or without MSI-X the device's one interrupt for both.
func interrupts(dev sdk.Device) (vnet.Config, error) {
	rx, rxIndex, err := devio.QueueInterrupt(dev, rxVector)
	if err != nil {
		return vnet.Config{}, err
	}
	waitRX, err := devio.Waiter(dev, rxIndex)
	if err != nil {
		return vnet.Config{}, err
	}
	if rx == virtio.NoVector {
		return vnet.Config{RXVector: rx, TXVector: rx, WaitRX: waitRX}, nil
	}
	waitTX, err := devio.Waiter(dev, txVector)
	if err != nil {
		return vnet.Config{}, err
	}
	return vnet.Config{RXVector: rxVector, TXVector: txVector, WaitRX: waitRX, WaitTX: waitTX}, nil
}
