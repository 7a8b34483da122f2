package actor

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

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

func TestGoexitIsAnAbnormalExit(t *testing.T) {
	r := spawn(t, "goexit", func(c *Context) error { runtime.Goexit(); return nil })
	if err := wait(t, r); err == nil || IsNormal(err) {
		t.Fatalf("exit reason %v", err)
	}
}
