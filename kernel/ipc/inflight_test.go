package ipc

import (
	"errors"
	"math/rand"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/wait"
)

const msgEndpoint = 1 // one channel endpoint

func endpointSchema(t testing.TB) *Schema {
	s, err := NewSchema(MessageSpec{Type: msgEndpoint, Handles: []HandleSpec{{Type: abi.TypeChannel}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// closedNow reports whether e's last handle is gone.
func closedNow(e *Endpoint) bool {
	e.ch.mu.Lock()
	defer e.ch.mu.Unlock()
	return e.closed
}

func TestAnEndpointCarryingEndpointsDoesNotTravel(t *testing.T) {
	tb := cap.NewTable(0)
	x0, x1, _ := NewChannel(endpointSchema(t), 0)
	y0, y1, _ := NewChannel(endpointSchema(t), 0)
	hx0, _ := tb.Install(cap.New(x0, abi.RightsAll))
	hx1, _ := tb.Install(cap.New(x1, abi.RightsAll))
	hy0, _ := tb.Install(cap.New(y0, abi.RightsAll))
	hy1, _ := tb.Install(cap.New(y1, abi.RightsAll))

	// x1 travels to y1's queue: y1 now carries an endpoint.
	if err := y0.WriteFrom(tb, msgEndpoint, 0, nil, []cap.Handle{hx1}, wait.Forever, true); err != nil {
		t.Fatalf("sending x1 over y: %v", err)
	}
	// y1 travelling into x1's queue would close the cycle x1 -> y1 -> x1.
	err := x0.WriteFrom(tb, msgEndpoint, 0, nil, []cap.Handle{hy1}, wait.Forever, true)
	if !errors.Is(err, ErrCarrier) {
		t.Fatalf("sending y1 over x: %v, want ErrCarrier", err)
	}
	if _, err := tb.Lookup(hy1, abi.TypeChannel, 0); err != nil {
		t.Fatalf("the refused write took y1 from the table: %v", err)
	}
	// Reading x1 back out of y1's queue makes y1 free to travel again.
	m, err := y1.Read(time.Time{}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := tb.InstallAll(m.Caps)
	if err != nil {
		t.Fatal(err)
	}
	if err := x0.WriteFrom(tb, msgEndpoint, 0, nil, []cap.Handle{hy1}, wait.Forever, true); err != nil {
		t.Fatalf("sending y1, whose queue is empty again: %v", err)
	}
	for _, h := range []cap.Handle{hx0, hy0, back[0]} {
		tb.Close(h)
	}
	for _, e := range []*Endpoint{x0, x1, y0, y1} {
		if !closedNow(e) {
			t.Errorf("endpoint %p outlived every handle", e)
		}
	}
}

// inFlightCycle reports whether some endpoint among ends is, through the
// queues, inside its own queue.
func inFlightCycle(ends []*Endpoint) bool {
	inside := map[*Endpoint][]*Endpoint{} // e -> endpoints in e's queue
	for _, e := range ends {
		e.ch.mu.Lock()
		for _, m := range e.queue {
			for _, c := range m.Caps {
				if x, ok := c.Object().(*Endpoint); ok {
					inside[e] = append(inside[e], x)
				}
			}
		}
		e.ch.mu.Unlock()
	}
	const (
		unseen = iota
		open
		done
	)
	state := map[*Endpoint]int{}
	var visit func(e *Endpoint) bool
	visit = func(e *Endpoint) bool {
		state[e] = open
		for _, x := range inside[e] {
			if state[x] == open || state[x] == unseen && visit(x) {
				return true
			}
		}
		state[e] = done
		return false
	}
	for _, e := range ends {
		if state[e] == unseen && visit(e) {
			return true
		}
	}
	return false
}

// TestNoEndpointOutlivesEveryHandle sends endpoints over each other at
// random, as a program trying to build cycles would, and reads some back.
// No cycle ever forms, and once the table's handles are closed every
// endpoint is released with the messages it held.
func TestNoEndpointOutlivesEveryHandle(t *testing.T) {
	for seed := int64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewSource(seed))
		tb := cap.NewTable(0)
		var ends []*Endpoint
		var hs []cap.Handle
		for range 4 {
			a, b, _ := NewChannel(endpointSchema(t), 4)
			for _, e := range []*Endpoint{a, b} {
				h, _ := tb.Install(cap.New(e, abi.RightsAll))
				ends, hs = append(ends, e), append(hs, h)
			}
		}
		held := func() (int, bool) { // a random handle still in the table
			for range 20 {
				i := r.Intn(len(hs))
				if _, err := tb.Lookup(hs[i], abi.TypeChannel, 0); err == nil {
					return i, true
				}
			}
			return 0, false
		}
		for step := 0; step < 60; step++ {
			via, ok1 := held()
			cargo, ok2 := held()
			if !ok1 || !ok2 {
				break
			}
			if r.Intn(3) == 0 {
				m, err := ends[via].Read(time.Time{}, false, nil)
				if err == nil {
					nh, err := tb.InstallAll(m.Caps)
					if err != nil {
						t.Fatal(err)
					}
					for j, e := range ends {
						if e == m.Caps[0].Object() {
							hs[j] = nh[0]
						}
					}
				}
				continue
			}
			err := ends[via].WriteFrom(tb, msgEndpoint, 0, nil, []cap.Handle{hs[cargo]}, time.Time{}, false)
			if err != nil && !errors.Is(err, ErrCarrier) && !errors.Is(err, ErrSelfTransfer) &&
				!errors.Is(err, ErrQueueFull) && !errors.Is(err, ErrPeerClosed) {
				t.Fatalf("seed %d: write: %v", seed, err)
			}
			if inFlightCycle(ends) {
				t.Fatalf("seed %d step %d: endpoints in flight form a cycle", seed, step)
			}
		}
		for _, h := range hs {
			tb.Close(h)
		}
		for i, e := range ends {
			if !closedNow(e) {
				t.Fatalf("seed %d: endpoint %d outlived every handle", seed, i)
			}
		}
	}
}

// replySchema carries requests of bytes and replies of one endpoint.
func replySchema(t testing.TB) *Schema {
	s, err := NewSchema(
		MessageSpec{Type: msgReq, MaxData: 64},
		MessageSpec{Type: msgEndpoint, Handles: []HandleSpec{{Type: abi.TypeChannel}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveEndpoint answers one call on server with a reply carrying the
// endpoint h of table tb.
func serveEndpoint(t *testing.T, server *Endpoint, tb *cap.Table, h cap.Handle) {
	go func() {
		m, err := server.Read(wait.Forever, true, nil)
		if err != nil {
			t.Errorf("server read: %v", err)
			return
		}
		if err := server.WriteFrom(tb, msgEndpoint, m.Txid, nil, []cap.Handle{h}, wait.Forever, true); err != nil {
			t.Errorf("server reply: %v", err)
		}
	}()
}

var errRefused = errors.New("refused by the test")

// TestAReplyInFlightKeepsItsEndpointsCounted makes a call whose reply
// carries the endpoint y1 and whose caller cannot take it, so the reply
// goes back to the caller's queue. While the reply is with the caller the
// caller's endpoint p0 counts y1 as carried: p0 cannot travel into y1's
// queue, where it and the reply put back would form a cycle.
func TestAReplyInFlightKeepsItsEndpointsCounted(t *testing.T) {
	client, server := cap.NewTable(0), cap.NewTable(0)
	p0, p1, _ := NewChannel(replySchema(t), 0)
	y0, y1, _ := NewChannel(endpointSchema(t), 0)
	hp0, _ := client.Install(cap.New(p0, abi.RightsAll))
	hy0, _ := client.Install(cap.New(y0, abi.RightsAll))
	hp1, _ := server.Install(cap.New(p1, abi.RightsAll))
	hy1, _ := server.Install(cap.New(y1, abi.RightsAll))
	serveEndpoint(t, p1, server, hy1)

	err := p0.CallFrom(client, msgReq, nil, nil, wait.Forever, nil, func(m *Message) error {
		if n := p0.carried.Load(); n != 1 {
			t.Errorf("p0 carries %d endpoints while the reply is with its caller, want 1", n)
		}
		err := y0.WriteFrom(client, msgEndpoint, 0, nil, []cap.Handle{hp0}, wait.Forever, true)
		if !errors.Is(err, ErrCarrier) {
			t.Errorf("sending p0 into y1's queue while y1 travels to p0: %v, want ErrCarrier", err)
		}
		return errRefused
	})
	if !errors.Is(err, errRefused) {
		t.Fatalf("call: %v, want the accept's error", err)
	}
	if inFlightCycle([]*Endpoint{p0, p1, y0, y1}) {
		t.Fatal("the reply put back closed a cycle of endpoints in flight")
	}
	if n := p0.carried.Load(); n != 1 {
		t.Fatalf("p0 carries %d endpoints with the reply put back, want 1", n)
	}

	// The reply put back is read like any message, once.
	m, err := readNow(p0)
	if err != nil || m.Type != msgEndpoint || len(m.Caps) != 1 || m.Caps[0].Object() != cap.Object(y1) {
		t.Fatalf("reading the reply put back: %+v, %v", m, err)
	}
	if n := p0.carried.Load(); n != 0 {
		t.Fatalf("p0 carries %d endpoints after the reply was read, want 0", n)
	}
	back, err := client.InstallAll(m.Caps)
	if err != nil {
		t.Fatal(err)
	}
	if err := y0.WriteFrom(client, msgEndpoint, 0, nil, []cap.Handle{hp0}, wait.Forever, true); err != nil {
		t.Fatalf("sending p0, whose queue is empty again: %v", err)
	}
	for _, h := range []cap.Handle{hy0, back[0]} {
		client.Close(h)
	}
	server.Close(hp1)
	for i, e := range []*Endpoint{p0, p1, y0, y1} {
		if !closedNow(e) {
			t.Errorf("endpoint %d outlived every handle", i)
		}
	}
}

// TestAReplyTakenOrDroppedIsUncounted checks the other ends of a reply's
// flight: taken by its caller, and dropped because the caller's endpoint
// closed before the reply could be put back.
func TestAReplyTakenOrDroppedIsUncounted(t *testing.T) {
	t.Run("taken", func(t *testing.T) {
		client, server := cap.NewTable(0), cap.NewTable(0)
		p0, p1, _ := NewChannel(replySchema(t), 0)
		y0, y1, _ := NewChannel(endpointSchema(t), 0)
		client.Install(cap.New(p0, abi.RightsAll))
		client.Install(cap.New(y0, abi.RightsAll))
		server.Install(cap.New(p1, abi.RightsAll))
		hy1, _ := server.Install(cap.New(y1, abi.RightsAll))
		serveEndpoint(t, p1, server, hy1)
		err := p0.CallFrom(client, msgReq, nil, nil, wait.Forever, nil, func(m *Message) error {
			_, err := client.InstallAll(m.Caps)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := p0.carried.Load(); n != 0 {
			t.Fatalf("p0 carries %d endpoints after its caller took the reply, want 0", n)
		}
	})
	t.Run("dropped", func(t *testing.T) {
		client, server := cap.NewTable(0), cap.NewTable(0)
		p0, p1, _ := NewChannel(replySchema(t), 0)
		_, y1, _ := NewChannel(endpointSchema(t), 0)
		hp0, _ := client.Install(cap.New(p0, abi.RightsAll))
		server.Install(cap.New(p1, abi.RightsAll))
		hy1, _ := server.Install(cap.New(y1, abi.RightsAll))
		serveEndpoint(t, p1, server, hy1)
		err := p0.CallFrom(client, msgReq, nil, nil, wait.Forever, nil, func(m *Message) error {
			client.Close(hp0)
			return errRefused
		})
		if !errors.Is(err, errRefused) {
			t.Fatalf("call: %v, want the accept's error", err)
		}
		if n := p0.carried.Load(); n != 0 {
			t.Fatalf("closed p0 carries %d endpoints, want 0", n)
		}
		if !closedNow(y1) {
			t.Fatal("y1, dropped with the reply, outlived its last capability")
		}
	})
}
