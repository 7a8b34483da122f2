package netsock

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/object"
	"clk/kernel/syscalls"
	"clk/sdk"
)

// loopback is a Stack over the host's loopback interface: what would
// listen on every address listens on 127.0.0.1 alone, and a dial to
// anything but 127.0.0.0/8 is refused before it leaves, so that the
// tests reach no other host.
type loopback struct{}

func onLoopback(a netip.AddrPort) netip.AddrPort {
	if a.Addr().IsUnspecified() {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), a.Port())
	}
	return a
}

func (loopback) ListenTCP(a netip.AddrPort) (net.Listener, error) {
	return net.ListenTCP("tcp4", net.TCPAddrFromAddrPort(onLoopback(a)))
}

func (loopback) DialTCP(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
	if !a.Addr().IsLoopback() {
		return nil, syscall.ENETUNREACH
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp4", a.String())
}

func (loopback) ListenUDP(a netip.AddrPort) (net.PacketConn, error) {
	return net.ListenUDP("udp4", net.UDPAddrFromAddrPort(onLoopback(a)))
}

// slowDial is loopback whose DialTCP waits until ctx is done, as a
// connection to a host that does not answer does.
type slowDial struct{ loopback }

func (slowDial) DialTCP(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

var localhost = abi.NetAddr{IP: [4]byte{127, 0, 0, 1}}

// serve starts a service over stack in a kernel on the host and returns a
// function that makes clients of it through its control channel.
func serve(t *testing.T, stack Stack) func() *testClient {
	t.Helper()
	return serveWith(t, New(stack))
}

func serveWith(t *testing.T, svc *Service) func() *testClient {
	t.Helper()
	p := object.NewProcess(t.Name(), 0, nil)
	sdk.SetBackend(syscalls.Direct(syscalls.NewDispatcher(), &syscalls.Caller{Proc: p, Mem: syscalls.KernelSpace{}}))
	ctl, theirs, err := sdk.NewChannel(ControlSchema, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.ServeControl(theirs) }()
	var clients []sdk.Channel
	t.Cleanup(func() {
		// Every goroutine of the service ends before the backend goes:
		// a call after that would reach no kernel (on bare metal, the
		// kernel personality's SYSCALL in ring 0).
		for _, c := range clients {
			c.Close()
		}
		ctl.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeControl: %v", err)
		}
		svc.Wait()
		p.Exit(0)
		sdk.SetBackend(nil)
	})
	return func() *testClient {
		mine, peer, err := sdk.NewChannel(Schema, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := ctl.Write(abi.NetConnectClient, nil, []sdk.Handle{peer.Handle}, sdk.Never); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, mine)
		return &testClient{t: t, ch: mine}
	}
}

// testClient speaks the protocol with channel calls, one per request.
type testClient struct {
	t  *testing.T
	ch sdk.Channel
}

// call makes a request and returns the reply's status and what follows it.
func (c *testClient) call(typ uint32, r abi.NetRequest, body ...[]byte) (uint32, []byte) {
	req := r.Marshal(nil)
	for _, b := range body {
		req = append(req, b...)
	}
	m, err := c.ch.Call(typ, req, nil, make([]byte, abi.MaxData), nil, sdk.Never)
	if err != nil {
		c.t.Errorf("call %d: %v", typ, err)
		return 0, nil
	}
	if m.Type != typ {
		c.t.Errorf("call %d: reply of type %d", typ, m.Type)
	}
	return abi.NetStatusOf(m.Data), m.Data[min(len(m.Data), abi.NetStatusSize):]
}

// ok fails the test unless a call's status is 0, and returns the rest of
// its reply.
func (c *testClient) ok(st uint32, body []byte) []byte {
	c.t.Helper()
	if st != 0 {
		c.t.Fatalf("status %d", st)
	}
	return body
}

func (c *testClient) socket(kind uint32) uint32 {
	c.t.Helper()
	body := c.ok(c.call(abi.NetSocket, abi.NetRequest{Arg: kind}))
	return le.Uint32(body)
}

func addr(t *testing.T, b []byte) abi.NetAddr {
	t.Helper()
	a, ok := abi.UnmarshalNetAddr(b)
	if !ok {
		t.Fatalf("no address in %d bytes", len(b))
	}
	return a
}

// listen returns a listening socket on 127.0.0.1 and its address.
func (c *testClient) listen() (uint32, abi.NetAddr) {
	c.t.Helper()
	id := c.socket(abi.NetTCP)
	c.ok(c.call(abi.NetBind, abi.NetRequest{ID: id}, localhost.Marshal(nil)))
	return id, addr(c.t, c.ok(c.call(abi.NetListen, abi.NetRequest{ID: id, Arg: 16})))
}

// pair returns the two ends of a connection made through the service.
func (c *testClient) pair() (dialed, accepted uint32) {
	c.t.Helper()
	ln, at := c.listen()
	acc := make(chan uint32, 1)
	go func() {
		st, body := c.call(abi.NetAccept, abi.NetRequest{ID: ln, Deadline: abi.DeadlineNever})
		if st != 0 {
			c.t.Errorf("accept: status %d", st)
			acc <- 0
			return
		}
		acc <- le.Uint32(body)
	}()
	dialed = c.socket(abi.NetTCP)
	body := c.ok(c.call(abi.NetConnect, abi.NetRequest{ID: dialed, Deadline: abi.DeadlineNever}, at.Marshal(nil)))
	if peer := addr(c.t, body[abi.NetAddrSize:]); peer != at {
		c.t.Errorf("connect: peer %v, want %v", peer, at)
	}
	accepted = <-acc
	if accepted == 0 {
		c.t.FailNow()
	}
	return dialed, accepted
}

func (c *testClient) write(id uint32, data []byte) (int, uint32) {
	st, body := c.call(abi.NetWrite, abi.NetRequest{ID: id, Deadline: abi.DeadlineNever}, data)
	if len(body) < 4 {
		c.t.Fatalf("write: reply of %d bytes", len(body))
	}
	return int(le.Uint32(body)), st
}

func (c *testClient) read(id, n uint32, deadline uint64, seq uint32) ([]byte, uint32) {
	st, body := c.call(abi.NetRead, abi.NetRequest{ID: id, Arg: n, Deadline: deadline, Seq: seq})
	return body, st
}

// closedPort returns a port of 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) uint16 {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return uint16(port)
}

func TestStreamsCarryBytesBothWaysAndEndWithEOF(t *testing.T) {
	c := serve(t, loopback{})()
	a, b := c.pair()
	want := make([]byte, 3*abi.NetMaxIO+100) // four writes' worth
	rand.NewChaCha8([32]byte{2}).Read(want)
	done := make(chan []byte)
	go func() {
		var got []byte
		for {
			data, st := c.read(b, abi.NetMaxIO, abi.DeadlineNever, 0)
			if st != 0 {
				t.Errorf("read: status %d", st)
				break
			}
			if len(data) == 0 {
				break
			}
			got = append(got, data...)
		}
		done <- got
	}()
	for off := 0; off < len(want); {
		n, st := c.write(a, want[off:min(off+abi.NetMaxIO, len(want))])
		if st != 0 {
			t.Fatalf("write at %d: status %d", off, st)
		}
		off += n
	}
	c.ok(c.call(abi.NetShutdown, abi.NetRequest{ID: a, Arg: abi.NetShutWrite}))
	if got := <-done; !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
	}
	// The other way, after the first has ended.
	if n, st := c.write(b, []byte("back")); st != 0 || n != 4 {
		t.Fatalf("write back: %d, status %d", n, st)
	}
	if data, st := c.read(a, 100, abi.DeadlineNever, 0); st != 0 || string(data) != "back" {
		t.Fatalf("read back: %q, status %d", data, st)
	}
}

func TestConnectToAClosedPortIsRefused(t *testing.T) {
	if runtime.GOOS == "clk" {
		// The loopback stack is package net's, which on clk without a
		// network service is Go's in-process fake: its refusal carries
		// no error number to map.
		t.Skip("no errno in the in-process network's refusals")
	}
	c := serve(t, loopback{})()
	id := c.socket(abi.NetTCP)
	to := abi.NetAddr{IP: localhost.IP, Port: closedPort(t)}
	if st, _ := c.call(abi.NetConnect, abi.NetRequest{ID: id, Deadline: abi.DeadlineNever}, to.Marshal(nil)); st != uint32(syscall.ECONNREFUSED) {
		t.Fatalf("connect to a closed port: status %d, want ECONNREFUSED", st)
	}
}

func TestConnectEndsAtItsDeadlineOrClose(t *testing.T) {
	c := serve(t, slowDial{})()
	to := abi.NetAddr{IP: localhost.IP, Port: 9}
	id := c.socket(abi.NetTCP)
	start := time.Now()
	if st, _ := c.call(abi.NetConnect, abi.NetRequest{ID: id, Deadline: uint64(sdk.After(50 * time.Millisecond))}, to.Marshal(nil)); st != errTIMEDOUT {
		t.Fatalf("connect past its deadline: status %d, want ETIMEDOUT", st)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("connect gave up after %v, before its deadline", d)
	}
	id = c.socket(abi.NetTCP)
	st := make(chan uint32)
	go func() {
		s, _ := c.call(abi.NetConnect, abi.NetRequest{ID: id, Deadline: abi.DeadlineNever}, to.Marshal(nil))
		st <- s
	}()
	time.Sleep(20 * time.Millisecond)
	c.ok(c.call(abi.NetClose, abi.NetRequest{ID: id}))
	if s := <-st; s != errBADF {
		t.Fatalf("connect of a closed socket: status %d, want EBADF", s)
	}
}

func TestCloseEndsWaitingCallsOnTheSocketAlone(t *testing.T) {
	c := serve(t, loopback{})()
	a, b := c.pair()
	ln, _ := c.listen()
	ended := make(chan string, 2)
	go func() {
		_, st := c.read(b, 10, abi.DeadlineNever, 0)
		if st != errBADF {
			t.Errorf("read of a closed socket: status %d, want EBADF", st)
		}
		ended <- "read"
	}()
	go func() {
		if st, _ := c.call(abi.NetAccept, abi.NetRequest{ID: ln, Deadline: abi.DeadlineNever}); st != errBADF {
			t.Errorf("accept of a closed listener: status %d, want EBADF", st)
		}
		ended <- "accept"
	}()
	// While both wait, the connection's other end still works.
	time.Sleep(20 * time.Millisecond)
	if n, st := c.write(b, []byte("x")); st != 0 || n != 1 {
		t.Fatalf("write while a read and an accept wait: %d, status %d", n, st)
	}
	if data, st := c.read(a, 10, abi.DeadlineNever, 0); st != 0 || string(data) != "x" {
		t.Fatalf("read while a read and an accept wait: %q, status %d", data, st)
	}
	select {
	case what := <-ended:
		t.Fatalf("%s ended before its socket closed", what)
	default:
	}
	c.ok(c.call(abi.NetClose, abi.NetRequest{ID: b}))
	c.ok(c.call(abi.NetClose, abi.NetRequest{ID: ln}))
	for range 2 {
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting call did not end when its socket closed")
		}
	}
	if st, _ := c.call(abi.NetClose, abi.NetRequest{ID: b}); st != errBADF {
		t.Fatalf("second close: status %d, want EBADF", st)
	}
	// The peer sees the end of the stream.
	if data, st := c.read(a, 10, abi.DeadlineNever, 0); st != 0 || len(data) != 0 {
		t.Fatalf("read after the peer closed: %q, status %d, want the end", data, st)
	}
}

func TestDeadlinesEndReadsAndAccepts(t *testing.T) {
	c := serve(t, loopback{})()
	_, b := c.pair()
	ln, _ := c.listen()
	start := time.Now()
	if _, st := c.read(b, 10, uint64(sdk.After(50*time.Millisecond)), 1); st != errAGAIN {
		t.Fatalf("read past its deadline: status %d, want EAGAIN", st)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("read gave up after %v, before its deadline", d)
	}
	if st, _ := c.call(abi.NetAccept, abi.NetRequest{ID: ln, Deadline: uint64(sdk.After(20 * time.Millisecond)), Seq: 1}); st != errAGAIN {
		t.Fatalf("accept past its deadline: status %d, want EAGAIN", st)
	}
	// A deadline that has passed fails at once, data waiting or not.
	a2, b2 := c.pair()
	c.write(a2, []byte("waiting"))
	time.Sleep(20 * time.Millisecond)
	if _, st := c.read(b2, 10, abi.DeadlineNow, 1); st != errAGAIN {
		t.Fatalf("read with a deadline passed: status %d, want EAGAIN", st)
	}
	if data, st := c.read(b2, 10, abi.DeadlineNever, 2); st != 0 || string(data) != "waiting" {
		t.Fatalf("read once the deadline is lifted: %q, status %d", data, st)
	}
}

func TestSetDeadlineShortensWaitingCalls(t *testing.T) {
	c := serve(t, loopback{})()
	_, b := c.pair()
	ln, _ := c.listen()
	ended := make(chan uint32, 2)
	go func() {
		_, st := c.read(b, 10, abi.DeadlineNever, 0)
		ended <- st
	}()
	go func() {
		st, _ := c.call(abi.NetAccept, abi.NetRequest{ID: ln, Deadline: abi.DeadlineNever})
		ended <- st
	}()
	time.Sleep(20 * time.Millisecond)
	for _, id := range []uint32{b, ln} {
		c.ok(c.call(abi.NetSetDeadline, abi.NetRequest{ID: id, Arg: abi.NetDeadlineRead, Deadline: abi.DeadlineNow, Seq: 1}))
	}
	for range 2 {
		select {
		case st := <-ended:
			if st != errAGAIN {
				t.Errorf("a waiting call ended with status %d, want EAGAIN", st)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting call outlived the deadline set while it waited")
		}
	}
}

func TestAnOlderDeadlineDoesNotUndoANewerOne(t *testing.T) {
	c := serve(t, loopback{})()
	a, b := c.pair()
	c.ok(c.call(abi.NetSetDeadline, abi.NetRequest{ID: b, Arg: abi.NetDeadlineRead, Deadline: abi.DeadlineNever, Seq: 2}))
	// A read that carries the client's first deadline (seq 1, already
	// passed) arrives after the second: it waits, under the second.
	got := make(chan []byte)
	go func() {
		data, st := c.read(b, 10, abi.DeadlineNow, 1)
		if st != 0 {
			t.Errorf("read under the newer deadline: status %d", st)
		}
		got <- data
	}()
	time.Sleep(20 * time.Millisecond)
	c.write(a, []byte("late"))
	if data := <-got; string(data) != "late" {
		t.Fatalf("read %q", data)
	}
}

func TestUDPDatagramsKeepTheirBoundsAndSenders(t *testing.T) {
	c := serve(t, loopback{})()
	open := func() (uint32, abi.NetAddr) {
		id := c.socket(abi.NetUDP)
		return id, addr(t, c.ok(c.call(abi.NetBind, abi.NetRequest{ID: id}, localhost.Marshal(nil))))
	}
	x, xa := open()
	y, ya := open()
	z, _ := open()
	for _, d := range []string{"one", "two"} {
		st, body := c.call(abi.NetSendTo, abi.NetRequest{ID: x, Deadline: abi.DeadlineNever}, ya.Marshal(nil), []byte(d))
		if st != 0 || le.Uint32(body) != uint32(len(d)) {
			t.Fatalf("sendto: status %d", st)
		}
	}
	for _, want := range []string{"one", "two"} {
		body := c.ok(c.call(abi.NetRecvFrom, abi.NetRequest{ID: y, Arg: 100, Deadline: abi.DeadlineNever}))
		if from := addr(t, body); from != xa || string(body[abi.NetAddrSize:]) != want {
			t.Fatalf("recvfrom: %q from %v, want %q from %v", body[abi.NetAddrSize:], from, want, xa)
		}
	}
	// Connected to x, y takes datagrams from x alone.
	c.ok(c.call(abi.NetConnect, abi.NetRequest{ID: y, Deadline: abi.DeadlineNever}, xa.Marshal(nil)))
	c.call(abi.NetSendTo, abi.NetRequest{ID: z, Deadline: abi.DeadlineNever}, ya.Marshal(nil), []byte("stranger"))
	c.call(abi.NetSendTo, abi.NetRequest{ID: x, Deadline: abi.DeadlineNever}, ya.Marshal(nil), []byte("friend"))
	if data, st := c.read(y, 100, abi.DeadlineNever, 0); st != 0 || string(data) != "friend" {
		t.Fatalf("read of a connected UDP socket: %q, status %d", data, st)
	}
	if n, st := c.write(y, []byte("reply")); st != 0 || n != 5 {
		t.Fatalf("write of a connected UDP socket: %d, status %d", n, st)
	}
	body := c.ok(c.call(abi.NetRecvFrom, abi.NetRequest{ID: x, Arg: 3, Deadline: abi.DeadlineNever}))
	if from := addr(t, body); from != ya || string(body[abi.NetAddrSize:]) != "rep" {
		t.Fatalf("recvfrom of a datagram cut to 3 bytes: %q from %v", body[abi.NetAddrSize:], from)
	}
	if st, _ := c.call(abi.NetSendTo, abi.NetRequest{ID: y, Deadline: abi.DeadlineNever}, xa.Marshal(nil), []byte("x")); st != errISCONN {
		t.Fatalf("sendto of a connected UDP socket: status %d, want EISCONN", st)
	}
	// sendto binds a socket that is not.
	w := c.socket(abi.NetUDP)
	c.ok(c.call(abi.NetSendTo, abi.NetRequest{ID: w, Deadline: abi.DeadlineNever}, xa.Marshal(nil), []byte("auto")))
	body = c.ok(c.call(abi.NetRecvFrom, abi.NetRequest{ID: x, Arg: 100, Deadline: abi.DeadlineNever}))
	if from := addr(t, body); from.Port == 0 || string(body[abi.NetAddrSize:]) != "auto" {
		t.Fatalf("recvfrom: %q from %v", body[abi.NetAddrSize:], from)
	}
}

func TestRequestsAreChecked(t *testing.T) {
	c := serve(t, loopback{})()
	tcp := c.socket(abi.NetTCP)
	udp := c.socket(abi.NetUDP)
	ln, at := c.listen()
	for _, tc := range []struct {
		name string
		typ  uint32
		req  abi.NetRequest
		body []byte
		want uint32
	}{
		{"unknown kind", abi.NetSocket, abi.NetRequest{Arg: 3}, nil, errPROTONOSUPPORT},
		{"unknown id", abi.NetRead, abi.NetRequest{ID: 999, Arg: 1}, nil, errBADF},
		{"read of nothing", abi.NetRead, abi.NetRequest{ID: tcp}, nil, errINVAL},
		{"read of too much", abi.NetRead, abi.NetRequest{ID: tcp, Arg: abi.NetMaxIO + 1}, nil, errINVAL},
		{"read before connecting", abi.NetRead, abi.NetRequest{ID: tcp, Arg: 1}, nil, errNOTCONN},
		{"write before connecting", abi.NetWrite, abi.NetRequest{ID: tcp}, []byte("x"), errNOTCONN},
		{"read of a listener", abi.NetRead, abi.NetRequest{ID: ln, Arg: 1}, nil, errINVAL},
		{"accept of a socket not listening", abi.NetAccept, abi.NetRequest{ID: tcp}, nil, errINVAL},
		{"bind without an address", abi.NetBind, abi.NetRequest{ID: tcp}, nil, errINVAL},
		{"listen on a UDP socket", abi.NetListen, abi.NetRequest{ID: udp}, nil, errINVAL},
		{"recvfrom of an unbound UDP socket", abi.NetRecvFrom, abi.NetRequest{ID: udp, Arg: 1}, nil, errINVAL},
		{"shutdown before connecting", abi.NetShutdown, abi.NetRequest{ID: tcp}, nil, errNOTCONN},
		{"unknown option", abi.NetSetOption, abi.NetRequest{ID: tcp, Arg: 99}, nil, errNOPROTOOPT},
		{"TCP option of a UDP socket", abi.NetSetOption, abi.NetRequest{ID: udp, Arg: abi.NetOptNoDelay}, nil, errNOPROTOOPT},
		{"reuse address", abi.NetSetOption, abi.NetRequest{ID: tcp, Arg: abi.NetOptReuseAddr, Value: 1}, nil, 0},
		{"no delay", abi.NetSetOption, abi.NetRequest{ID: tcp, Arg: abi.NetOptNoDelay, Value: 0}, nil, 0},
		{"unknown deadline", abi.NetSetDeadline, abi.NetRequest{ID: tcp, Arg: 3}, nil, errINVAL},
	} {
		if st, _ := c.call(tc.typ, tc.req, tc.body); st != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, st, tc.want)
		}
	}
	if m, err := c.ch.Call(abi.NetRead, []byte{1, 2, 3}, nil, make([]byte, abi.MaxData), nil, sdk.Never); err != nil || abi.NetStatusOf(m.Data) != errINVAL {
		t.Errorf("a short request: %v, status %d, want EINVAL", err, abi.NetStatusOf(m.Data))
	}
	// A second listener on the first's address.
	dup := c.socket(abi.NetTCP)
	c.ok(c.call(abi.NetBind, abi.NetRequest{ID: dup}, at.Marshal(nil)))
	if st, _ := c.call(abi.NetListen, abi.NetRequest{ID: dup}); st != uint32(syscall.EADDRINUSE) {
		t.Errorf("listen on an address in use: status %d, want EADDRINUSE", st)
	}
	// A TCP socket bound for listening cannot connect.
	if st, _ := c.call(abi.NetConnect, abi.NetRequest{ID: dup, Deadline: abi.DeadlineNever}, at.Marshal(nil)); st != errOPNOTSUPP {
		t.Errorf("connect from a bound socket: status %d, want EOPNOTSUPP", st)
	}
}

func TestAClientHasBoundedSockets(t *testing.T) {
	connect := serve(t, loopback{})
	c := connect()
	n := 0
	for {
		st, _ := c.call(abi.NetSocket, abi.NetRequest{Arg: abi.NetTCP})
		if st != 0 {
			if st != errMFILE {
				t.Fatalf("socket %d: status %d, want EMFILE", n+1, st)
			}
			break
		}
		n++
	}
	if n != abi.NetMaxSockets {
		t.Fatalf("a client got %d sockets, want %d", n, abi.NetMaxSockets)
	}
	// Another client is not concerned.
	if st, _ := connect().call(abi.NetSocket, abi.NetRequest{Arg: abi.NetTCP}); st != 0 {
		t.Fatalf("another client's socket: status %d", st)
	}
}

func TestWaitingCallsAreBoundedButCloseIsServed(t *testing.T) {
	// abi.NetMaxPending calls take some time to make under the race
	// detector: the bound is lower here, the rule the same.
	svc := New(loopback{})
	svc.maxPending = 16
	c := serveWith(t, svc)()
	_, b := c.pair()
	var wg sync.WaitGroup
	statuses := make(chan uint32, svc.maxPending+1)
	for range svc.maxPending + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, st := c.read(b, 1, abi.DeadlineNever, 0)
			statuses <- st
		}()
	}
	// One read of the many is refused at once; the others wait.
	select {
	case st := <-statuses:
		if st != errNOBUFS {
			t.Fatalf("a read beyond the bound: status %d, want ENOBUFS", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no read was refused")
	}
	c.ok(c.call(abi.NetClose, abi.NetRequest{ID: b}))
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != errBADF {
			t.Fatalf("a waiting read ended with status %d, want EBADF", st)
		}
	}
}

func TestClosingTheChannelClosesEverySocket(t *testing.T) {
	c := serve(t, loopback{})()
	_, at := c.listen()
	outside, err := net.Dial("tcp4", netip.AddrPortFrom(netip.AddrFrom4(at.IP), at.Port).String())
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	conn := c.socket(abi.NetTCP)
	c.ok(c.call(abi.NetConnect, abi.NetRequest{ID: conn, Deadline: abi.DeadlineNever}, at.Marshal(nil)))
	c.ch.Close()
	// The listener closes: its pending connection and new ones end.
	outside.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := outside.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read of a connection the closed listener held: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c2, err := net.Dial("tcp4", netip.AddrPortFrom(netip.AddrFrom4(at.IP), at.Port).String())
		if err != nil {
			break
		}
		c2.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener outlived its client's channel")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
