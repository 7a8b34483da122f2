package syscalls

import (
	"encoding/binary"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/wait"
)

// waitable is an object with signals.
type waitable interface {
	WaitSource() *wait.Source
}

func sysObjectWaitMany(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	ptr, n := a[0], a[1]
	if n == 0 || n > abi.MaxWaitItems {
		return 0, fmt.Errorf("object_wait_many: %d items: %w", n, errInvalid)
	}
	raw := make([]byte, n*abi.WaitItemSize)
	if err := c.Mem.CopyIn(raw, ptr); err != nil {
		return 0, fmt.Errorf("object_wait_many: items: %w", err)
	}
	items := make([]wait.Item, n)
	for i := range items {
		rec := raw[i*abi.WaitItemSize:]
		h := uint64(binary.LittleEndian.Uint32(rec[abi.WaitItemHandle:]))
		want := abi.Signals(binary.LittleEndian.Uint32(rec[abi.WaitItemWant:]))
		if want == 0 || want&^abi.AllSignals != 0 {
			return 0, fmt.Errorf("object_wait_many: item %d wants %#x: %w", i, uint32(want), errInvalid)
		}
		cp, err := c.lookup(h, abi.TypeAny, abi.RightWait)
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
	items = append(items, wait.Item{Source: &c.Proc.Source, Want: abi.Signaled})
	got, werr := wait.Many(items, deadline)
	if items[self].Observed&abi.Signaled != 0 {
		return 0, fmt.Errorf("object_wait_many: %w", errDying)
	}
	items = items[:self]
	for i := range items {
		binary.LittleEndian.PutUint32(raw[i*abi.WaitItemSize+abi.WaitItemObserved:], uint32(items[i].Observed))
	}
	if err := c.Mem.CopyOut(ptr, raw); err != nil {
		return 0, fmt.Errorf("object_wait_many: items: %w", err)
	}
	return uint64(got), werr
}
