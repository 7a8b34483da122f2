package shell

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The network commands, through the System's Network.

func networkCommands() []Command {
	return []Command{
		{Name: "ifconfig", Usage: "ifconfig", Help: "the network interface: address, gateway, MAC and counters", Run: ifconfig},
		{Name: "ping", Usage: "ping [-c COUNT] ADDRESS", Help: "send ICMP echo requests to an IPv4 address, one a second (COUNT, default 4)", Run: ping},
	}
}

func network(p *Stage) (Network, error) {
	n, ok := p.Sys.(Network)
	if !ok {
		return nil, errors.New("this system has no network")
	}
	return n, nil
}

func ifconfig(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	n, err := network(p)
	if err != nil {
		return err
	}
	ifs, err := n.Interfaces()
	if err != nil {
		return err
	}
	for _, it := range ifs {
		lines := []string{
			fmt.Sprintf("%s: inet %s gateway %s", it.Name, it.Addr, it.Gateway),
			fmt.Sprintf("      ether %s", it.MAC),
			fmt.Sprintf("      RX packets %d bytes %d dropped %d", it.FramesIn, it.BytesIn, it.DroppedIn),
			fmt.Sprintf("      TX packets %d bytes %d errors %d", it.FramesOut, it.BytesOut, it.ErrorsOut),
		}
		for _, l := range lines {
			if err := p.Println(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// pingTimeout is how long ping waits for each reply.
const pingTimeout = 2 * time.Second

func ping(p *Stage) error {
	count := 4
	args := p.Args
	if len(args) >= 2 && args[0] == "-c" {
		c, err := strconv.Atoi(args[1])
		if err != nil || c <= 0 || c > 1000 {
			return usagef("-c %s: want a count from 1 to 1000", args[1])
		}
		count, args = c, args[2:]
	}
	if len(args) != 1 {
		return usagef("want one address")
	}
	n, err := network(p)
	if err != nil {
		return err
	}
	host := args[0]
	got := 0
	for seq := 1; seq <= count; seq++ {
		if seq > 1 {
			if err := p.Sleep(time.Second); err != nil {
				return err
			}
		}
		rtt, err := n.Ping(host, seq, pingTimeout)
		if err != nil {
			if err := p.Printf("from %s: seq=%d: %v", host, seq, err); err != nil {
				return err
			}
			continue
		}
		got++
		if err := p.Printf("reply from %s: seq=%d time=%.3f ms", host, seq, float64(rtt)/float64(time.Millisecond)); err != nil {
			return err
		}
	}
	return p.Printf("%s: %d sent, %d received", host, count, got)
}
