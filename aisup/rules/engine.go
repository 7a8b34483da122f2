package rules

import (
	"strconv"
	"time"

	"clk/aisup"
	"clk/aisup/metrics"
)

// Limits are a module's manifest limits, which rules may compare with.
type Limits struct {
	Memory  uint64 // bytes
	Threads uint32
}

// Engine applies rules to samples. It is not safe for concurrent use.
type Engine struct {
	rules []Rule
	// limits returns a module's manifest limits; a rule against a limit
	// is skipped for a module without one.
	limits func(module string) (Limits, bool)
	state  map[stateKey]*state
}

type stateKey struct {
	rule   int
	series string
}

// state is one rule's memory of one module or process.
type state struct {
	// window holds the values of a rate rule within its window, the
	// oldest first, and their sum.
	times  []time.Time
	values []float64
	sum    float64
	// held counts the periods in a row the comparison held; fired is set
	// once the rule fired and cleared when the comparison stops holding.
	held  int
	fired bool
}

// NewEngine returns an engine of rules; limits may be nil when no rule
// names a limit.
func NewEngine(rules []Rule, limits func(module string) (Limits, bool)) *Engine {
	if limits == nil {
		limits = func(string) (Limits, bool) { return Limits{}, false }
	}
	return &Engine{rules: rules, limits: limits, state: map[stateKey]*state{}}
}

// Observe applies every rule to s, taken at now, and appends an alert to
// alerts for each rule that fires. A rule fires on the period its
// comparison has held For periods in a row, and not again until the
// comparison has stopped holding: a module stuck above its limit raises
// one alert, not one a period.
func (e *Engine) Observe(now time.Time, s *metrics.Sample, alerts []aisup.Alert) []aisup.Alert {
	series := s.Module
	if series == "" {
		series = "pid " + strconv.FormatUint(uint64(s.PID), 10)
	}
	for i := range e.rules {
		r := &e.rules[i]
		if !r.applies(s.Module) {
			continue
		}
		threshold := r.Value
		if r.Limit != "" {
			l, ok := e.limits(s.Module)
			if !ok {
				continue
			}
			if r.Limit == "memory" {
				threshold = float64(l.Memory)
			} else {
				threshold = float64(l.Threads)
			}
		}
		st := e.state[stateKey{i, series}]
		if st == nil {
			st = &state{}
			e.state[stateKey{i, series}] = st
		}
		x := r.Metric.Of(s)
		if r.Window > 0 {
			x = st.add(now, x, r.Window)
		}
		if !r.Op.holds(x, threshold) {
			st.held, st.fired = 0, false
			continue
		}
		st.held++
		if st.fired || st.held < r.For {
			continue
		}
		st.fired = true
		score := x
		if threshold != 0 {
			score = x / threshold
		}
		alerts = append(alerts, aisup.Alert{Time: now, Module: s.Module, PID: s.PID, Kind: r.Name,
			Tier: aisup.TierRule, Score: score, Suggested: r.Action,
			Evidence: []aisup.Evidence{{Tier: aisup.TierRule, Detector: r.Name, Metric: r.Metric.Name(),
				Observed: x, Baseline: threshold, Score: score}}})
	}
	return alerts
}

// add puts x taken at now in the window, drops what is older than w and
// returns the sum of what is left.
func (st *state) add(now time.Time, x float64, w time.Duration) float64 {
	st.times = append(st.times, now)
	st.values = append(st.values, x)
	st.sum += x
	drop := 0
	for drop < len(st.times) && now.Sub(st.times[drop]) >= w {
		drop++
	}
	if drop > 0 {
		st.times = append(st.times[:0], st.times[drop:]...)
		st.values = append(st.values[:0], st.values[drop:]...)
		// Sum again rather than carry rounding from every subtraction.
		st.sum = 0
		for _, v := range st.values {
			st.sum += v
		}
	}
	return st.sum
}

// Forget drops the rules' memory of a module or process.
func (e *Engine) Forget(s *metrics.Sample) {
	series := s.Module
	if series == "" {
		series = "pid " + strconv.FormatUint(uint64(s.PID), 10)
	}
	for k := range e.state {
		if k.series == series {
			delete(e.state, k)
		}
	}
}
