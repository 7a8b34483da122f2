package actor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// journal records what children do, in order.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, fmt.Sprintf(format, args...))
}

func (j *journal) take() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := j.events
	j.events = nil
	return e
}

// worker is a child that logs its start and stop, and fails on "crash"
// (panic) or "fail" (error) and returns nil on "quit".
func worker(j *journal, name string) Func {
	return func(c *Context) error {
		j.add("start %s", name)
		for {
			m, err := c.Recv()
			if err != nil {
				j.add("stop %s", name)
				return err
			}
			switch m {
			case "crash":
				panic(name + " crashed")
			case "fail":
				return errors.New(name + " failed")
			case "quit":
				return nil
			}
		}
	}
}

func specOf(j *journal, strategy Strategy, names ...string) SupervisorSpec {
	spec := SupervisorSpec{Name: "sup", Strategy: strategy, MaxRestarts: 10, Period: time.Minute}
	for _, n := range names {
		spec.Children = append(spec.Children, ChildSpec{Name: n, Start: worker(j, n)})
	}
	return spec
}

func children(t *testing.T, sup Ref) map[string]ChildInfo {
	t.Helper()
	cs, err := Children(sup, long)
	if err != nil {
		t.Fatalf("Children: %v", err)
	}
	m := make(map[string]ChildInfo)
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

// settle waits until the children named have been restarted (their Ref
// differs from before) and are running.
func settle(t *testing.T, sup Ref, before map[string]ChildInfo, restarted ...string) map[string]ChildInfo {
	t.Helper()
	deadline := time.Now().Add(long)
	for time.Now().Before(deadline) {
		now := children(t, sup)
		done := true
		for _, n := range restarted {
			if now[n].Ref.IsZero() || now[n].Ref == before[n].Ref {
				done = false
			}
		}
		if done {
			return now
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("children %v were not restarted", restarted)
	return nil
}

func startSup(t *testing.T, spec SupervisorSpec) Ref {
	t.Helper()
	sup, err := StartSupervisor(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Shutdown(sup, long) })
	return sup
}

func TestChildrenStartInOrderAndStopInReverse(t *testing.T) {
	j := &journal{}
	sup := startSup(t, specOf(j, OneForOne, "a", "b", "c"))
	children(t, sup) // the supervisor answers once all have started
	if err := Shutdown(sup, long); !IsNormal(err) {
		t.Fatalf("Shutdown: %v", err)
	}
	want := []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"}
	if got := j.take(); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestOneForOneRestartsOnlyTheFailedChild(t *testing.T) {
	j := &journal{}
	sup := startSup(t, specOf(j, OneForOne, "a", "b", "c"))
	before := children(t, sup)
	j.take()
	Send(before["b"].Ref, "crash")
	after := settle(t, sup, before, "b")
	if after["a"].Ref != before["a"].Ref || after["c"].Ref != before["c"].Ref {
		t.Fatal("one_for_one restarted a sibling")
	}
	if got, want := j.take(), []string{"start b"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	var p *PanicError
	if !errors.As(after["b"].LastExit, &p) || !strings.Contains(p.Stack, "worker") {
		t.Fatalf("supervisor's record of the crash: %v", after["b"].LastExit)
	}
	if after["b"].Restarts != 1 {
		t.Fatalf("restarts = %d, want 1", after["b"].Restarts)
	}
}

func TestOneForAllRestartsSiblings(t *testing.T) {
	j := &journal{}
	sup := startSup(t, specOf(j, OneForAll, "a", "b", "c"))
	before := children(t, sup)
	j.take()
	Send(before["b"].Ref, "fail")
	settle(t, sup, before, "a", "b", "c")
	want := []string{"stop c", "stop a", "start a", "start b", "start c"}
	if got := j.take(); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestRestForOneRestartsLaterChildren(t *testing.T) {
	j := &journal{}
	sup := startSup(t, specOf(j, RestForOne, "a", "b", "c", "d"))
	before := children(t, sup)
	j.take()
	Send(before["b"].Ref, "crash")
	after := settle(t, sup, before, "b", "c", "d")
	if after["a"].Ref != before["a"].Ref {
		t.Fatal("rest_for_one restarted a child started before the failed one")
	}
	want := []string{"stop d", "stop c", "start b", "start c", "start d"}
	if got := j.take(); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestTransientChildIsRestartedAfterFailure(t *testing.T) {
	j := &journal{}
	spec := specOf(j, OneForOne, "trans")
	spec.Children[0].Restart = Transient
	sup := startSup(t, spec)
	before := children(t, sup)
	Send(before["trans"].Ref, "fail")
	settle(t, sup, before, "trans")
}

func TestRestartTypes(t *testing.T) {
	j := &journal{}
	spec := specOf(j, OneForOne, "perm", "trans", "temp")
	spec.Children[1].Restart = Transient
	spec.Children[2].Restart = Temporary
	sup := startSup(t, spec)
	before := children(t, sup)

	// A transient child that exits normally stays down.
	Send(before["trans"].Ref, "quit")
	Wait(before["trans"].Ref)
	// A temporary child that fails is removed.
	Send(before["temp"].Ref, "fail")
	Wait(before["temp"].Ref)
	// A permanent child that exits normally is restarted.
	Send(before["perm"].Ref, "quit")
	after := settle(t, sup, before, "perm")
	if !after["trans"].Ref.IsZero() {
		t.Fatal("a transient child was restarted after a normal exit")
	}
	if _, ok := after["temp"]; ok {
		t.Fatal("a temporary child is still supervised after it exited")
	}
	if _, err := Call(sup, "bogus", long); err == nil {
		t.Fatal("a supervisor answered an unknown request")
	}
}

func TestIntensityExceededEscalates(t *testing.T) {
	j := &journal{}
	inner := specOf(j, OneForOne, "flaky")
	inner.Name, inner.MaxRestarts, inner.Period = "inner", 2, time.Minute
	outerJ := &journal{}
	outer := SupervisorSpec{Name: "outer", Strategy: OneForOne, MaxRestarts: 0, Period: time.Minute,
		Children: []ChildSpec{
			{Name: "inner", Start: Supervise(inner)},
			{Name: "bystander", Start: worker(outerJ, "bystander")},
		}}
	outer.MaxRestarts = -1 // the outer supervisor gives up at the first failure
	sup := startSup(t, outer)
	in := children(t, sup)["inner"].Ref
	last := children(t, in)
	for i := range 3 {
		if i > 0 {
			last = settle(t, in, last, "flaky")
		}
		Send(last["flaky"].Ref, "crash")
	}
	err := wait(t, sup)
	if !errors.Is(err, ErrIntensity) || !strings.Contains(err.Error(), "outer") {
		t.Fatalf("outer supervisor's exit reason %v, want intensity exceeded", err)
	}
	// The inner supervisor escalated to the outer, which gave up in turn:
	// its reason names the inner supervisor's escalation.
	if !strings.Contains(err.Error(), "inner") {
		t.Fatalf("the escalation does not name the inner supervisor: %v", err)
	}
	if got, want := outerJ.take(), []string{"start bystander", "stop bystander"}; !slices.Equal(got, want) {
		t.Fatalf("bystander events %q, want %q", got, want)
	}
}

func TestSupervisorKilledStopsChildren(t *testing.T) {
	j := &journal{}
	sup := startSup(t, specOf(j, OneForOne, "a", "b"))
	cs := children(t, sup)
	Kill(sup, errors.New("test"))
	wait(t, sup)
	for _, c := range cs {
		if err := WaitTimeout(c.Ref, long); !IsNormal(err) {
			t.Fatalf("child %s exit reason %v", c.Name, err)
		}
	}
	if got, want := j.take(), []string{"start a", "start b", "stop b", "stop a"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestInvalidSupervisorSpecIsRefused(t *testing.T) {
	for _, spec := range []SupervisorSpec{
		{Name: "s", Strategy: 9},
		{Name: "s", Children: []ChildSpec{{Name: "", Start: func(*Context) error { return nil }}}},
		{Name: "s", Children: []ChildSpec{{Name: "x"}}},
		{Name: "s", MaxRestarts: 1},
	} {
		if _, err := StartSupervisor(spec); err == nil {
			t.Errorf("StartSupervisor(%+v) accepted", spec)
		}
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
