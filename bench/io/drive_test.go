package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeGuest serves the guest's TCP protocol on the loopback as
// programs/iobench does, after greeting only from the connection numbered
// greetFrom on (counting from 0): before that it closes each connection at
// once, as QEMU does with a forwarded connection while no guest listens.
type fakeGuest struct {
	l         net.Listener
	greetFrom int32
	conns     atomic.Int32
	quit      atomic.Bool
}

func newFakeGuest(t *testing.T, greetFrom int32) *fakeGuest {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	f := &fakeGuest{l: l, greetFrom: greetFrom}
	go f.serve()
	return f
}

func (f *fakeGuest) serve() {
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		if f.conns.Add(1)-1 < f.greetFrom {
			c.Close()
			continue
		}
		go func() {
			defer c.Close()
			io.WriteString(c, greeting)
			r := bufio.NewReader(c)
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			var n int64
			if len(f) == 2 {
				n, _ = strconv.ParseInt(f[1], 10, 64)
			}
			switch f[0] {
			case "sink":
				got, _ := io.CopyN(io.Discard, r, n)
				fmt.Fprintf(c, "ok %d\n", got)
			case "source":
				io.CopyN(c, zeros{}, n)
			case "quit":
				io.WriteString(c, "bye\n")
			}
		}()
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

func TestTransfersBothWaysAfterTheGuestGreets(t *testing.T) {
	f := newFakeGuest(t, 2)
	g := guest{tcp: f.l.Addr().String(), wait: 30 * time.Second}
	const n = 5<<20 + 3
	took, err := g.toGuest(n)
	if err != nil || took <= 0 {
		t.Fatalf("toGuest: %v, %v", took, err)
	}
	if c := f.conns.Load(); c != 3 {
		t.Errorf("%d connections, want two closed ungreeted, then the sink's", c)
	}
	if took, err := g.fromGuest(n); err != nil || took <= 0 {
		t.Errorf("fromGuest: %v, %v", took, err)
	}
	if err := g.quit(); err != nil {
		t.Errorf("quit: %v", err)
	}
}

func TestDialGivesUpOnASilentGuest(t *testing.T) {
	f := newFakeGuest(t, 1<<30)
	g := guest{tcp: f.l.Addr().String(), wait: time.Second}
	if _, err := g.toGuest(1); err == nil || !strings.Contains(err.Error(), "no greeting") {
		t.Errorf("toGuest to a guest that never greets: %v", err)
	}
}

func TestHTTPLoadKeepsOneConnectionPerClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 100))
	}))
	defer srv.Close()
	g := guest{http: srv.Listener.Addr().String(), wait: 30 * time.Second}
	load := g.loadHTTP(3, 200*time.Millisecond, 100)
	if len(load.errs) > 0 {
		t.Fatalf("errors: %v", load.errs)
	}
	if load.requests == 0 || load.took < 200*time.Millisecond || load.perSecond() <= 0 {
		t.Errorf("%d requests in %v", load.requests, load.took)
	}
	if load.conns != 3 {
		t.Errorf("%d connections for 3 keep-alive clients", load.conns)
	}
}

func TestHTTPLoadStopsAClientOnAWrongAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 99))
	}))
	defer srv.Close()
	g := guest{http: srv.Listener.Addr().String(), wait: 30 * time.Second}
	load := g.loadHTTP(2, time.Minute, 100)
	if len(load.errs) != 2 || load.requests != 0 {
		t.Fatalf("%d requests, errors %v; want both clients stopped at their warm-up", load.requests, load.errs)
	}
	if !strings.Contains(errorsText(load.errs), "99 bytes, want 100") {
		t.Errorf("errors %q", errorsText(load.errs))
	}
}
