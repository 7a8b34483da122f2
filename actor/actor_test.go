package actor

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// long bounds waits that succeed unless the runtime is broken; it is
// generous because bare-metal tests run under an emulator.
const long = 30 * time.Second

func spawn(t *testing.T, name string, fn Func, opts ...Option) Ref {
	t.Helper()
	r, err := Spawn(name, fn, opts...)
	if err != nil {
		t.Fatalf("Spawn(%q): %v", name, err)
	}
	return r
}

func wait(t *testing.T, r Ref) error {
	t.Helper()
	err := WaitTimeout(r, long)
	if errors.Is(err, ErrTimeout) && strings.HasPrefix(err.Error(), "wait for") {
		t.Fatalf("%v did not exit", r)
	}
	return err
}

// collector spawns an actor that receives n messages and hands them over.
func collector(t *testing.T, n int, opts ...Option) (Ref, <-chan []any) {
	out := make(chan []any, 1)
	r := spawn(t, "collector", func(c *Context) error {
		var got []any
		for len(got) < n {
			m, err := c.Recv()
			if err != nil {
				out <- got
				return err
			}
			got = append(got, m)
		}
		out <- got
		return nil
	}, opts...)
	return r, out
}

func TestMessagesArriveInOrder(t *testing.T) {
	r, out := collector(t, 100)
	for i := range 100 {
		if err := Send(r, i); err != nil {
			t.Fatal(err)
		}
	}
	got := <-out
	for i, m := range got {
		if m != i {
			t.Fatalf("message %d is %v", i, m)
		}
	}
	if err := wait(t, r); err != nil {
		t.Fatalf("exit reason %v, want nil", err)
	}
}

func TestBackPressureBlocksAndNeverDrops(t *testing.T) {
	release := make(chan struct{})
	const n = 50
	var got []int
	r := spawn(t, "slow", func(c *Context) error {
		<-release
		for range n {
			m, err := c.Recv()
			if err != nil {
				return err
			}
			got = append(got, m.(int))
		}
		return nil
	}, WithMailbox(2))

	sent := make(chan int, n)
	go func() {
		for i := range n {
			if err := Send(r, i); err != nil {
				t.Errorf("Send %d: %v", i, err)
				return
			}
			sent <- i
		}
	}()
	// The sender fills the mailbox, then blocks.
	deadline := time.Now().Add(long)
	for len(sent) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if k := len(sent); k != 2 {
		t.Fatalf("%d sends returned with a mailbox of 2 and no receiver, want 2", k)
	}
	if err := TrySend(r, -1); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("TrySend to a full mailbox: %v, want ErrMailboxFull", err)
	}
	if info, _ := Stat(r); info.Mailbox != 2 || info.MailboxCap != 2 {
		t.Fatalf("Stat: mailbox %d/%d, want 2/2", info.Mailbox, info.MailboxCap)
	}
	close(release)
	if err := wait(t, r); err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		if m != i {
			t.Fatalf("received %v as message %d: a message was dropped or reordered", m, i)
		}
	}
	if len(got) != n {
		t.Fatalf("received %d messages, want %d", len(got), n)
	}
}

type order struct {
	Items []string
	Qty   map[string]int
	Note  *string
	Any   any
	next  *order
}

func TestMessageMutatedAfterSendIsUnchangedAtReceiver(t *testing.T) {
	r, out := collector(t, 1)
	note := "fragile"
	inner := []int{1, 2, 3}
	msg := &order{Items: []string{"a", "b"}, Qty: map[string]int{"a": 1}, Note: &note, Any: inner}
	msg.next = msg
	if err := Send(r, msg); err != nil {
		t.Fatal(err)
	}
	msg.Items[0] = "changed"
	msg.Qty["a"] = 99
	note = "changed"
	inner[0] = 99
	msg.next = nil
	got := (<-out)[0].(*order)
	if got == msg {
		t.Fatal("receiver got the sender's pointer")
	}
	if got.Items[0] != "a" || got.Qty["a"] != 1 || *got.Note != "fragile" || got.Any.([]int)[0] != 1 {
		t.Fatalf("receiver sees the sender's later changes: %+v", got)
	}
	if got.next != got {
		t.Fatal("the cycle through an unexported field was not kept in the copy")
	}
}

func TestUncopyableMessageIsRefusedAtSend(t *testing.T) {
	r, _ := collector(t, 1)
	defer Kill(r, nil)
	type job struct {
		Name string
		Done chan bool
	}
	for _, msg := range []any{
		func() {},
		make(chan int),
		job{Name: "x", Done: make(chan bool)},
		[]any{1, func() {}},
		map[string]any{"k": uintptr(1)},
	} {
		err := Send(r, msg)
		if !errors.Is(err, ErrNotCopyable) {
			t.Errorf("Send(%T): %v, want ErrNotCopyable", msg, err)
		}
	}
	var ce *CopyError
	if err := Send(r, job{}); !errors.As(err, &ce) || ce.Path != ".Done" || ce.Kind != "chan" {
		t.Errorf("Send(job{}): %v, want a CopyError at .Done", err)
	}
	if info, _ := Stat(r); info.In != 0 {
		t.Errorf("a refused message reached the mailbox: In = %d", info.In)
	}
}

func TestRefsAndErrorsTravelInMessages(t *testing.T) {
	r, out := collector(t, 1)
	sentinel := fmt.Errorf("wrapped: %w", ErrClosed)
	type msg struct {
		To  Ref
		Err error
		At  time.Time
	}
	at := time.Now()
	if err := Send(r, msg{To: r, Err: sentinel, At: at}); err != nil {
		t.Fatal(err)
	}
	got := (<-out)[0].(msg)
	if got.To != r || !errors.Is(got.Err, ErrClosed) || !got.At.Equal(at) {
		t.Fatalf("got %+v", got)
	}
}

func TestCloseDrainsThenEnds(t *testing.T) {
	r, out := collector(t, 10)
	for i := range 3 {
		if err := Send(r, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := Close(r); err != nil {
		t.Fatal(err)
	}
	if err := Send(r, 3); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
	if got := <-out; len(got) != 3 {
		t.Fatalf("received %v before the end, want 3 messages", got)
	}
	if err := wait(t, r); !errors.Is(err, ErrClosed) || !IsNormal(err) {
		t.Fatalf("exit reason %v, want a normal ErrClosed", err)
	}
}

func TestSendToExitedActorFails(t *testing.T) {
	r := spawn(t, "quick", func(c *Context) error { return nil })
	wait(t, r)
	err := Send(r, 1)
	var ee *ExitError
	if !errors.Is(err, ErrExited) || !errors.As(err, &ee) || ee.Ref != r {
		t.Fatalf("Send to an exited actor: %v, want an ExitError", err)
	}
	if err := Send(Ref{}, 1); !errors.Is(err, ErrNoActor) {
		t.Fatalf("Send to the zero Ref: %v", err)
	}
}

func TestSendTimeoutAndContextEndAWaitForRoom(t *testing.T) {
	r := spawn(t, "stuck", func(c *Context) error { <-c.Done(); return nil }, WithMailbox(1))
	defer Stop(r)
	if err := Send(r, 0); err != nil {
		t.Fatal(err)
	}
	if err := SendTimeout(r, 1, 10*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("SendTimeout: %v, want ErrTimeout", err)
	}
	// An actor's own Context ends its wait when the actor is stopped.
	errc := make(chan error, 1)
	sender := spawn(t, "sender", func(c *Context) error {
		err := SendContext(c, r, 2)
		errc <- err
		return err
	})
	time.Sleep(10 * time.Millisecond)
	Stop(sender)
	if err := <-errc; !errors.Is(err, ErrShutdown) {
		t.Fatalf("SendContext from a stopped actor: %v, want ErrShutdown", err)
	}
}

func TestRecvTimeout(t *testing.T) {
	errc := make(chan error, 1)
	r := spawn(t, "idle", func(c *Context) error {
		_, err := c.RecvTimeout(5 * time.Millisecond)
		errc <- err
		return nil
	})
	if err := <-errc; !errors.Is(err, ErrTimeout) {
		t.Fatalf("RecvTimeout on an empty mailbox: %v", err)
	}
	wait(t, r)
}

func TestKillOfBlockedActorUnwindsIt(t *testing.T) {
	var deferred atomic.Bool
	r := spawn(t, "blocked", func(c *Context) error {
		defer deferred.Store(true)
		_, err := c.Recv()
		return err
	})
	for State(r.a.state.Load()) != Receiving {
		time.Sleep(time.Millisecond)
	}
	cause := errors.New("operator")
	if err := Kill(r, cause); err != nil {
		t.Fatal(err)
	}
	err := wait(t, r)
	var k *Killed
	if !errors.As(err, &k) || !errors.Is(err, cause) || err.Error() != "killed: operator" {
		t.Fatalf("exit reason %v, want killed: operator", err)
	}
	if !deferred.Load() {
		t.Fatal("the killed actor's deferred call did not run")
	}
	if err := Kill(r, cause); !errors.Is(err, ErrExited) {
		t.Fatalf("Kill of an exited actor: %v", err)
	}
}

func TestKillOfActorBlockedInSend(t *testing.T) {
	full := spawn(t, "full", func(c *Context) error { <-c.Done(); return nil }, WithMailbox(1))
	defer Stop(full)
	Send(full, 0)
	r := spawn(t, "sender", func(c *Context) error {
		for {
			if err := c.Send(full, 1); err != nil {
				return err
			}
		}
	})
	for State(r.a.state.Load()) != Sending {
		time.Sleep(time.Millisecond)
	}
	Kill(r, nil)
	var k *Killed
	if err := wait(t, r); !errors.As(err, &k) {
		t.Fatalf("exit reason %v, want *Killed", err)
	}
}

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

func TestNormalExitDoesNotKillLinkedActor(t *testing.T) {
	quit := make(chan struct{})
	a := spawn(t, "a", func(c *Context) error { <-quit; return nil })
	b := spawn(t, "b", func(c *Context) error {
		_, err := c.RecvTimeout(50 * time.Millisecond)
		return err
	}, WithLink(a))
	close(quit)
	if err := wait(t, b); !errors.Is(err, ErrTimeout) {
		t.Fatalf("linked actor's exit reason %v, want its own timeout", err)
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

func TestCallReplies(t *testing.T) {
	r := spawn(t, "echo", func(c *Context) error {
		for {
			m, err := c.Recv()
			if err != nil {
				return err
			}
			req := m.(*Request)
			switch v := req.Msg.(type) {
			case string:
				c.Reply(req, strings.ToUpper(v))
			case int:
				c.Reply(req, fmt.Errorf("no ints: %d", v))
			}
		}
	})
	defer Stop(r)
	v, err := Call(r, "hi", long)
	if err != nil || v != "HI" {
		t.Fatalf("Call: %v, %v", v, err)
	}
	if _, err := Call(r, 7, long); err == nil || err.Error() != "no ints: 7" {
		t.Fatalf("Call with an error reply: %v", err)
	}
}

func TestCallTimesOut(t *testing.T) {
	reqs := make(chan *Request, 1)
	r := spawn(t, "mute", func(c *Context) error {
		m, err := c.Recv()
		if err != nil {
			return err
		}
		reqs <- m.(*Request)
		<-c.Done()
		return nil
	})
	defer Stop(r)
	start := time.Now()
	if _, err := Call(r, "anyone?", 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Call to a silent actor: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("Call gave up after %v, before its timeout", d)
	}
	req := <-reqs
	ctx := &r.a.ctx
	if err := ctx.Reply(req, "late"); !errors.Is(err, ErrNoCaller) {
		t.Fatalf("late Reply: %v, want ErrNoCaller", err)
	}
}

func TestCallToActorThatExitsFails(t *testing.T) {
	r := spawn(t, "dies", func(c *Context) error {
		c.Recv()
		return errors.New("gave up")
	})
	_, err := Call(r, "x", long)
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "gave up") {
		t.Fatalf("Call to an actor that exits: %v", err)
	}
}

func TestStopEndsRecvWithShutdown(t *testing.T) {
	r := spawn(t, "server", func(c *Context) error {
		for {
			if _, err := c.Recv(); err != nil {
				return err
			}
		}
	})
	Stop(r)
	if err := wait(t, r); !errors.Is(err, ErrShutdown) || !IsNormal(err) {
		t.Fatalf("exit reason %v, want ErrShutdown", err)
	}
}

func TestShutdownKillsActorThatIgnoresStop(t *testing.T) {
	r := spawn(t, "stubborn", func(c *Context) error {
		for {
			time.Sleep(time.Millisecond)
			c.TryRecv()
		}
	})
	err := Shutdown(r, 10*time.Millisecond)
	var k *Killed
	if !errors.As(err, &k) {
		t.Fatalf("Shutdown: %v, want a *Killed reason", err)
	}
}

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
