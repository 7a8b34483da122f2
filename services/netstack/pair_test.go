package netstack

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"clk/services/netstack/netstacktest"
)

// pair is two Stacks joined by a netstacktest pipe: a on link la, b on lb.
type pair struct {
	a, b   *Stack
	la, lb *netstacktest.Link
}

var (
	addrA = netip.MustParsePrefix("10.0.0.1/24")
	addrB = netip.MustParsePrefix("10.0.0.2/24")
)

// newPair builds two Stacks over a pipe without starting them; both are
// closed when the test ends.
func newPair(t testing.TB, ca, cb Config) *pair {
	t.Helper()
	la, lb := netstacktest.Pipe()
	a, err := New(la, ca)
	if err != nil {
		t.Fatalf("New(a): %v", err)
	}
	b, err := New(lb, cb)
	if err != nil {
		a.Close()
		t.Fatalf("New(b): %v", err)
	}
	la.Attach(a.DeliverFrame)
	lb.Attach(b.DeliverFrame)
	t.Cleanup(func() {
		a.Close()
		b.Close()
		la.Close()
		lb.Close()
	})
	return &pair{a: a, b: b, la: la, lb: lb}
}

// staticPair is a started pair with addresses addrA and addrB.
func staticPair(t testing.TB) *pair {
	t.Helper()
	p := newPair(t, Config{Addr: addrA}, Config{Addr: addrB})
	for _, s := range []*Stack{p.a, p.b} {
		if err := s.Start(context.Background()); err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	return p
}

// testContext is a context that ends with the test or after d.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
