package qemu

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// GuestFwd is the address inside the guest's user network that leads, by
// QEMU's guestfwd rule, to the server on the host's loopback that
// Devices.HostServer names: the one outside address the guest may reach.
var GuestFwd = netip.MustParseAddrPort("10.0.2.100:8000")

// GuestHTTP is the guest's TCP port that Devices.HTTPPort forwards to.
const GuestHTTP = 80

// Devices are the virtio devices clk drives, as a machine is given them.
// The network is QEMU's user network with restrict=on: the guest reaches
// QEMU's own gateway (10.0.2.2) and DHCP server, the host's loopback
// through the hostfwd and guestfwd rules below, and nothing else, no name
// server and no outside address.
type Devices struct {
	// RNG attaches a virtio entropy device.
	RNG bool
	// Disk, when set, is a raw disk image attached as a virtio block
	// device.
	Disk string
	// Net attaches a virtio network device on the user network.
	Net bool
	// HTTPPort, when not zero, is the TCP port on the host's 127.0.0.1
	// forwarded to the guest's port GuestHTTP.
	HTTPPort int
	// Forwards are further TCP ports of the host's 127.0.0.1 forwarded
	// to ports of the guest.
	Forwards []Forward
	// HostServer, when set, is the host's loopback server
	// ("127.0.0.1:PORT") that the guest reaches at GuestFwd.
	HostServer string
	// Relay is the program QEMU starts for each connection the guest
	// makes to GuestFwd, as Relay HostServer (QEMU's guestfwd cmd:): it
	// must copy its standard input to a connection to HostServer and the
	// connection to its standard output, as Relay does. A guestfwd to a
	// tcp: character device would carry one connection for QEMU's whole
	// life.
	Relay string
	// NoMSIX takes MSI-X away from the virtio devices (vectors=0): their
	// drivers then interrupt through INTx, the fallback.
	NoMSIX bool
}

// Forward is one hostfwd rule: connections to Host on the host's
// 127.0.0.1 reach the guest's port Guest.
type Forward struct{ Host, Guest int }

// Relay connects standard input and output to the TCP server at addr
// until both directions end: the program a guestfwd rule runs for each
// connection (Devices.Relay). addr must be a loopback address.
func Relay(addr string, stdin io.Reader, stdout io.Writer) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return fmt.Errorf("relay: %q is not a loopback address and port", addr)
	}
	c, err := net.Dial("tcp", ap.String())
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(c, stdin)
		c.(*net.TCPConn).CloseWrite()
		done <- err
	}()
	_, err = io.Copy(stdout, c)
	if err2 := <-done; err == nil {
		err = err2
	}
	return err
}

// Args returns the QEMU arguments that attach the devices.
func (d Devices) Args() ([]string, error) {
	var args []string
	vectors := ""
	if d.NoMSIX {
		vectors = ",vectors=0"
	}
	if d.RNG {
		args = append(args, "-device", "virtio-rng-pci"+vectors)
	}
	if d.Disk != "" {
		args = append(args,
			"-drive", "file="+optionValue(d.Disk)+",if=none,id=disk0,format=raw",
			"-device", "virtio-blk-pci,drive=disk0"+vectors)
	}
	if d.Net {
		netdev := "user,id=net0,restrict=on"
		forwards := d.Forwards
		if d.HTTPPort != 0 {
			forwards = append([]Forward{{d.HTTPPort, GuestHTTP}}, forwards...)
		}
		for _, f := range forwards {
			if f.Host <= 0 || f.Host > 65535 || f.Guest <= 0 || f.Guest > 65535 {
				return nil, fmt.Errorf("qemu: forward of host port %d to guest port %d", f.Host, f.Guest)
			}
			netdev += ",hostfwd=tcp:127.0.0.1:" + strconv.Itoa(f.Host) + "-:" + strconv.Itoa(f.Guest)
		}
		if d.HostServer != "" {
			ap, err := netip.ParseAddrPort(d.HostServer)
			if err != nil || !ap.Addr().IsLoopback() {
				return nil, fmt.Errorf("qemu: host server %q: want a loopback address and port", d.HostServer)
			}
			if d.Relay == "" || strings.ContainsAny(d.Relay, ", ") {
				return nil, fmt.Errorf("qemu: relay %q: want a program's path without commas or spaces", d.Relay)
			}
			netdev += ",guestfwd=tcp:" + GuestFwd.String() + "-cmd:" + d.Relay + " " + ap.String()
		}
		args = append(args, "-netdev", netdev, "-device", "virtio-net-pci,netdev=net0"+vectors)
	} else if d.HTTPPort != 0 || len(d.Forwards) > 0 || d.HostServer != "" {
		return nil, fmt.Errorf("qemu: forwarding without a network device")
	}
	return args, nil
}
