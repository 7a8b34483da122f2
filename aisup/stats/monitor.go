package stats

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"clk/aisup"
	"clk/aisup/metrics"
	"clk/suppolicy"
)

// Config chooses the metrics a Monitor watches and its detectors'
// parameters. A zero field takes the default given with it.
type Config struct {
	// Metrics are names of metrics.Names (or "syscall.N"). Default:
	// cpu_ns, resident_pages, msgs_in, msgs_out, syscalls, faults,
	// heartbeat_latency_ns.
	Metrics []string
	// EWMAAlpha (0.05), EWMAThreshold (6): the EWMA detector.
	EWMAAlpha, EWMAThreshold float64
	// Window (64), RobustThreshold (6): the robust z-score.
	Window          int
	RobustThreshold float64
	// CUSUMK (0.5), CUSUMH (12): the CUSUM, in standard deviations.
	CUSUMK, CUSUMH float64
	// Warmup (100): values learned before the EWMA and CUSUM fire (the
	// robust z-score waits for its window).
	Warmup int
	// MinScale (1): the smallest spread scores divide by, in the metric's
	// unit; 1 suits counts.
	MinScale float64
}

// DefaultMetrics are the metrics a Config without Metrics watches.
var DefaultMetrics = []string{"cpu_ns", "resident_pages", "msgs_in", "msgs_out", "syscalls", "faults", "heartbeat_latency_ns"}

func (c *Config) defaults() {
	if len(c.Metrics) == 0 {
		c.Metrics = DefaultMetrics
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.EWMAAlpha, 0.05)
	def(&c.EWMAThreshold, 6)
	def(&c.RobustThreshold, 6)
	def(&c.CUSUMK, 0.5)
	def(&c.CUSUMH, 12)
	def(&c.MinScale, 1)
	if c.Window == 0 {
		c.Window = 64
	}
	if c.Warmup == 0 {
		c.Warmup = 100
	}
}

// Detectors returns one detector of each kind, configured by c.
func (c Config) Detectors() []Detector {
	c.defaults()
	return []Detector{
		&EWMA{Alpha: c.EWMAAlpha, Threshold: c.EWMAThreshold, Warmup: c.Warmup, MinScale: c.MinScale},
		NewRobustZ(c.Window, c.RobustThreshold, c.MinScale),
		&CUSUM{K: c.CUSUMK, H: c.CUSUMH, Warmup: c.Warmup, MinScale: c.MinScale},
	}
}

// Monitor keeps baselines per module (or per process, for a sample
// without a module) and metric, and turns what fires into alerts.
// It is not safe for concurrent use.
type Monitor struct {
	cfg     Config
	metrics []metrics.Metric
	series  map[string][][]Detector // key -> metric -> detectors
}

// NewMonitor returns a monitor with no baselines yet.
func NewMonitor(cfg Config) (*Monitor, error) {
	cfg.defaults()
	m := &Monitor{cfg: cfg, series: map[string][][]Detector{}}
	for _, name := range cfg.Metrics {
		mt, err := metrics.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		m.metrics = append(m.metrics, mt)
	}
	return m, nil
}

// key names a sample's series.
func key(s *metrics.Sample) string {
	if s.Module != "" {
		return s.Module
	}
	return "pid " + strconv.FormatUint(uint64(s.PID), 10)
}

// Observe judges each watched metric of s and appends to alerts one alert
// per metric on which a detector fired, with the evidence of every
// detector that did. Alerts suggest suppolicy.Alert: a statistic alone
// does not restart a module. Their ID is left 0 for the alert keeper.
func (m *Monitor) Observe(now time.Time, s *metrics.Sample, alerts []aisup.Alert) []aisup.Alert {
	k := key(s)
	dets, ok := m.series[k]
	if !ok {
		dets = make([][]Detector, len(m.metrics))
		for i := range dets {
			dets[i] = m.cfg.Detectors()
		}
		m.series[k] = dets
	}
	for i, mt := range m.metrics {
		x := mt.Of(s)
		var a *aisup.Alert
		for _, d := range dets[i] {
			r := d.Observe(x)
			if !r.Fired {
				continue
			}
			if a == nil {
				alerts = append(alerts, aisup.Alert{Time: now, Module: s.Module, PID: s.PID, Kind: "anomaly",
					Tier: aisup.TierStats, Suggested: suppolicy.Alert})
				a = &alerts[len(alerts)-1]
			}
			a.Evidence = append(a.Evidence, aisup.Evidence{Tier: aisup.TierStats, Detector: d.Name(),
				Metric: mt.Name(), Observed: x, Baseline: r.Baseline, Score: r.Score})
			if math.Abs(r.Score) > math.Abs(a.Score) {
				a.Score = r.Score
			}
		}
	}
	return alerts
}

// Forget drops the baselines of a module or process, as when it is
// replaced by another version, which must be learned anew.
func (m *Monitor) Forget(s *metrics.Sample) { delete(m.series, key(s)) }
