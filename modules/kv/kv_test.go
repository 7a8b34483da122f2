package kv_test

import (
	"errors"
	"testing"

	"clk/modules/kv"
	kmodule "clk/sdk/module"
)

func put(s *kv.Store, key, val string) {
	s.Handle(kmodule.Request{Type: kv.Put, Data: append(append([]byte{byte(len(key))}, key...), val...), Call: true})
}

func get(s *kv.Store, key string) []byte {
	return s.Handle(kmodule.Request{Type: kv.Get, Data: []byte(key), Call: true})
}

func TestVersionTwoImportsVersionOnesStateAtRevisionOne(t *testing.T) {
	old := kv.New(1)
	put(old, "a", "1")
	put(old, "b", "22")
	state, err := old.Export()
	if err != nil {
		t.Fatal(err)
	}
	s := kv.New(2)
	if err := s.Import(state, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if got := get(s, "b"); string(got) != "\x0022" {
		t.Fatalf("b: %q", got)
	}
	put(s, "a", "3")
	rev := s.Handle(kmodule.Request{Type: kv.Rev, Data: []byte("a"), Call: true})
	if len(rev) != 9 || rev[1] != 2 {
		t.Fatalf("revision of a after one more write: %v", rev)
	}
	// And its own shape, revisions included, round trips.
	state2, _ := s.Export()
	again := kv.New(2)
	if err := again.Import(state2, "2.0.0"); err != nil {
		t.Fatal(err)
	}
	if rev2 := again.Handle(kmodule.Request{Type: kv.Rev, Data: []byte("a"), Call: true}); string(rev2) != string(rev) {
		t.Fatalf("revision after a round trip: %v, want %v", rev2, rev)
	}
}

func TestStatesThatCannotBeReadAreRefused(t *testing.T) {
	v2 := kv.New(2)
	put(v2, "a", "1")
	state, _ := v2.Export()
	if err := kv.New(1).Import(state, "2.0.0"); !errors.Is(err, kv.ErrState) {
		t.Fatalf("version 1 importing version 2's state: %v", err)
	}
	for i := range len(state) {
		if err := kv.New(2).Import(state[:i], "2.0.0"); !errors.Is(err, kv.ErrState) {
			t.Fatalf("state cut at %d: %v", i, err)
		}
	}
	if err := kv.New(2).Import(append(state, 0), "2.0.0"); !errors.Is(err, kv.ErrState) {
		t.Fatalf("a byte after the state: %v", err)
	}
	if err := kv.New(2).Import(state, "1.0.0"); !errors.Is(err, kv.ErrState) {
		t.Fatalf("version 2's state said to be version 1's: %v", err)
	}
}
