package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"clk/abi"
	"clk/sdk"
	"clk/services/netsock"
	"clk/services/netsock/memstack"
)

func fail(format string, args ...any) {
	fmt.Fprintf(sdk.Console, "netcheck: FAIL: "+format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	conns := 300
	if len(os.Args) > 2 {
		fmt.Fprintln(sdk.Console, "usage: netcheck [CONNS]")
		sdk.Exit(2)
	}
	if len(os.Args) == 2 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 1 {
			fmt.Fprintln(sdk.Console, "usage: netcheck [CONNS]")
			sdk.Exit(2)
		}
		conns = n
	}
	mine, theirs, err := sdk.NewChannel(netsock.Schema, 0)
	if err != nil {
		fail("channel: %v", err)
	}
	go netsock.New(memstack.New(netip.AddrFrom4([4]byte{10, 0, 2, 15}))).ServeClient(theirs)
	// The runtime reads CLK_NET at the program's first socket.
	os.Setenv(abi.NetEnv, mine.Handle.String())

	checkHTTP()
	checkIdleConns(conns)
	checkEndings()
	checkUDP()
	fmt.Fprintln(sdk.Console, "netcheck: ok")
	sdk.Exit(0)
}

func checkHTTP() {
	ln, err := net.Listen("tcp", ":8000")
	if err != nil {
		fail("listen: %v", err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s from %s", r.URL.Path, r.RemoteAddr)
	}))
	resp, err := http.Get("http://10.0.2.100:8000/x")
	if err != nil {
		fail("get: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(body) < 13 || string(body[:13]) != "/x from 10.0." {
		fail("get: %q, %v", body, err)
	}
	ln.Close()
}

// checkIdleConns has a goroutine wait in a read of each of n connections
// at once: with a thread for each waiting call, more than 256 would end
// the program. Then each gets its answer.
func checkIdleConns(n int) {
	ln, err := net.Listen("tcp", ":8001")
	if err != nil {
		fail("listen: %v", err)
	}
	defer ln.Close()
	servers := make(chan net.Conn, n)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			servers <- c
		}
	}()
	var ready, done sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		c, err := net.Dial("tcp", "10.0.2.15:8001")
		if err != nil {
			fail("dial %d: %v", i, err)
		}
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			defer c.Close()
			buf := make([]byte, 16)
			ready.Done()
			k, err := c.Read(buf)
			if err == nil && string(buf[:k]) != "go" {
				err = fmt.Errorf("read %q", buf[:k])
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	ready.Wait()
	time.Sleep(100 * time.Millisecond) // every read waits by now
	for range n {
		s := <-servers
		go func() {
			s.Write([]byte("go"))
			s.Close()
		}()
	}
	done.Wait()
	close(errs)
	for err := range errs {
		fail("%d idle connections: %v", n, err)
	}
}

// checkEndings ends waiting reads with a deadline, with a deadline moved
// while the read waits, and with Close.
func checkEndings() {
	ln, err := net.Listen("tcp", ":8002")
	if err != nil {
		fail("listen: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", "10.0.2.15:8002")
	if err != nil {
		fail("dial: %v", err)
	}
	s, err := ln.Accept()
	if err != nil {
		fail("accept: %v", err)
	}
	defer s.Close()

	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		fail("read past its deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	ended := make(chan error)
	read := func() {
		_, err := c.Read(make([]byte, 1))
		ended <- err
	}
	go read()
	time.Sleep(50 * time.Millisecond)
	c.SetReadDeadline(time.Now().Add(-time.Second))
	if err := wait(ended); !errors.Is(err, os.ErrDeadlineExceeded) {
		fail("read whose deadline moved to the past: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	go read()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if err := wait(ended); !errors.Is(err, net.ErrClosed) {
		fail("read of a closed connection: %v", err)
	}
}

func wait(ended <-chan error) error {
	select {
	case err := <-ended:
		return err
	case <-time.After(10 * time.Second):
		fail("a read did not end")
		return nil
	}
}

func checkUDP() {
	pc, err := net.ListenPacket("udp", ":5353")
	if err != nil {
		fail("listen udp: %v", err)
	}
	defer pc.Close()
	c, err := net.Dial("udp", "10.0.2.15:5353")
	if err != nil {
		fail("dial udp: %v", err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	buf := make([]byte, 16)
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" {
		fail("udp ReadFrom: %q, %v", buf[:n], err)
	}
	pc.WriteTo([]byte("pong"), from)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "pong" {
		fail("udp Read: %q, %v", buf[:n], err)
	}
}
