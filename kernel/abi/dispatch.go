package abi

import (
	"io"
	"math"
	"time"

	"clk/kernel/cap"
	"clk/kernel/object"
)

// Kernel is the state syscalls share: the origin of the monotonic clock
// that clock_get and deadlines count from.
type Kernel struct {
	start time.Time
}

// NewKernel returns a syscall layer whose monotonic clock starts now.
func NewKernel() *Kernel { return &Kernel{start: time.Now()} }

// Caller is who makes a syscall: the process and its address space.
type Caller struct {
	Proc *object.Process
	Mem  AddressSpace
	// Host is the process's machine side; nil outside ring 3.
	Host Host
	// Dying is closed when the process starts to end (killed, or
	// process_exit by another thread): every call that blocks selects
	// on it and returns ECLOSED at once. nil, never closed, outside
	// ring 3.
	Dying <-chan struct{}
}

// Result is what a syscall returns: Errno in RAX, Value in RDX. Exited is
// set when the call ended the process (process_exit): the goroutine
// driving it must not resume it.
type Result struct {
	Errno  Errno
	Value  uint64
	Exited bool
}

// Args are the six argument registers, in the order RDI, RSI, RDX, R10,
// R8, R9.
type Args [6]uint64

// Dispatch runs syscall num for the caller. It validates every argument
// and never panics; an unknown number or a call not wired yet returns
// ENOSYS.
func (k *Kernel) Dispatch(c *Caller, num uint64, a Args) Result {
	if num >= uint64(len(table)) || table[num].impl == nil {
		return Result{Errno: ENOSYS}
	}
	v, err := table[num].impl(k, c, a)
	if err != nil {
		return Result{Errno: ErrnoOf(err)}
	}
	r := Result{Value: v}
	if num == SysProcessExit {
		r.Exited = true
	}
	return r
}

// Monotonic returns the nanoseconds since the kernel's clock started,
// what clock_get(ClockMonotonic) returns and deadlines count in.
func (k *Kernel) Monotonic() uint64 { return uint64(time.Since(k.start)) }

// Deadlines in syscall arguments, in nanoseconds of the monotonic clock.
const (
	// DeadlineNow makes a call that would wait fail at once instead
	// (EQUEUEFULL, EEMPTY, ETIMEDOUT).
	DeadlineNow = 0
	// DeadlineNever waits without limit.
	DeadlineNever = math.MaxUint64
)

// deadline turns a deadline argument into a time and whether to block.
func (k *Kernel) deadline(ns uint64) (t time.Time, block bool) {
	switch {
	case ns == DeadlineNow:
		return k.start, false
	case ns > math.MaxInt64:
		return time.Time{}, true
	}
	return k.start.Add(time.Duration(ns)), true
}

// handleArg checks that a register holds a possible handle value.
func handleArg(v uint64) (cap.Handle, error) {
	if v > math.MaxUint32 {
		return cap.Invalid, &cap.Error{Op: "lookup", Handle: cap.Invalid, Err: cap.ErrBadHandle}
	}
	return cap.Handle(v), nil
}

// rightsArg checks that a register holds a set of defined rights.
func rightsArg(v uint64) (cap.Rights, error) {
	if v&^uint64(cap.RightsAll) != 0 {
		return 0, errInvalid
	}
	return cap.Rights(v), nil
}

// lookup finds the caller's handle in register v.
func (c *Caller) lookup(v uint64, typ cap.Type, need cap.Rights) (*cap.Cap, error) {
	h, err := handleArg(v)
	if err != nil {
		return nil, err
	}
	return c.Proc.Handles.Lookup(h, typ, need)
}

// console returns where console_write goes.
func (c *Caller) console() io.Writer { return c.Proc.Console() }
