package sdk

import (
	"time"

	"clk/abi"
)

// Deadline is a point of the kernel's monotonic clock, in nanoseconds
// since the kernel started, as the calls that wait take it. Now and Never
// are special; After makes one from a duration.
type Deadline uint64

const (
	// Now makes a call that would wait fail at once instead, with
	// abi.EEMPTY, abi.EQUEUEFULL or abi.ETIMEDOUT.
	Now Deadline = abi.DeadlineNow
	// Never waits without limit.
	Never Deadline = abi.DeadlineNever
)

// After returns the deadline d from now by the monotonic clock: Now for
// d <= 0 (and when the clock cannot be read), Never when the sum does not
// fit.
func After(d time.Duration) Deadline {
	if d <= 0 {
		return Now
	}
	now, err := Monotonic()
	if err != nil {
		return Now
	}
	t := uint64(now) + uint64(d)
	if t < uint64(now) || t >= uint64(Never) {
		return Never
	}
	return Deadline(t)
}

// Clock returns the value of clock id (abi.ClockMonotonic or abi.ClockRealtime)
// in nanoseconds.
func Clock(id int) (uint64, error) {
	return call(abi.SysClockGet, uint64(id), 0, 0, 0, 0, 0)
}

// Monotonic returns the time since the kernel started, the clock that
// deadlines count in.
func Monotonic() (time.Duration, error) {
	v, err := Clock(abi.ClockMonotonic)
	return time.Duration(v), err
}

// WallClock returns the kernel's wall-clock time.
func WallClock() (time.Time, error) {
	v, err := Clock(abi.ClockRealtime)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, int64(v)), nil
}

// Sleep blocks the calling thread for d. It returns at once for d <= 0.
func Sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	return SleepUntil(After(d))
}

// SleepUntil blocks the calling thread until the monotonic clock reaches
// deadline. Never is refused by the kernel (abi.EINVAL).
func SleepUntil(deadline Deadline) error {
	_, err := call(abi.SysClockSleep, uint64(deadline), 0, 0, 0, 0, 0)
	return err
}

// Yield lets other runnable work of the kernel run first.
func Yield() error {
	_, err := call(abi.SysTaskYield, 0, 0, 0, 0, 0, 0)
	return err
}
