package actor

import (
	"errors"
	"strings"
	"testing"
)

func TestPanicReachesMonitorWithStack(t *testing.T) {
	downs := make(chan Down, 1)
	watcher := spawn(t, "watcher", func(c *Context) error {
		m, err := c.Recv()
		if err != nil {
			return err
		}
		downs <- m.(Down)
		return nil
	})
	r := spawn(t, "crasher", func(c *Context) error {
		var m map[string]int
		m["x"] = 1 // assignment to a nil map
		return nil
	}, WithMonitor(watcher))
	d := <-downs
	if d.Ref != r {
		t.Fatalf("Down for %v, want %v", d.Ref, r)
	}
	var p *PanicError
	if !errors.As(d.Reason, &p) || !strings.Contains(p.Error(), "nil map") {
		t.Fatalf("Down reason %v, want a panic about a nil map", d.Reason)
	}
	if !strings.Contains(d.Stack, "actor.TestPanicReachesMonitorWithStack") {
		t.Fatalf("Down stack does not show the panicking function:\n%s", d.Stack)
	}
	if IsNormal(d.Reason) {
		t.Fatal("a panic counts as a normal exit")
	}
}

func TestMonitorOfExitedActorGetsDownAtOnce(t *testing.T) {
	gone := spawn(t, "gone", func(c *Context) error { return errors.New("bye") })
	wait(t, gone)
	got := make(chan Down, 1)
	r := spawn(t, "late", func(c *Context) error {
		c.Monitor(gone)
		m, err := c.Recv()
		if err != nil {
			return err
		}
		got <- m.(Down)
		return nil
	})
	if d := <-got; d.Ref != gone || d.Reason == nil || d.Reason.Error() != "bye" {
		t.Fatalf("Down %+v", d)
	}
	wait(t, r)
}

// A Down is queued before Wait returns (see actor.exit), so once the
// target has ended, the watcher's next message is the one it sends itself
// after that: a Down for the removed monitor would come first.
func TestDemonitorStopsDown(t *testing.T) {
	quit := make(chan struct{})
	target := spawn(t, "target", func(c *Context) error { <-quit; return errors.New("x") })
	got := make(chan any, 1)
	w := spawn(t, "watcher", func(c *Context) error {
		id := c.Monitor(target)
		c.Demonitor(target, id)
		close(quit)
		Wait(target)
		if err := c.Send(c.Self(), "after"); err != nil {
			return err
		}
		m, err := c.Recv()
		if err != nil {
			return err
		}
		got <- m
		return nil
	})
	if err := wait(t, w); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m != "after" {
		t.Fatalf("received %v after Demonitor, want only the watcher's own message", m)
	}
}

func TestAbnormalExitKillsLinkedActor(t *testing.T) {
	fail := make(chan struct{})
	a := spawn(t, "a", func(c *Context) error { <-fail; return errors.New("broken") })
	b := spawn(t, "b", func(c *Context) error {
		_, err := c.Recv()
		return err
	}, WithLink(a))
	close(fail)
	err := wait(t, b)
	var k *Killed
	if !errors.As(err, &k) || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("linked actor's exit reason %v, want killed naming broken", err)
	}
}

// recvOne is an actor body that returns after one message; a kill while
// it waits, or before it takes the message, makes its exit reason a
// *Killed instead.
func recvOne(c *Context) error {
	_, err := c.Recv()
	return err
}

// Links are acted on before Wait returns (see actor.exit), so a kill from
// a's exit, had there been one, has reached b by the time b gets the
// message sent after Wait: b's exit reason tells.
func TestNormalExitDoesNotKillLinkedActor(t *testing.T) {
	quit := make(chan struct{})
	a := spawn(t, "a", func(c *Context) error { <-quit; return nil })
	b := spawn(t, "b", recvOne, WithLink(a))
	close(quit)
	wait(t, a)
	if err := Send(b, "after"); err != nil {
		t.Fatalf("Send to the linked actor after a normal exit: %v", err)
	}
	if err := wait(t, b); err != nil {
		t.Fatalf("linked actor's exit reason %v, want nil", err)
	}
}

func TestTrapExitTurnsLinkedExitIntoMessage(t *testing.T) {
	fail := make(chan struct{})
	a := spawn(t, "a", func(c *Context) error { <-fail; panic("boom") })
	got := make(chan Exit, 1)
	b := spawn(t, "b", func(c *Context) error {
		m, err := c.Recv()
		if err != nil {
			return err
		}
		got <- m.(Exit)
		return nil
	}, WithLink(a), WithTrapExit())
	close(fail)
	if e := <-got; e.From != a || e.Reason == nil {
		t.Fatalf("Exit %+v", e)
	}
	if err := wait(t, b); err != nil {
		t.Fatal(err)
	}
}

func TestLinkFromContextPropagatesAbnormalExit(t *testing.T) {
	fail := make(chan struct{})
	a := spawn(t, "a", func(c *Context) error { <-fail; panic("down") })
	linked := make(chan struct{})
	b := spawn(t, "b", func(c *Context) error {
		if err := c.Link(a); err != nil {
			return err
		}
		close(linked)
		_, err := c.Recv()
		return err
	})
	<-linked
	close(fail)
	var k *Killed
	if err := wait(t, b); !errors.As(err, &k) || !strings.Contains(err.Error(), "panic: down") {
		t.Fatalf("exit reason %v", err)
	}
}

func TestUnlinkStopsPropagation(t *testing.T) {
	fail := make(chan struct{})
	a := spawn(t, "a", func(c *Context) error { <-fail; return errors.New("x") })
	unlinked := make(chan struct{})
	b := spawn(t, "b", func(c *Context) error {
		c.Unlink(a)
		close(unlinked)
		return recvOne(c)
	}, WithLink(a))
	<-unlinked
	close(fail)
	wait(t, a)
	if err := Send(b, "after"); err != nil {
		t.Fatalf("Send to the unlinked actor after an abnormal exit: %v", err)
	}
	if err := wait(t, b); err != nil {
		t.Fatalf("exit reason %v, want nil", err)
	}
}

func TestDownArrivesThroughFullMailbox(t *testing.T) {
	release := make(chan struct{})
	got := make(chan []any, 1)
	w := spawn(t, "watcher", func(c *Context) error {
		<-release
		var ms []any
		for range 2 {
			m, err := c.Recv()
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		got <- ms
		return nil
	}, WithMailbox(1))
	if err := Send(w, "filler"); err != nil {
		t.Fatal(err)
	}
	target := spawn(t, "target", func(c *Context) error { return errors.New("gone") }, WithMonitor(w))
	wait(t, target)
	if err := TrySend(w, "more"); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("TrySend: %v, want ErrMailboxFull", err)
	}
	close(release)
	ms := <-got
	if d, ok := ms[1].(Down); ms[0] != "filler" || !ok || d.Ref != target {
		t.Fatalf("watcher received %v, want the filler then the Down", ms)
	}
}
