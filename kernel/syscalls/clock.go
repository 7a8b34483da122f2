package syscalls

import (
	"fmt"
	"runtime"
	"time"

	"clk/abi"
)

func sysClockGet(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	switch a[0] {
	case abi.ClockMonotonic:
		return k.Monotonic(), nil
	case abi.ClockRealtime:
		return uint64(time.Now().UnixNano()), nil
	}
	return 0, fmt.Errorf("clock_get: clock %d: %w", a[0], errInvalid)
}

func sysClockSleep(k *Dispatcher, c *Caller, a Args) (uint64, error) {
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

func sysTaskYield(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	runtime.Gosched()
	return 0, nil
}
