package actor

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	sender := spawn(t, "sender", func(c *Context) error {
		for i := range n {
			if err := c.Send(r, i); err != nil {
				return fmt.Errorf("Send %d: %w", i, err)
			}
			sent <- i
		}
		return nil
	})
	// The sender fills the mailbox, then blocks in its third Send: wait
	// for that state rather than for a time.
	deadline := time.Now().Add(long)
	for {
		in, _ := Stat(sender)
		if in.State == Sending {
			break
		}
		if in.State == Exited || time.Now().After(deadline) {
			t.Fatalf("the sender never blocked on a full mailbox of 2: state %v, %d sends returned, exit reason %v", in.State, len(sent), in.Reason)
		}
		time.Sleep(time.Millisecond)
	}
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
	if err := wait(t, sender); err != nil {
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

func TestSpawnRefusesBadArguments(t *testing.T) {
	if _, err := Spawn("nil", nil); err == nil {
		t.Error("Spawn with a nil Func succeeded")
	}
	if _, err := Spawn("tiny", func(*Context) error { return nil }, WithMailbox(0)); err == nil {
		t.Error("Spawn with a mailbox of 0 succeeded")
	}
}

// Close is idempotent: the collector ends as soon as its input is closed,
// possibly before the second Close, and every Close after the first still
// succeeds. Only an actor that ended with its input open refuses Close.
func TestCloseTwiceAndAfterExit(t *testing.T) {
	r, _ := collector(t, 1)
	if err := Close(r); err != nil {
		t.Fatal(err)
	}
	if err := Close(r); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := wait(t, r); !errors.Is(err, ErrClosed) {
		t.Fatalf("exit reason %v, want ErrClosed", err)
	}
	if err := Close(r); err != nil {
		t.Fatalf("Close after the actor ended on its closed input: %v", err)
	}

	quick := spawn(t, "quick", func(c *Context) error { return nil })
	wait(t, quick)
	err := Close(quick)
	var ee *ExitError
	if !errors.Is(err, ErrExited) || !errors.As(err, &ee) || ee.Ref != quick {
		t.Fatalf("Close of an actor that exited with its input open: %v, want its ExitError", err)
	}
}

// Many senders through a small mailbox: every message arrives exactly
// once, and each sender's messages arrive in the order it sent them.
func TestConcurrentSendersLoseNothingAndKeepTheirOrder(t *testing.T) {
	const senders, each = 4, 200
	type msg struct{ From, Seq int }
	result := make(chan error, 1)
	r := spawn(t, "sink", func(c *Context) error {
		next := make([]int, senders)
		for range senders * each {
			m, err := c.Recv()
			if err != nil {
				result <- err
				return err
			}
			v := m.(msg)
			if v.Seq != next[v.From] {
				result <- fmt.Errorf("sender %d: got message %d, want %d", v.From, v.Seq, next[v.From])
				return nil
			}
			next[v.From]++
		}
		result <- nil
		return nil
	}, WithMailbox(3))
	for s := range senders {
		go func() {
			for i := range each {
				if err := Send(r, msg{s, i}); err != nil {
					t.Errorf("sender %d: %v", s, err)
					return
				}
			}
		}()
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	wait(t, r)
}
