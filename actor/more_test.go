package actor

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSendFromStoppedActorFails(t *testing.T) {
	sink, _ := collector(t, 1)
	defer Kill(sink, nil)
	errc := make(chan error, 1)
	r := spawn(t, "sender", func(c *Context) error {
		<-c.Done()
		errc <- c.Send(sink, "late")
		return nil
	})
	Stop(r)
	if err := <-errc; !errors.Is(err, ErrShutdown) {
		t.Fatalf("Send from a stopped actor: %v, want ErrShutdown", err)
	}
	wait(t, r)
}

func TestSendContextCanceledFromOutside(t *testing.T) {
	r := spawn(t, "full", func(c *Context) error { <-c.Done(); return nil }, WithMailbox(1))
	defer Stop(r)
	Send(r, 0)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- SendContext(ctx, r, 1) }()
	time.Sleep(5 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("SendContext after cancel: %v", err)
	}
	if in, _ := Stat(r); in.Mailbox != 1 {
		t.Fatalf("mailbox holds %d messages, want 1: the canceled send was queued", in.Mailbox)
	}
}

func TestDemonitorStopsDown(t *testing.T) {
	quit := make(chan struct{})
	target := spawn(t, "target", func(c *Context) error { <-quit; return errors.New("x") })
	got := make(chan any, 1)
	w := spawn(t, "watcher", func(c *Context) error {
		id := c.Monitor(target)
		c.Demonitor(target, id)
		close(quit)
		Wait(target)
		m, err := c.RecvTimeout(20 * time.Millisecond)
		if err == nil {
			got <- m
		}
		return nil
	})
	wait(t, w)
	select {
	case m := <-got:
		t.Fatalf("received %v after Demonitor", m)
	default:
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
		_, err := c.RecvTimeout(30 * time.Millisecond)
		return err
	}, WithLink(a))
	<-unlinked
	close(fail)
	if err := wait(t, b); !errors.Is(err, ErrTimeout) {
		t.Fatalf("exit reason %v, want its own timeout", err)
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

func TestCallToSelfFails(t *testing.T) {
	errc := make(chan error, 1)
	r := spawn(t, "narcissus", func(c *Context) error {
		_, err := c.Call(c.Self(), "hi", long)
		errc <- err
		return nil
	})
	if err := <-errc; err == nil {
		t.Fatal("an actor called itself")
	}
	wait(t, r)
}

func TestGoexitIsAnAbnormalExit(t *testing.T) {
	r := spawn(t, "goexit", func(c *Context) error { runtime.Goexit(); return nil })
	if err := wait(t, r); err == nil || IsNormal(err) {
		t.Fatalf("exit reason %v", err)
	}
}

func TestSpawnRefusesBadArguments(t *testing.T) {
	if _, err := Spawn("nil", nil); err == nil {
		t.Error("Spawn with a nil Func succeeded")
	}
	if _, err := Spawn("tiny", func(*Context) error { return nil }, WithMailbox(0)); err == nil {
		t.Error("Spawn with a mailbox of 0 succeeded")
	}
}

func TestCloseTwiceAndAfterExit(t *testing.T) {
	r, _ := collector(t, 1)
	if err := Close(r); err != nil {
		t.Fatal(err)
	}
	if err := Close(r); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	wait(t, r)
	if err := Close(r); !errors.Is(err, ErrExited) {
		t.Fatalf("Close after exit: %v", err)
	}
}

func TestCopyKeepsSharingWithinAMessage(t *testing.T) {
	type pair struct{ A, B *int }
	n := 1
	v, err := copyMessage(pair{&n, &n})
	if err != nil {
		t.Fatal(err)
	}
	p := v.(pair)
	if p.A != p.B || p.A == &n {
		t.Fatalf("two pointers to one int: copied to %p and %p (original %p)", p.A, p.B, &n)
	}
}

func TestCopyOfPlainValues(t *testing.T) {
	type point struct{ x, y int }
	for _, m := range []any{nil, 1, "s", point{1, 2}, [2]string{"a", "b"}, time.Second} {
		got, err := copyMessage(m)
		if err != nil || got != m {
			t.Errorf("copyMessage(%v) = %v, %v", m, got, err)
		}
	}
	arr := [2]*int{new(int), nil}
	got, err := copyMessage(arr)
	if err != nil || got.([2]*int)[0] == arr[0] || got.([2]*int)[1] != nil {
		t.Fatalf("copyMessage(array of pointers) = %v, %v", got, err)
	}
	m := map[string][]byte{"k": []byte("v")}
	got, err = copyMessage(m)
	m["k"][0] = 'x'
	if err != nil || string(got.(map[string][]byte)["k"]) != "v" {
		t.Fatalf("copyMessage(map of slices) = %v, %v", got, err)
	}
	if _, err := copyMessage(&Request{}); !errors.Is(err, ErrNotCopyable) {
		t.Fatalf("copyMessage(*Request): %v", err)
	}
}

func TestChildrenOfNonSupervisorFails(t *testing.T) {
	r := spawn(t, "echo", func(c *Context) error {
		m, err := c.Recv()
		if err != nil {
			return err
		}
		return c.Reply(m.(*Request), "not children")
	})
	if _, err := Children(r, long); err == nil {
		t.Fatal("Children of a plain actor succeeded")
	}
	wait(t, r)
}
