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
