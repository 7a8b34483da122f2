package limit

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"clk/abi"
)

func TestAChargeOverTheLimitIsRefusedAndCountsNothing(t *testing.T) {
	a := New("process 1 (t)", Limits{Threads: 3}, nil)
	for i := 0; i < 3; i++ {
		if err := a.Charge(Threads, 1); err != nil {
			t.Fatalf("thread %d: %v", i, err)
		}
	}
	err := a.Charge(Threads, 1)
	var le *Error
	if !errors.As(err, &le) || !errors.Is(err, abi.ELIMIT) || le.Resource != Threads || le.Limit != 3 {
		t.Fatalf("fourth thread: %v, want an ELIMIT on threads at 3", err)
	}
	if got := a.Used(Threads); got != 3 {
		t.Fatalf("used %d after the refusal, want 3", got)
	}
	a.Uncharge(Threads, 1)
	if err := a.Charge(Threads, 1); err != nil {
		t.Fatalf("after giving one back: %v", err)
	}
}

func TestAChildCountsAgainstEveryAncestor(t *testing.T) {
	root := New("root", Limits{Memory: 100}, nil)
	parent := New("parent", Limits{Memory: 80}, root)
	child := New("child", Limits{Memory: 1000}, parent)
	if got := child.Limits().Memory; got != 80 {
		t.Fatalf("child's memory limit %d, want its parent's 80", got)
	}
	other := New("other", Limits{}, root)
	if err := other.Charge(Memory, 30); err != nil {
		t.Fatal(err)
	}
	if err := child.Charge(Memory, 60); err != nil {
		t.Fatal(err)
	}
	// The child is within its own and its parent's limit, but the root
	// has only 10 left.
	err := child.Charge(Memory, 15)
	var le *Error
	if !errors.As(err, &le) || le.Account != "root" {
		t.Fatalf("charge past the root's limit: %v", err)
	}
	for _, x := range []struct {
		name string
		a    *Account
		want int64
	}{{"child", child, 60}, {"parent", parent, 60}, {"root", root, 90}, {"other", other, 30}} {
		if got := x.a.Used(Memory); got != x.want {
			t.Errorf("%s uses %d after the refusal, want %d", x.name, got, x.want)
		}
	}
	child.Uncharge(Memory, 60)
	if root.Used(Memory) != 30 || parent.Used(Memory) != 0 {
		t.Errorf("after uncharge: root %d, parent %d", root.Used(Memory), parent.Used(Memory))
	}
	if child.PeakMemory() != 60 {
		t.Errorf("child's peak %d, want 60", child.PeakMemory())
	}
}

func TestLimitsWithinNeverExceedTheOuter(t *testing.T) {
	outer := Limits{Memory: 1 << 20, Threads: 8, Handles: 0, Children: 2}
	got := Limits{Memory: 1 << 30, Threads: 4, Handles: 99, Children: 0}.Within(outer)
	want := Limits{Memory: 1 << 20, Threads: 4, Handles: 99, Children: 2}
	if got != want {
		t.Fatalf("Within = %+v, want %+v", got, want)
	}
}

func TestTheKernelReserveRefusesMemoryWithENOMEM(t *testing.T) {
	var free atomic.Uint64
	free.Store(100 << 20)
	SetMachine(512<<20, free.Load, 64<<20)
	defer SetMachine(0, nil, 0)
	a := New("process 2 (hog)", Limits{}, nil)
	if err := a.Charge(Memory, 30<<20); err != nil {
		t.Fatalf("within the free memory above the reserve: %v", err)
	}
	free.Store(70 << 20)
	err := a.Charge(Memory, 8<<20)
	var le *Error
	if !errors.As(err, &le) || !le.Reserve || !errors.Is(err, abi.ENOMEM) {
		t.Fatalf("charge into the reserve: %v, want ENOMEM from the reserve", err)
	}
	if a.Used(Memory) != 30<<20 {
		t.Fatalf("used %d after the refusal", a.Used(Memory))
	}
	if p := Pressure(); p <= 0.9 || p > 1 {
		t.Errorf("pressure %v with 6 MiB above a 64 MiB reserve of 512 MiB", p)
	}
	free.Store(400 << 20)
	if p := Pressure(); p != 0 {
		t.Errorf("pressure %v with most memory free", p)
	}
}

func TestConcurrentChargesNeverAdmitMoreThanTheLimit(t *testing.T) {
	parent := New("parent", Limits{Threads: 500}, nil)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		child := New("child", Limits{}, parent)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if child.Charge(Threads, 1) == nil {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := admitted.Load(); n > 500 || parent.Used(Threads) != n {
		t.Fatalf("admitted %d, parent counts %d, limit 500", n, parent.Used(Threads))
	}
}

func TestGivingBackMoreThanChargedIsABug(t *testing.T) {
	a := New("a", Limits{}, nil)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	a.Uncharge(Memory, 1)
}
