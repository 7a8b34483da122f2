//go:build clk

package baremetal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	_ "unsafe" // for go:linkname

	"clk/abi"
	"clk/kernel/object"
	"clk/kernel/syscalls"
	"clk/sdk"
	"clk/services/netsock"
	"clk/services/netsock/memstack"
)

// Package net over the network service. A ring-3 program's runtime finds
// its channel to the service in CLK_NET; here the test gives the
// runtime a transport as the kernel would (syscall.clkNetService): channel
// calls, through the kernel's direct backend, to services/netsock serving
// a stack in memory (memstack) whose host is 10.0.2.15. The test then uses package net and net/http as a program
// does, and every socket it makes is the service's.

// netService is syscall.clkNetService, which installs package net's
// transport to the network service. Pulled via linkname: the runtime
// offers it to the kernel, which has no environment to find it in.
//
//go:linkname netService syscall.clkNetService
func netService(call func(typ uint32, req, resp []byte) (int, syscall.Errno), clock func() uint64)

// useNetService makes package net's TCP and UDP sockets those of a service
// over a new stack in memory until the test ends.
func useNetService(t *testing.T) *memstack.Stack {
	t.Helper()
	p := object.NewProcess(t.Name(), 0, nil)
	sdk.SetBackend(syscalls.Direct(syscalls.NewDispatcher(), &syscalls.Caller{Proc: p, Mem: syscalls.KernelSpace{}}))
	mine, theirs, err := sdk.NewChannel(netsock.Schema, 0)
	if err != nil {
		t.Fatal(err)
	}
	stack := memstack.New(netip.AddrFrom4([4]byte{10, 0, 2, 15}))
	served := make(chan struct{})
	go func() {
		netsock.New(stack).ServeClient(theirs)
		close(served)
	}()
	// Sockets outlive the test (a goroutine that has yet to close its
	// connection, a cleanup of a lost one), and they keep the transport:
	// once the test ends it fails without a call of the SDK, whose
	// backend is then the SYSCALL instruction, which ring 0 must not run.
	var mu sync.RWMutex
	ended := false
	netService(func(typ uint32, req, resp []byte) (int, syscall.Errno) {
		mu.RLock()
		defer mu.RUnlock()
		if ended {
			return 0, syscall.EIO
		}
		m, err := mine.Call(typ, req, nil, resp, nil, sdk.Never)
		if err != nil || m.Type != typ {
			return 0, syscall.EIO
		}
		return len(m.Data), 0
	}, func() uint64 {
		mu.RLock()
		defer mu.RUnlock()
		if ended {
			return 0
		}
		ns, _ := sdk.Clock(abi.ClockMonotonic)
		return ns
	})
	t.Cleanup(func() {
		netService(nil, nil)
		mine.Close() // ends the calls in progress
		mu.Lock()
		ended = true
		mu.Unlock()
		<-served
		p.Exit(0)
		sdk.SetBackend(nil)
	})
	return stack
}

// echo serves ln: each connection gets back what it sends.
func echo(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			io.Copy(c, c)
			c.Close()
		}()
	}
}

func TestNetStreamsGoThroughTheNetworkService(t *testing.T) {
	stack := useNetService(t)
	ln, err := net.Listen("tcp", ":8000")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !stack.Listening(8000) {
		t.Fatal("the listener is not the service's")
	}
	if got := ln.Addr().String(); got != "10.0.2.15:8000" {
		t.Errorf("listener's address %s", got)
	}
	go echo(ln)

	c, err := net.Dial("tcp", "10.0.2.15:8000")
	if err != nil {
		t.Fatal(err)
	}
	if c.RemoteAddr().String() != "10.0.2.15:8000" || !strings.HasPrefix(c.LocalAddr().String(), "10.0.2.15:") {
		t.Errorf("connection from %v to %v", c.LocalAddr(), c.RemoteAddr())
	}
	// More than a message's worth, written by two goroutines at once:
	// each Write's bytes stay together.
	block := func(b byte) []byte { return bytes.Repeat([]byte{b}, 3*abi.NetMaxIO+77) }
	var wg sync.WaitGroup
	for _, b := range []byte{'a', 'b'} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, err := c.Write(block(b)); err != nil || n != len(block(b)) {
				t.Errorf("write: %d, %v", n, err)
			}
		}()
	}
	got := make([]byte, 2*len(block('a')))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	first := got[:len(got)/2]
	if !bytes.Equal(first, block(first[0])) || !bytes.Equal(got[len(got)/2:], block('a'+'b'-first[0])) {
		t.Fatal("the echo differs from the two writes, one after the other")
	}
	c.Close()
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v, want net.ErrClosed", err)
	}
}

func TestPeersSeeTheEndOfTheStream(t *testing.T) {
	useNetService(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.FailNow()
	}
	defer s.Close()
	// The stack's connections are pipes: a write waits for its reader.
	go func() {
		c.Write([]byte("last words"))
		c.Close()
	}()
	got, err := io.ReadAll(s)
	if err != nil || string(got) != "last words" {
		t.Fatalf("read to the end: %q, %v", got, err)
	}
}

func TestHTTPServesAndFetchesThroughTheNetworkService(t *testing.T) {
	useNetService(t)
	big := make([]byte, 300<<10)
	rand.NewChaCha8([32]byte{3}).Read(big)
	srv := &http.Server{Addr: ":8001", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write(big)
			return
		}
		fmt.Fprintf(w, "%s %s from %s", r.Method, r.URL.Path, strings.Split(r.RemoteAddr, ":")[0])
	})}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	client := &http.Client{Transport: &http.Transport{}}
	var body []byte
	for try := 0; ; try++ {
		resp, err := client.Get("http://10.0.2.100:8001/x")
		if err != nil {
			if try < 100 && errors.Is(err, syscall.ECONNREFUSED) {
				time.Sleep(10 * time.Millisecond) // not yet listening
				continue
			}
			t.Fatal(err)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if string(body) != "GET /x from 10.0.2.15" {
		t.Fatalf("body %q", body)
	}
	// The next request goes over the same connection, kept alive; a
	// large body crosses many messages.
	resp, err := client.Get("http://10.0.2.100:8001/big")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("large body: %d bytes, %v", len(got), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Fatalf("ListenAndServe: %v", err)
	}
}

func TestDialsFailAsTheServiceSays(t *testing.T) {
	useNetService(t)
	if _, err := net.Dial("tcp", "10.0.2.2:1234"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a port nothing listens on: %v, want ECONNREFUSED", err)
	}
	start := time.Now()
	_, err := net.DialTimeout("tcp", fmt.Sprintf("10.0.2.2:%d", memstack.BlackholePort), 100*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("dial a host that does not answer: %v, want a timeout", err)
	}
	if d := time.Since(start); d < 80*time.Millisecond || d > 5*time.Second {
		t.Fatalf("the dial timed out after %v, not 100ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var d net.Dialer
	if _, err := d.DialContext(ctx, "tcp", fmt.Sprintf("10.0.2.2:%d", memstack.BlackholePort)); !errors.Is(err, context.Canceled) {
		t.Fatalf("dial whose context is canceled: %v", err)
	}
	local := net.Dialer{LocalAddr: &net.TCPAddr{Port: 5000}}
	if _, err := local.Dial("tcp", "10.0.2.2:8002"); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Fatalf("dial from a local address: %v, want EOPNOTSUPP", err)
	}
	if _, err := net.Listen("tcp6", "[::1]:0"); !errors.Is(err, syscall.EAFNOSUPPORT) {
		t.Fatalf("listen on IPv6: %v, want EAFNOSUPPORT", err)
	}
	ln, err := net.Listen("tcp", ":8002")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := net.Listen("tcp", ":8002"); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("listen on a port in use: %v, want EADDRINUSE", err)
	}
}

// servicePair returns both ends of a connection through the service.
func servicePair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

func TestDeadlinesAndCloseEndWaitingCalls(t *testing.T) {
	useNetService(t)
	c, s := servicePair(t)

	// A deadline set before the read.
	s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	_, err := s.Read(make([]byte, 10))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("the read gave up after %v, before its deadline", d)
	}
	// A deadline that has passed fails the read at once, data or not.
	// (The stack's connections are pipes: a write waits for its reader.)
	go c.Write([]byte("data"))
	time.Sleep(20 * time.Millisecond)
	if _, err := s.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with its deadline passed: %v", err)
	}
	s.SetReadDeadline(time.Time{})
	if buf := make([]byte, 10); func() bool { n, err := s.Read(buf); return err != nil || string(buf[:n]) != "data" }() {
		t.Fatal("the data waiting did not come once the deadline was lifted")
	}

	// A deadline set while the read waits, as net/http ends its
	// background read.
	ended := make(chan error)
	go func() {
		_, err := s.Read(make([]byte, 10))
		ended <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.SetReadDeadline(time.Now().Add(-time.Second))
	select {
	case err := <-ended:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read when its deadline moved to the past: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a read outlived the deadline set while it waited")
	}
	s.SetReadDeadline(time.Time{})

	// Close ends a waiting read and a waiting accept.
	go func() {
		_, err := s.Read(make([]byte, 10))
		ended <- err
	}()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := ln.Accept()
		ended <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	ln.Close()
	for range 2 {
		select {
		case err := <-ended:
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("a call ended by Close: %v, want net.ErrClosed", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a waiting call outlived Close")
		}
	}
}

func TestUDPGoesThroughTheNetworkService(t *testing.T) {
	useNetService(t)
	pc, err := net.ListenPacket("udp", ":5353")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := net.Dial("udp", "10.0.2.15:5353")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("query")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "query" || from.String() != c.LocalAddr().String() {
		t.Fatalf("ReadFrom: %q from %v, %v; want %q from %v", buf[:n], from, err, "query", c.LocalAddr())
	}
	if _, err := pc.WriteTo([]byte("answer"), from); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "answer" {
		t.Fatalf("Read: %q, %v", buf[:n], err)
	}
	pc.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, _, err := pc.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFrom past its deadline: %v", err)
	}
}

func TestWithoutAServiceSocketsStayInTheProgram(t *testing.T) {
	stack := useNetService(t)
	netService(nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:8003")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if stack.Listening(8003) {
		t.Fatal("a listener went to the service after it was taken away")
	}
	go echo(ln)
	c, err := net.Dial("tcp", "127.0.0.1:8003")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("in memory"))
	buf := make([]byte, 9)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "in memory" {
		t.Fatalf("echo over the fake network: %q, %v", buf, err)
	}
}
