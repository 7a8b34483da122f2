package actor

import (
	"errors"
	"testing"
	"time"
)

func TestListShowsActors(t *testing.T) {
	parent := spawn(t, "parent", func(c *Context) error { <-c.Done(); return nil })
	defer Stop(parent)
	r := spawn(t, "lister", func(c *Context) error {
		_, err := c.Recv()
		return err
	}, WithParent(parent), WithMailbox(7))
	for State(r.a.state.Load()) != Receiving {
		time.Sleep(time.Millisecond)
	}
	var found bool
	for _, in := range List() {
		if in.Ref != r {
			continue
		}
		found = true
		if in.Name != "lister" || in.ID != r.ID() || in.Parent != parent.ID() ||
			in.State != Receiving || in.MailboxCap != 7 {
			t.Fatalf("List entry %+v", in)
		}
	}
	if !found {
		t.Fatal("List misses a live actor")
	}
	Close(r)
	wait(t, r)
	if in, _ := Stat(r); in.State != Exited || !errors.Is(in.Reason, ErrClosed) {
		t.Fatalf("Stat of an exited actor: %+v", in)
	}
	if got, ok := Lookup(r.ID()); !ok || got != r {
		t.Fatal("Lookup misses a recently exited actor")
	}
}

func TestBusyTimeExcludesWaits(t *testing.T) {
	r := spawn(t, "idle", func(c *Context) error {
		_, err := c.Recv()
		return err
	})
	for State(r.a.state.Load()) != Receiving {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	in, _ := Stat(r)
	if elapsed := time.Since(in.Started); in.Busy > elapsed-30*time.Millisecond {
		t.Fatalf("busy %v of %v, though blocked in Recv for 30ms", in.Busy, elapsed)
	}
	Close(r)
	wait(t, r)

	stop := make(chan struct{})
	s := spawn(t, "sleeper", func(c *Context) error { <-stop; return nil })
	time.Sleep(30 * time.Millisecond)
	in, _ = Stat(s)
	if in.Busy < 30*time.Millisecond {
		t.Fatalf("busy %v after 30ms blocked outside the package, which busy time counts", in.Busy)
	}
	close(stop)
	wait(t, s)
}

func TestMessageCounts(t *testing.T) {
	sink, out := collector(t, 3)
	r := spawn(t, "src", func(c *Context) error {
		for i := range 3 {
			if err := c.Send(sink, i); err != nil {
				return err
			}
		}
		return nil
	})
	wait(t, r)
	<-out
	wait(t, sink)
	src, _ := Stat(r)
	dst, _ := Stat(sink)
	if src.Out != 3 || dst.In != 3 {
		t.Fatalf("out %d, in %d, want 3 and 3", src.Out, dst.In)
	}
}
