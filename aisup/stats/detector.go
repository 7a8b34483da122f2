package stats

import "math"

// Result is a detector's judgement of one value.
type Result struct {
	// Score is how far off the value is, signed: a z-score, or a CUSUM
	// sum (positive for a rise, negative for a fall).
	Score float64
	// Baseline is what the value was compared with: the mean or median
	// learned so far.
	Baseline float64
	// Warm is false while the detector is still learning its baseline;
	// it never fires then.
	Warm bool
	// Fired says the value is an anomaly.
	Fired bool
}

// Detector judges one series, a value at a time.
type Detector interface {
	// Observe judges x against the baseline, then learns from it.
	Observe(x float64) Result
	// Name names the detector in evidence: "ewma", "robust-z", "cusum".
	Name() string
}

// scale returns s, or floor when s is smaller (a flat series would
// otherwise make every change infinitely far off).
func scale(s, floor float64) float64 {
	if s < floor || math.IsNaN(s) {
		return floor
	}
	return s
}

// EWMA keeps an exponentially weighted mean and variance and scores a
// value by its distance from the mean in standard deviations. Its
// baseline follows a slow drift; it catches spikes and large steps.
type EWMA struct {
	// Alpha is the weight of a new value, in (0, 1].
	Alpha float64
	// Threshold is the |z| above which a value fires.
	Threshold float64
	// Warmup is the number of values learned before any fires.
	Warmup int
	// MinScale is the smallest standard deviation the score divides by.
	MinScale float64

	n              int
	mean, variance float64
}

// Name returns "ewma".
func (e *EWMA) Name() string { return "ewma" }

// Observe implements Detector.
func (e *EWMA) Observe(x float64) Result {
	r := Result{Baseline: e.mean, Warm: e.n >= e.Warmup}
	if e.n > 0 {
		r.Score = (x - e.mean) / scale(math.Sqrt(e.variance), e.MinScale)
	}
	r.Fired = r.Warm && math.Abs(r.Score) > e.Threshold
	// While warming up, weigh a value at least as an arithmetic mean
	// would, so that the first values do not leave the mean near zero.
	alpha := max(e.Alpha, 1/float64(e.n+1))
	diff := x - e.mean
	e.mean += alpha * diff
	e.variance = (1 - alpha) * (e.variance + alpha*diff*diff)
	e.n++
	return r
}

// RobustZ scores a value against the median and the median absolute
// deviation (MAD) of the last Window values: z = (x - median) / (1.4826
// MAD), which a few outliers in the window do not move. It fires from the
// first value after the window is full.
type RobustZ struct {
	Threshold float64
	MinScale  float64

	window  []float64 // a ring of the last values
	next    int
	full    bool
	scratch []float64
}

// madToSigma makes the MAD of a normal distribution its standard
// deviation: 1 / Φ⁻¹(3/4).
const madToSigma = 1.4826

// NewRobustZ returns a detector over a window of n values.
func NewRobustZ(n int, threshold, minScale float64) *RobustZ {
	return &RobustZ{Threshold: threshold, MinScale: minScale, window: make([]float64, n), scratch: make([]float64, n)}
}

// Name returns "robust-z".
func (z *RobustZ) Name() string { return "robust-z" }

// Observe implements Detector.
func (z *RobustZ) Observe(x float64) Result {
	var r Result
	if z.full {
		copy(z.scratch, z.window)
		med := median(z.scratch)
		for i, v := range z.window {
			z.scratch[i] = math.Abs(v - med)
		}
		mad := median(z.scratch)
		r = Result{Baseline: med, Warm: true, Score: (x - med) / scale(madToSigma*mad, z.MinScale)}
		r.Fired = math.Abs(r.Score) > z.Threshold
	}
	z.window[z.next] = x
	z.next++
	if z.next == len(z.window) {
		z.next, z.full = 0, true
	}
	return r
}

// median returns the median of v, reordering v.
func median(v []float64) float64 {
	sortFloats(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// sortFloats sorts v by insertion: windows are short, and it allocates
// nothing.
func sortFloats(v []float64) {
	for i := 1; i < len(v); i++ {
		x := v[i]
		j := i
		for j > 0 && v[j-1] > x {
			v[j] = v[j-1]
			j--
		}
		v[j] = x
	}
}

// CUSUM is Page's two-sided cumulative sum over standardized values: it
// learns a mean and standard deviation over Warmup values, then adds up
// each value's excess over K standard deviations, up and down, and fires
// when a sum passes H. It catches small persistent shifts and drifts
// that a per-value score misses. After firing it learns its baseline
// again, so a lasting step fires once.
type CUSUM struct {
	// K is the slack, in standard deviations: half the shift to detect.
	K float64
	// H is the decision threshold, in standard deviations.
	H        float64
	Warmup   int
	MinScale float64

	n         int
	mean, m2  float64 // Welford's running mean and sum of squares
	high, low float64
}

// Name returns "cusum".
func (c *CUSUM) Name() string { return "cusum" }

// Observe implements Detector.
func (c *CUSUM) Observe(x float64) Result {
	if c.n < c.Warmup {
		c.n++
		d := x - c.mean
		c.mean += d / float64(c.n)
		c.m2 += d * (x - c.mean)
		return Result{Baseline: c.mean}
	}
	sd := 0.0
	if c.n > 1 {
		sd = math.Sqrt(c.m2 / float64(c.n-1))
	}
	z := (x - c.mean) / scale(sd, c.MinScale)
	c.high = max(0, c.high+z-c.K)
	c.low = max(0, c.low-z-c.K)
	r := Result{Baseline: c.mean, Warm: true, Score: c.high}
	if c.low > c.high {
		r.Score = -c.low
	}
	if c.high > c.H || c.low > c.H {
		r.Fired = true
		c.n, c.mean, c.m2, c.high, c.low = 0, 0, 0, 0, 0
	}
	return r
}
