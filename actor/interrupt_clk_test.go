//go:build clk

package actor

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var spins uint64

// On clk, Kill stops an actor that spins without calls and never looks at
// its Context: the runtime interrupts it where it runs, its deferred calls
// run, and its monitors learn it was killed and where.
func TestKillStopsActorSpinningWithoutCalls(t *testing.T) {
	var deferred atomic.Bool
	running := make(chan struct{})
	r := spawn(t, "spinner", func(c *Context) error {
		defer deferred.Store(true)
		close(running)
		for {
			spins++
		}
	})
	<-running
	time.Sleep(20 * time.Millisecond)
	cause := errors.New("runaway")
	if err := Kill(r, cause); err != nil {
		t.Fatal(err)
	}
	err := WaitTimeout(r, 10*time.Second)
	var k *Killed
	if !errors.As(err, &k) || !errors.Is(err, cause) {
		t.Fatalf("exit reason %v, want killed: runaway", err)
	}
	if !deferred.Load() {
		t.Fatal("the killed actor's deferred call did not run")
	}
	in, _ := Stat(r)
	if in.State != Exited {
		t.Fatalf("state %v after Kill", in.State)
	}
}

// The Down of an interrupted actor carries the stack it spun at.
func TestKilledSpinnerReportsWhereItSpun(t *testing.T) {
	downs := make(chan Down, 1)
	watcher := spawn(t, "watcher", func(c *Context) error {
		m, err := c.Recv()
		if err != nil {
			return err
		}
		downs <- m.(Down)
		return nil
	})
	running := make(chan struct{})
	r := spawn(t, "spinner", func(c *Context) error {
		close(running)
		spinForever()
		return nil
	}, WithMonitor(watcher))
	<-running
	Kill(r, errors.New("hung"))
	select {
	case d := <-downs:
		if d.Reason == nil || d.Reason.Error() != "killed: hung" {
			t.Fatalf("Down reason %v", d.Reason)
		}
		if !strings.Contains(d.Stack, "spinForever") {
			t.Fatalf("Down stack does not show the spinning function:\n%s", d.Stack)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Down within 10s of Kill")
	}
}

//go:noinline
func spinForever() {
	for {
		spins++
	}
}

// An actor killed while blocked, and one killed just as it entered a wait,
// exit once and cleanly; a run of them leaves no interrupt to strike later.
func TestKillsRacingWaitsExitCleanly(t *testing.T) {
	for i := range 50 {
		r := spawn(t, "busy", func(c *Context) error {
			for {
				for j := 0; j < i*1000; j++ {
					spins++
				}
				c.TryRecv()
			}
		})
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		Kill(r, nil)
		var k *Killed
		if err := WaitTimeout(r, 10*time.Second); !errors.As(err, &k) {
			t.Fatalf("round %d: exit reason %v", i, err)
		}
	}
}

// An actor killed before its goroutine first runs never starts, so a
// spinner killed at once does not spin on.
func TestKillRightAfterSpawnStopsSpinner(t *testing.T) {
	for range 20 {
		r := spawn(t, "spinner", func(c *Context) error { spinForever(); return nil })
		Kill(r, errors.New("early"))
		if err := WaitTimeout(r, 10*time.Second); err == nil || !strings.Contains(err.Error(), "killed: early") {
			t.Fatalf("exit reason %v", err)
		}
	}
}

// On clk a supervisor stops even a child that spins and ignores Stop: after
// the child's Shutdown time it is killed, and the supervisor exits.
func TestSupervisorStopsSpinningChild(t *testing.T) {
	sup, err := StartSupervisor(SupervisorSpec{Name: "sup", Children: []ChildSpec{
		{Name: "spinner", Shutdown: 20 * time.Millisecond, Start: func(c *Context) error {
			c.Ready()
			spinForever()
			return nil
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := Children(sup, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := Shutdown(sup, 10*time.Second); !IsNormal(err) {
		t.Fatalf("supervisor's exit reason %v", err)
	}
	var k *Killed
	if err := WaitTimeout(cs[0].Ref, time.Second); !errors.As(err, &k) {
		t.Fatalf("spinning child's exit reason %v, want *Killed", err)
	}
}

// A kill that comes while an actor spins inside Critical strikes only once
// Critical has returned: the spin finishes, whatever it held is released,
// and the actor then unwinds as killed without running the code after it.
func TestKillWaitsForCritical(t *testing.T) {
	var (
		inside   = make(chan struct{})
		release  atomic.Bool
		finished atomic.Bool
	)
	r := spawn(t, "critical", func(c *Context) error {
		c.Critical(func() {
			close(inside)
			for !release.Load() {
				spins++
			}
			finished.Store(true)
		})
		for {
			spins++ // where the kill strikes
		}
	})
	<-inside
	if err := Kill(r, errors.New("stop")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // several ticks: an unmasked kill would have struck
	if in, _ := Stat(r); in.State == Exited {
		t.Fatal("the actor exited while it was inside Critical")
	}
	release.Store(true)
	err := WaitTimeout(r, 10*time.Second)
	var k *Killed
	if !errors.As(err, &k) {
		t.Fatalf("exit reason %v, want killed", err)
	}
	if !finished.Load() {
		t.Error("the kill struck inside Critical")
	}
}
