package limit

import (
	"fmt"
	"sync/atomic"

	"clk/abi"
)

// Resource is one kind of thing an Account counts.
type Resource int

// The resources.
const (
	// Memory is bytes: user frames, page tables, kernel memory of threads
	// and queued message data.
	Memory Resource = iota
	// Threads is the threads alive at once.
	Threads
	// Children is the child processes alive at once.
	Children
	numResources
)

var resourceNames = [numResources]string{"memory", "threads", "children"}

// String returns the resource's name as ps and reports spell it.
func (r Resource) String() string {
	if r >= 0 && r < numResources {
		return resourceNames[r]
	}
	return fmt.Sprintf("resource %d", int(r))
}

// Limits bound one process. A zero field means no limit of the process's
// own: only its ancestors' and the machine's reserve apply. Handles is not
// an Account's resource but the size of the process's handle table, which
// the table enforces itself (cap.ErrNoSpace); zero gives
// abi.DefaultMaxHandles.
type Limits struct {
	Memory   uint64
	Threads  int
	Handles  int
	Children int
}

// Default is what a process gets when its parent sets nothing: room for a
// large Go program, bounded well below what a small machine has, so that a
// runaway program meets its limit before the kernel's reserve.
var Default = Limits{
	Memory:   256 << 20,
	Threads:  abi.MaxThreads,
	Handles:  abi.DefaultMaxHandles,
	Children: 64,
}

func (l Limits) of(r Resource) int64 {
	switch r {
	case Memory:
		return int64(min(l.Memory, 1<<62))
	case Threads:
		return int64(l.Threads)
	case Children:
		return int64(l.Children)
	}
	return 0
}

// Within returns l with every field no larger than the same field of
// outer (a zero field of l takes outer's): the limits a parent may give a
// child.
func (l Limits) Within(outer Limits) Limits {
	clamp := func(v, o int64) int64 {
		if o == 0 {
			return v
		}
		if v == 0 || v > o {
			return o
		}
		return v
	}
	return Limits{
		Memory:   uint64(clamp(l.of(Memory), outer.of(Memory))),
		Threads:  int(clamp(l.of(Threads), outer.of(Threads))),
		Handles:  int(clamp(int64(l.Handles), int64(outer.Handles))),
		Children: int(clamp(l.of(Children), outer.of(Children))),
	}
}

// Error is a refused charge: which account's limit, on what, and the
// numbers. It wraps abi.ELIMIT, or abi.ENOMEM when the machine's reserve
// refused it.
type Error struct {
	Account  string
	Resource Resource
	Limit    int64
	Used     int64
	Want     int64
	// Reserve is set when the machine's reserve refused the charge rather
	// than the account's limit.
	Reserve bool
}

func (e *Error) Error() string {
	if e.Reserve {
		return fmt.Sprintf("%s: %d bytes more would leave less than the kernel's reserve of %d bytes free", e.Account, e.Want, e.Limit)
	}
	return fmt.Sprintf("%s: %s limit %d reached (%d in use, %d more asked)", e.Account, e.Resource, e.Limit, e.Used, e.Want)
}

// Unwrap returns the status the refusal is reported as.
func (e *Error) Unwrap() error {
	if e.Reserve {
		return abi.ENOMEM
	}
	return abi.ELIMIT
}

// Account counts one process's usage against its limits and those of its
// ancestors. The zero Account is not usable; use New.
type Account struct {
	name   string
	limits Limits
	parent *Account
	used   [numResources]atomic.Int64
	peak   atomic.Int64 // most memory in use at once
}

// New returns an account named name (for errors: "process 7 (hello)")
// with limits l, nested in parent (nil for a root). l is clamped to the
// parent's limits.
func New(name string, l Limits, parent *Account) *Account {
	if parent != nil {
		l = l.Within(parent.limits)
	}
	return &Account{name: name, limits: l, parent: parent}
}

// Limits returns the account's limits.
func (a *Account) Limits() Limits { return a.limits }

// Used returns what the account has in use of r, its descendants'
// charges included.
func (a *Account) Used(r Resource) int64 { return a.used[r].Load() }

// PeakMemory returns the most memory the account had in use at once.
func (a *Account) PeakMemory() int64 { return a.peak.Load() }

// Charge counts n more of r against a and every ancestor, or fails with an
// *Error, having counted nothing, when that would exceed a limit or, for
// memory, dip into the machine's reserve. A nil account charges nothing.
func (a *Account) Charge(r Resource, n int64) error {
	if a == nil || n <= 0 {
		return nil
	}
	if r == Memory {
		if err := machine.check(a.name, n); err != nil {
			return err
		}
	}
	for x := a; x != nil; x = x.parent {
		used := x.used[r].Add(n)
		if lim := x.limits.of(r); lim > 0 && used > lim {
			x.used[r].Add(-n)
			for y := a; y != x; y = y.parent {
				y.used[r].Add(-n)
			}
			return &Error{Account: x.name, Resource: r, Limit: lim, Used: used - n, Want: n}
		}
	}
	if r == Memory {
		for x := a; x != nil; x = x.parent {
			used := x.used[r].Load()
			for {
				p := x.peak.Load()
				if used <= p || x.peak.CompareAndSwap(p, used) {
					break
				}
			}
		}
	}
	return nil
}

// Uncharge gives back n of r that Charge counted. A nil account does
// nothing.
func (a *Account) Uncharge(r Resource, n int64) {
	if a == nil || n <= 0 {
		return
	}
	for x := a; x != nil; x = x.parent {
		if x.used[r].Add(-n) < 0 {
			panic("limit: " + x.name + ": more " + r.String() + " given back than charged")
		}
	}
}
