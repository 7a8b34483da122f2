package module

import "time"

// RestartPolicy says what the manager does when a module's instance ends
// on its own: a one-for-one restart, as an OTP supervisor does, at most
// Intensity times within Period, each after a back-off that doubles from
// BackoffMin to BackoffMax with the restarts in the window, as MINIX's
// reincarnation server waits longer for a driver that keeps dying. One
// restart too many leaves the module failed.
type RestartPolicy struct {
	// Intensity is the most restarts within Period; 0 never restarts.
	Intensity int
	// Period is the window over which restarts are counted.
	Period time.Duration
	// BackoffMin is the wait before the first restart in the window;
	// BackoffMax bounds the doubling.
	BackoffMin, BackoffMax time.Duration
	// FromState restarts the instance from the last state the module
	// exported (at its last replacement); false starts it from scratch.
	FromState bool
	// Heartbeat is the period of the pings the manager sends the
	// instance (abi.ModPing), each answered within half of it or
	// counted missed; 0 sends none. A module that misses them is only
	// counted: what to do about it is the supervisor's to ask (Restart).
	Heartbeat time.Duration
}

// DefaultRestart is the policy of a module activated without one.
var DefaultRestart = RestartPolicy{
	Intensity:  3,
	Period:     5 * time.Second,
	BackoffMin: 10 * time.Millisecond,
	BackoffMax: time.Second,
	FromState:  true,
	Heartbeat:  time.Second,
}

// Timeouts bound each step of the control protocol. A slow machine (QEMU
// without acceleration) needs seconds where hardware needs milliseconds,
// so the defaults are generous; Probation is what a replacement must
// survive, serving the clients, before the old instance is let go.
type Timeouts struct {
	// Start is how long a new instance has to say it runs (ModHello),
	// and then to import its state and report ready.
	Start time.Duration
	// Quiesce is how long an instance has to answer ModQuiesce.
	Quiesce time.Duration
	// Export is how long a quiesced instance has to send its state.
	Export time.Duration
	// Stop is how long an instance has to exit after ModStop before it
	// is killed.
	Stop time.Duration
	// Probation is how long a replacement must live after the registry
	// switched to it, serving with the old instance kept quiesced; dying
	// within it rolls the replacement back, the requests it read served
	// again by the old instance.
	Probation time.Duration
}

// DefaultTimeouts are the timeouts of a manager configured without.
var DefaultTimeouts = Timeouts{
	Start:     10 * time.Second,
	Quiesce:   2 * time.Second,
	Export:    10 * time.Second,
	Stop:      2 * time.Second,
	Probation: 100 * time.Millisecond,
}

// window counts restarts against a RestartPolicy.
type window struct {
	times []time.Time
}

// admit records a restart at now and returns the back-off to wait before
// it, or false when it would be one more than the policy's intensity
// within its period.
func (w *window) admit(p RestartPolicy, now time.Time) (time.Duration, bool) {
	live := w.times[:0]
	for _, t := range w.times {
		if now.Sub(t) < p.Period {
			live = append(live, t)
		}
	}
	w.times = live
	if len(w.times) >= p.Intensity {
		return 0, false
	}
	w.times = append(w.times, now)
	d := p.BackoffMin
	for i := 1; i < len(w.times) && d < p.BackoffMax; i++ {
		d *= 2
	}
	return min(d, p.BackoffMax), true
}
