package memstack

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

var host = netip.AddrFrom4([4]byte{10, 0, 2, 15})

func at(port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.IPv4Unspecified(), port) }

func TestDialsReachListenersByPort(t *testing.T) {
	s := New(host)
	ln, err := s.ListenTCP(at(80))
	if err != nil {
		t.Fatal(err)
	}
	if ln.Addr().String() != "10.0.2.15:80" || !s.Listening(80) {
		t.Fatalf("listener at %v", ln.Addr())
	}
	if _, err := s.ListenTCP(at(80)); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("a second listener on port 80: %v", err)
	}
	c, err := s.DialTCP(context.Background(), netip.MustParseAddrPort("192.0.2.1:80"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if a.RemoteAddr().String() != c.LocalAddr().String() || a.LocalAddr().String() != "10.0.2.15:80" {
		t.Fatalf("ends %v-%v and %v-%v", c.LocalAddr(), c.RemoteAddr(), a.LocalAddr(), a.RemoteAddr())
	}
	go func() {
		c.Write([]byte("hello"))
		c.Close()
	}()
	if got, err := io.ReadAll(a); err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v", got, err)
	}
	ln.Close()
	if _, err := s.DialTCP(context.Background(), at(80)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a closed listener's port: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.DialTCP(ctx, at(BlackholePort)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial the black hole: %v", err)
	}
}

func TestDatagramsReachTheirPort(t *testing.T) {
	s := New(host)
	x, err := s.ListenUDP(at(0))
	if err != nil {
		t.Fatal(err)
	}
	y, err := s.ListenUDP(at(53))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.WriteTo([]byte("query"), y.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	n, from, err := y.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "query" || from.String() != x.LocalAddr().String() {
		t.Fatalf("ReadFrom: %q from %v, %v", buf[:n], from, err)
	}
	y.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, _, err := y.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFrom past the deadline: %v", err)
	}
	done := make(chan error)
	y.SetReadDeadline(time.Time{})
	go func() {
		_, _, err := y.ReadFrom(buf)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	y.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("ReadFrom of a closed socket: %v", err)
	}
}
