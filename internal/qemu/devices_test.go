package qemu

import (
	"bytes"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
)

func TestUserNetworkIsRestrictedAndForwardsOnlyLoopback(t *testing.T) {
	args, err := Devices{Net: true, HTTPPort: 8080, HostServer: "127.0.0.1:9000", Relay: "/bin/relay"}.Args()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(args, "-netdev")
	if i < 0 {
		t.Fatalf("no -netdev in %q", args)
	}
	netdev := args[i+1]
	for _, want := range []string{"restrict=on", "hostfwd=tcp:127.0.0.1:8080-:80", "guestfwd=tcp:10.0.2.100:8000-cmd:/bin/relay 127.0.0.1:9000"} {
		if !strings.Contains(netdev, want) {
			t.Errorf("netdev %q lacks %q", netdev, want)
		}
	}
	for _, bad := range []string{"10.0.0.5:80", "192.168.1.1:80", "example.com:80", "0.0.0.0:80"} {
		if _, err := (Devices{Net: true, HostServer: bad, Relay: "/bin/relay"}).Args(); err == nil {
			t.Errorf("host server %s accepted", bad)
		}
	}
	if _, err := (Devices{HTTPPort: 8080}).Args(); err == nil {
		t.Error("forwarding without a network device accepted")
	}
}

func TestForwardsListenOnlyOnLoopback(t *testing.T) {
	args, err := Devices{Net: true, HTTPPort: 8080, Forwards: []Forward{{9001, 5001}, {9002, 5002}}}.Args()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	want := "restrict=on,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:9001-:5001,hostfwd=tcp:127.0.0.1:9002-:5002"
	if !strings.Contains(got, want) {
		t.Errorf("%q lacks %q", got, want)
	}
	for _, bad := range []Forward{{0, 80}, {8080, 0}, {70000, 80}, {8080, -1}} {
		if _, err := (Devices{Net: true, Forwards: []Forward{bad}}).Args(); err == nil {
			t.Errorf("forward %v accepted", bad)
		}
	}
	if _, err := (Devices{Forwards: []Forward{{9001, 5001}}}).Args(); err == nil {
		t.Error("a forward without a network device accepted")
	}
}

func TestDevicesAttachTheDiskAndRNG(t *testing.T) {
	args, err := Devices{RNG: true, Disk: "d.img"}.Args()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	for _, want := range []string{"-device virtio-rng-pci", "file=d.img,if=none,id=disk0,format=raw", "virtio-blk-pci,drive=disk0"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	// A comma in the path is doubled, or QEMU reads the rest as options.
	args, err = Devices{Disk: "/tmp/a,b/d.img"}.Args()
	if err != nil {
		t.Fatal(err)
	}
	if want := "file=/tmp/a,,b/d.img,if=none"; !strings.Contains(strings.Join(args, " "), want) {
		t.Errorf("%q lacks %q", args, want)
	}
}

func TestRelayCarriesBothDirections(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		c.Write(bytes.ToUpper(b))
	}()
	var out bytes.Buffer
	if err := Relay(l.Addr().String(), strings.NewReader("hello"), &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "HELLO" {
		t.Fatalf("relayed %q", out.String())
	}
	if err := Relay("10.0.2.2:80", strings.NewReader(""), &out); err == nil {
		t.Fatal("relay to a non-loopback address")
	}
}
