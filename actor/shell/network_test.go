package shell

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// netSystem answers pings to 10.0.2.2 alone.
type netSystem struct{ fakeSystem }

func (netSystem) Interfaces() ([]Interface, error) {
	return []Interface{{Name: "eth0", MAC: "52:54:00:12:34:56", Addr: "10.0.2.15/24", Gateway: "10.0.2.2", FramesIn: 7, BytesIn: 900, FramesOut: 5, BytesOut: 600}}, nil
}

func (netSystem) Ping(host string, seq int, timeout time.Duration) (time.Duration, error) {
	if host != "10.0.2.2" {
		return 0, errors.New("timed out")
	}
	return 1500 * time.Microsecond, nil
}

func TestPingAndIfconfigGoThroughTheNetwork(t *testing.T) {
	s := newSessionOn(t, netSystem{})
	got := s.command("ping -c 2 10.0.2.2")
	for _, want := range []string{"reply from 10.0.2.2: seq=1 time=1.500 ms", "reply from 10.0.2.2: seq=2 time=1.500 ms", "10.0.2.2: 2 sent, 2 received"} {
		if !strings.Contains(got, want) {
			t.Errorf("ping: %q lacks %q", got, want)
		}
	}
	if got := s.command("ping -c 1 10.9.9.9"); !strings.Contains(got, "1 sent, 0 received") || !strings.Contains(got, "timed out") {
		t.Errorf("ping of a silent host: %q", got)
	}
	if got := s.command("ifconfig"); !strings.Contains(got, "eth0: inet 10.0.2.15/24 gateway 10.0.2.2") || !strings.Contains(got, "ether 52:54:00:12:34:56") || !strings.Contains(got, "RX packets 7 bytes 900") {
		t.Errorf("ifconfig: %q", got)
	}
	if got := newSession(t).command("ifconfig"); !strings.Contains(got, "no network") {
		t.Errorf("ifconfig without a network: %q", got)
	}
	if got := s.command("ping"); !strings.Contains(got, "usage") {
		t.Errorf("ping without an address: %q", got)
	}
}
