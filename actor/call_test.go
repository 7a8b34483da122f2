package actor

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

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
