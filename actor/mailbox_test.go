package actor

import "testing"

// The ring grows (wrapped or not) without losing or reordering messages,
// stops growing at capacity for ordinary messages, and goes past it for
// system messages.
func TestMailboxGrowsKeepingOrderAndBound(t *testing.T) {
	const capacity = 20
	m := newMailbox(capacity)
	next, want := 0, 0
	put := func(system bool) bool {
		wait, err := m.put(next, system)
		if err != nil {
			t.Fatalf("put %d: %v", next, err)
		}
		if wait != nil {
			return false
		}
		next++
		return true
	}
	take := func() {
		v, wait, err := m.get()
		if err != nil || wait != nil {
			t.Fatalf("get: %v, wait %v", err, wait != nil)
		}
		if v != want {
			t.Fatalf("got message %v, want %d", v, want)
		}
		want++
	}
	for range 5 {
		put(false)
	}
	for range 3 {
		take()
	}
	for put(false) {
	}
	if n, _ := m.depth(); n != capacity {
		t.Fatalf("depth %d after filling, want %d", n, capacity)
	}
	for range 3 {
		if !put(true) {
			t.Fatal("a system message waited for room")
		}
	}
	for want < next {
		take()
	}
	if _, wait, _ := m.get(); wait == nil {
		t.Fatal("an empty mailbox returned a message")
	}
}
