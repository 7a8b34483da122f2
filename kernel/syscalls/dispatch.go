package syscalls

import (
	"fmt"
	"io"
	"math"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/device"
	"clk/kernel/object"
)

// Dispatcher runs syscalls. Its state is what the calls share: the origin
// of the monotonic clock that clock_get and deadlines count from, and the
// random pool.
type Dispatcher struct {
	start  time.Time
	random *pool
	ports  device.Ports // set once at boot, before any call
}

// NewDispatcher returns a Dispatcher whose monotonic clock starts now.
func NewDispatcher() *Dispatcher { return &Dispatcher{start: time.Now(), random: newPool()} }

// Caller is who makes a syscall: the process and its address space.
type Caller struct {
	Proc *object.Process
	Mem  AddressSpace
	// Host is the process's machine side; nil outside ring 3.
	Host Host
	// Dying is closed when the process starts to end (killed, or
	// process_exit by another thread). clock_sleep, channel_call and
	// console_write (on a console with WriteUntil) select on it;
	// channel_read, channel_write and object_wait_many instead watch
	// Proc for Signaled, which rises just before Dying closes, in the
	// same wait as their objects. Either way the call returns ECLOSED at
	// once. nil, never closed, outside ring 3.
	Dying <-chan struct{}
}

// Result is what a syscall returns: abi.Errno in RAX, Value in RDX. Exited is
// set when the call ended the process (process_exit): the goroutine
// driving it must not resume it.
type Result struct {
	Errno  abi.Errno
	Value  uint64
	Exited bool
}

// Args are the six argument registers, in the order RDI, RSI, RDX, R10,
// R8, R9.
type Args [6]uint64

// handler is one syscall's code: it returns the value for RDX or an error
// that ErrnoOf maps to the status.
type handler func(k *Dispatcher, c *Caller, a Args) (uint64, error)

// handlers holds the code of every wired call, by number; a nil entry is a
// call the ABI declares but the kernel does not implement yet (ENOSYS).
var handlers = [abi.NumCalls]handler{
	abi.SysHandleClose:       sysHandleClose,
	abi.SysHandleDuplicate:   sysHandleDuplicate,
	abi.SysHandleReplace:     sysHandleReplace,
	abi.SysHandleRevoke:      sysHandleRevoke,
	abi.SysChannelCreate:     sysChannelCreate,
	abi.SysChannelWrite:      sysChannelWrite,
	abi.SysChannelRead:       sysChannelRead,
	abi.SysChannelCall:       sysChannelCall,
	abi.SysObjectWaitMany:    sysObjectWaitMany,
	abi.SysProcessSelf:       sysProcessSelf,
	abi.SysProcessExit:       sysProcessExit,
	abi.SysLogWrite:          sysLogWrite,
	abi.SysConsoleWrite:      sysConsoleWrite,
	abi.SysClockGet:          sysClockGet,
	abi.SysClockSleep:        sysClockSleep,
	abi.SysTaskYield:         sysTaskYield,
	abi.SysRandomGet:         sysRandomGet,
	abi.SysTimerCreate:       sysTimerCreate,
	abi.SysTimerSet:          sysTimerSet,
	abi.SysTimerCancel:       sysTimerCancel,
	abi.SysVMMap:             sysVMMap,
	abi.SysVMUnmap:           sysVMUnmap,
	abi.SysProcessSpawn:      sysProcessSpawn,
	abi.SysThreadCreate:      sysThreadCreate,
	abi.SysThreadExit:        sysThreadExit,
	abi.SysThreadSetFS:       sysThreadSetFS,
	abi.SysFutexWait:         sysFutexWait,
	abi.SysFutexWake:         sysFutexWake,
	abi.SysSystemInfo:        sysSystemInfo,
	abi.SysFaultEntry:        sysFaultEntry,
	abi.SysIRQWait:           sysIRQWait,
	abi.SysIOPortAccess:      sysIOPortAccess,
	abi.SysDeviceInfo:        sysDeviceInfo,
	abi.SysDeviceConfigRead:  sysDeviceConfigRead,
	abi.SysDeviceConfigWrite: sysDeviceConfigWrite,
	abi.SysDeviceMap:         sysDeviceMap,
	abi.SysDeviceDMAAlloc:    sysDeviceDMAAlloc,
	abi.SysDeviceIRQ:         sysDeviceIRQ,
	abi.SysDeviceIOPorts:     sysDeviceIOPorts,
	abi.SysRandomAdd:         sysRandomAdd,
	abi.SysMetricsRead:       sysMetricsRead,
}

// Dispatch runs syscall num for the caller. It validates every argument
// and never panics; an unknown number or a call not wired yet returns
// abi.ENOSYS.
func (k *Dispatcher) Dispatch(c *Caller, num uint64, a Args) Result {
	if num >= uint64(len(handlers)) || handlers[num] == nil {
		return Result{Errno: abi.ENOSYS}
	}
	v, err := handlers[num](k, c, a)
	if err != nil {
		return Result{Errno: ErrnoOf(err)}
	}
	r := Result{Value: v}
	if num == abi.SysProcessExit {
		r.Exited = true
	}
	return r
}

// Monotonic returns the nanoseconds since the kernel's clock started,
// what clock_get(abi.ClockMonotonic) returns and deadlines count in.
func (k *Dispatcher) Monotonic() uint64 { return uint64(time.Since(k.start)) }

// deadline turns a deadline argument into a time and whether to block.
func (k *Dispatcher) deadline(ns uint64) (t time.Time, block bool) {
	switch {
	case ns == abi.DeadlineNow:
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
func rightsArg(v uint64) (abi.Rights, error) {
	if v&^uint64(abi.RightsAll) != 0 {
		return 0, errInvalid
	}
	return abi.Rights(v), nil
}

// lookup finds the caller's handle in register v.
func (c *Caller) lookup(v uint64, typ abi.ObjectType, need abi.Rights) (*cap.Cap, error) {
	h, err := handleArg(v)
	if err != nil {
		return nil, err
	}
	return c.Proc.Handles.Lookup(h, typ, need)
}

// console returns where console_write goes.
func (c *Caller) console() io.Writer { return c.Proc.Console() }

// userBytes copies n bytes (at most max) in from ptr.
func userBytes(c *Caller, ptr, n uint64, max int) ([]byte, error) {
	if n > uint64(max) {
		return nil, fmt.Errorf("%d bytes, limit %d: %w", n, max, errTooLarge)
	}
	b := make([]byte, n)
	if err := c.Mem.CopyIn(b, ptr); err != nil {
		return nil, err
	}
	return b, nil
}
