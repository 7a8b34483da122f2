package netstack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// randomBytes is n bytes of a fixed pseudo-random stream: incompressible
// and the same on every run.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	_, _ = r.Read(b)
	return b
}

func TestTCPCarriesEightMiBEachWayIntact(t *testing.T) {
	const size = 8 << 20
	p := staticPair(t)
	l, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5001))
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	defer l.Close()

	toB, toA := randomBytes(size, 1), randomBytes(size, 2)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Errorf("Accept: %v", err)
			close(accepted)
			return
		}
		accepted <- c
	}()
	ctx := testContext(t, 20*time.Second)
	ca, err := p.a.DialTCP(ctx, netip.AddrPortFrom(addrB.Addr(), 5001))
	if err != nil {
		t.Fatalf("DialTCP: %v", err)
	}
	defer ca.Close()
	cb := <-accepted
	if cb == nil {
		return
	}
	defer cb.Close()
	deadline, _ := ctx.Deadline()
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)

	// Both directions at once: each side writes its stream, half-closes,
	// and hashes what it reads until the peer's half-close.
	var wg sync.WaitGroup
	got := make([][sha256.Size]byte, 2)
	for i, c := range []struct {
		conn net.Conn
		send []byte
	}{{ca, toB}, {cb, toA}} {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := c.conn.Write(c.send); err != nil {
				t.Errorf("conn %d: Write: %v", i, err)
			}
			if err := c.conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
				t.Errorf("conn %d: CloseWrite: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			h := sha256.New()
			if _, err := io.Copy(h, c.conn); err != nil {
				t.Errorf("conn %d: read: %v", i, err)
			}
			h.Sum(got[i][:0])
		}()
	}
	wg.Wait()
	if got[0] != sha256.Sum256(toA) {
		t.Errorf("a received %x, want the sha256 of what b sent", got[0])
	}
	if got[1] != sha256.Sum256(toB) {
		t.Errorf("b received %x, want the sha256 of what a sent", got[1])
	}
	st := p.a.Stats()
	if st.TCP.ActiveOpens != 1 || st.TCP.SegmentsOut == 0 || st.Link.BytesOut < size {
		t.Errorf("a's counters after the transfer: TCP %+v link %+v", st.TCP, st.Link)
	}
}

func TestUDPRoundTrip(t *testing.T) {
	p := staticPair(t)
	echo, err := p.b.ListenUDP(netip.AddrPortFrom(addrB.Addr(), 7))
	if err != nil {
		t.Fatalf("ListenUDP: %v", err)
	}
	defer echo.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFrom(buf)
			if err != nil {
				return
			}
			if _, err := echo.WriteTo(bytes.ToUpper(buf[:n]), from); err != nil {
				t.Errorf("echo WriteTo: %v", err)
				return
			}
		}
	}()

	c, err := p.a.DialUDP(netip.AddrPortFrom(addrB.Addr(), 7))
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hello over udp")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got := string(buf[:n]); got != "HELLO OVER UDP" {
		t.Errorf("echo %q, want %q", got, "HELLO OVER UDP")
	}
	if from := c.RemoteAddr().String(); from != "10.0.0.2:7" {
		t.Errorf("remote address %s", from)
	}
}

func TestDialOutsideSubnetWithoutGatewayHasNoRoute(t *testing.T) {
	p := staticPair(t)
	_, err := p.a.DialUDP(netip.MustParseAddrPort("192.0.2.1:53"))
	if !errors.Is(err, ErrNoRoute) {
		t.Errorf("DialUDP off-link without a gateway: err = %v, want ErrNoRoute", err)
	}
	_, err = p.a.Ping(testContext(t, time.Second), netip.MustParseAddr("192.0.2.1"), 1, nil)
	if !errors.Is(err, ErrNoRoute) {
		t.Errorf("Ping off-link without a gateway: err = %v, want ErrNoRoute", err)
	}
}

func TestIPv6AddressesAreRefused(t *testing.T) {
	p := staticPair(t)
	v6 := netip.MustParseAddrPort("[2001:db8::1]:80")
	if _, err := p.a.DialTCP(context.Background(), v6); !errors.Is(err, ErrNotIPv4) {
		t.Errorf("DialTCP: err = %v, want ErrNotIPv4", err)
	}
	if _, err := p.a.ListenUDP(v6); !errors.Is(err, ErrNotIPv4) {
		t.Errorf("ListenUDP: err = %v, want ErrNotIPv4", err)
	}
}

func TestCloseAbortsConnectionsAndRefusesNewOnes(t *testing.T) {
	p := staticPair(t)
	l, err := p.b.ListenTCP(netip.AddrPortFrom(addrB.Addr(), 80))
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	c, err := p.a.DialTCP(testContext(t, 5*time.Second), netip.AddrPortFrom(addrB.Addr(), 80))
	if err != nil {
		t.Fatalf("DialTCP: %v", err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	if err := p.a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-readErr:
		if err == nil {
			t.Errorf("Read on an aborted connection succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Read still blocked after Close")
	}
	if err := p.a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := p.a.DialTCP(context.Background(), netip.AddrPortFrom(addrB.Addr(), 80)); !errors.Is(err, ErrClosed) {
		t.Errorf("DialTCP after Close: err = %v, want ErrClosed", err)
	}
	if err := p.a.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: err = %v, want ErrClosed", err)
	}
	before := p.a.Stats().Link.RxDropped
	p.a.DeliverFrame(ethernetFrame(p.a.MAC(), p.b.MAC(), 0x0800, make([]byte, 40)))
	if got := p.a.Stats().Link.RxDropped; got != before+1 {
		t.Errorf("frame after Close: RxDropped %d, want %d", got, before+1)
	}
	l.Close()
}

func TestDialToClosedPortIsRefused(t *testing.T) {
	p := staticPair(t)
	_, err := p.a.DialTCP(testContext(t, 5*time.Second), netip.AddrPortFrom(addrB.Addr(), 9))
	if !errors.Is(err, ErrRefused) {
		t.Errorf("DialTCP to a port nobody listens on: err = %v, want ErrRefused", err)
	}
}

func TestSecondListenerOnAPortIsRefused(t *testing.T) {
	p := staticPair(t)
	at := netip.AddrPortFrom(addrA.Addr(), 8080)
	l, err := p.a.ListenTCP(at)
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	defer l.Close()
	if _, err := p.a.ListenTCP(at); !errors.Is(err, ErrAddrInUse) {
		t.Errorf("second ListenTCP on %s: err = %v, want ErrAddrInUse", at, err)
	}
}
