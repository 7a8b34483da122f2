package abi

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"runtime"
	"time"

	"clk/kernel/cap"
	"clk/kernel/object"
	"clk/kernel/wait"
)

// errDying ends a blocking call of a process that is ending (Caller.Dying).
var errDying = fmt.Errorf("the process is ending: %w", cap.ErrClosed)

// MaxWaitItems is the most items object_wait_many takes.
const MaxWaitItems = 64

// MaxIOBytes bounds console_write and random_get.
const MaxIOBytes = 4096

// Clock ids for clock_get.
const (
	ClockMonotonic = 0
	ClockRealtime  = 1
)

// TimerRights are the rights of the handle timer_create returns.
const TimerRights = cap.RightWait | cap.RightSignal | cap.RightDuplicate | cap.RightTransfer

// waitable is an object with signals.
type waitable interface {
	WaitSource() *wait.Source
}

func sysObjectWaitMany(k *Kernel, c *Caller, a Args) (uint64, error) {
	ptr, n := a[0], a[1]
	if n == 0 || n > MaxWaitItems {
		return 0, fmt.Errorf("object_wait_many: %d items: %w", n, errInvalid)
	}
	raw := make([]byte, n*WaitItemSize)
	if err := c.Mem.CopyIn(raw, ptr); err != nil {
		return 0, fmt.Errorf("object_wait_many: items: %w", err)
	}
	items := make([]wait.Item, n)
	for i := range items {
		rec := raw[i*WaitItemSize:]
		h := uint64(binary.LittleEndian.Uint32(rec[0:]))
		want := wait.Signals(binary.LittleEndian.Uint32(rec[4:]))
		if want == 0 || want&^wait.All != 0 {
			return 0, fmt.Errorf("object_wait_many: item %d wants %#x: %w", i, uint32(want), errInvalid)
		}
		cp, err := c.lookup(h, cap.TypeAny, cap.RightWait)
		if err != nil {
			return 0, err
		}
		w, ok := cp.Object().(waitable)
		if !ok {
			return 0, fmt.Errorf("object_wait_many: item %d: a %v has no signals: %w", i, cp.Type(), cap.ErrWrongType)
		}
		items[i] = wait.Item{Source: w.WaitSource(), Want: want}
	}
	deadline, block := k.deadline(a[2])
	if !block {
		deadline = k.start // in the past: poll
	}
	// The caller's own process object raises Signaled when the process
	// ends (killed, or process_exit by another thread), before Dying
	// closes: watching it ends the wait with the process.
	self := len(items)
	items = append(items, wait.Item{Source: &c.Proc.Source, Want: wait.Signaled})
	got, werr := wait.Many(items, deadline)
	if items[self].Observed&wait.Signaled != 0 {
		return 0, fmt.Errorf("object_wait_many: %w", errDying)
	}
	items = items[:self]
	for i := range items {
		binary.LittleEndian.PutUint32(raw[i*WaitItemSize+8:], uint32(items[i].Observed))
	}
	if err := c.Mem.CopyOut(ptr, raw); err != nil {
		return 0, fmt.Errorf("object_wait_many: items: %w", err)
	}
	return uint64(got), werr
}

func sysProcessSelf(k *Kernel, c *Caller, a Args) (uint64, error) {
	return c.Proc.PID(), nil
}

func sysProcessExit(k *Kernel, c *Caller, a Args) (uint64, error) {
	c.Proc.Exit(int(int32(a[0])))
	return 0, nil
}

func sysLogWrite(k *Kernel, c *Caller, a Args) (uint64, error) {
	cp, err := c.lookup(a[0], cap.TypeLog, cap.RightWrite)
	if err != nil {
		return 0, err
	}
	l, ok := cp.Object().(*object.Log)
	if !ok {
		return 0, fmt.Errorf("log_write: %w", cap.ErrWrongType)
	}
	b, err := userBytes(c, a[1], a[2], object.MaxLogRecord)
	if err != nil {
		return 0, fmt.Errorf("log_write: %w", err)
	}
	_, err = l.Write(b)
	return 0, err
}

func sysConsoleWrite(k *Kernel, c *Caller, a Args) (uint64, error) {
	b, err := userBytes(c, a[0], a[1], MaxIOBytes)
	if err != nil {
		return 0, fmt.Errorf("console_write: %w", err)
	}
	w := c.console()
	if w == nil {
		return 0, fmt.Errorf("console_write: process %d has no console: %w", c.Proc.PID(), cap.ErrAccessDenied)
	}
	var n int
	if sw, ok := w.(interface {
		WriteUntil(b []byte, stop <-chan struct{}) (int, error)
	}); ok {
		// A console whose Write can block (its reader is behind)
		// gives up when the process ends.
		n, err = sw.WriteUntil(b, c.Dying)
	} else {
		n, err = w.Write(b)
	}
	if err != nil {
		return uint64(n), fmt.Errorf("console_write: %v", err)
	}
	return uint64(n), nil
}

func sysClockGet(k *Kernel, c *Caller, a Args) (uint64, error) {
	switch a[0] {
	case ClockMonotonic:
		return k.Monotonic(), nil
	case ClockRealtime:
		return uint64(time.Now().UnixNano()), nil
	}
	return 0, fmt.Errorf("clock_get: clock %d: %w", a[0], errInvalid)
}

func sysClockSleep(k *Kernel, c *Caller, a Args) (uint64, error) {
	deadline, _ := k.deadline(a[0])
	if deadline.IsZero() {
		return 0, fmt.Errorf("clock_sleep: no deadline: %w", errInvalid)
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-t.C:
		return 0, nil
	case <-c.Dying:
		return 0, fmt.Errorf("clock_sleep: %w", errDying)
	}
}

func sysTaskYield(k *Kernel, c *Caller, a Args) (uint64, error) {
	runtime.Gosched()
	return 0, nil
}

func sysRandomGet(k *Kernel, c *Caller, a Args) (uint64, error) {
	if a[1] > MaxIOBytes {
		return 0, fmt.Errorf("random_get: %d bytes: %w", a[1], errTooLarge)
	}
	b := make([]byte, a[1])
	crand.Read(b)
	if err := c.Mem.CopyOut(a[0], b); err != nil {
		return 0, fmt.Errorf("random_get: %w", err)
	}
	return 0, nil
}

func sysTimerCreate(k *Kernel, c *Caller, a Args) (uint64, error) {
	cp := cap.New(object.NewTimer(), TimerRights)
	h, err := c.Proc.Handles.Install(cp)
	if err != nil {
		cp.Close()
		return 0, err
	}
	return uint64(h), nil
}

func (c *Caller) timer(v uint64) (*object.Timer, error) {
	cp, err := c.lookup(v, cap.TypeTimer, cap.RightSignal)
	if err != nil {
		return nil, err
	}
	t, ok := cp.Object().(*object.Timer)
	if !ok {
		return nil, cap.ErrWrongType
	}
	return t, nil
}

func sysTimerSet(k *Kernel, c *Caller, a Args) (uint64, error) {
	t, err := c.timer(a[0])
	if err != nil {
		return 0, err
	}
	deadline, _ := k.deadline(a[1])
	if deadline.IsZero() {
		t.Cancel()
		return 0, nil
	}
	t.Set(deadline)
	return 0, nil
}

func sysTimerCancel(k *Kernel, c *Caller, a Args) (uint64, error) {
	t, err := c.timer(a[0])
	if err != nil {
		return 0, err
	}
	t.Cancel()
	return 0, nil
}

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
