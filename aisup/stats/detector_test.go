package stats

import (
	"math/rand/v2"
	"testing"
	"time"

	"clk/aisup"
	"clk/aisup/metrics"
)

// noise returns n values of a normal series with the given mean and
// standard deviation, from a fixed seed.
func noise(seed uint64, n int, mean, sd float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	for i := range v {
		v[i] = mean + sd*r.NormFloat64()
	}
	return v
}

// fires returns the indexes at which d fired over v.
func fires(d Detector, v []float64) []int {
	var at []int
	for i, x := range v {
		if d.Observe(x).Fired {
			at = append(at, i)
		}
	}
	return at
}

// detectors returns the default detectors with a spread floor suited to
// the tests' series.
func detectors() []Detector { return Config{MinScale: 1e-6}.Detectors() }

func TestLongNormalRunsRaiseFewFalseAlerts(t *testing.T) {
	// Per detector, the most false alerts allowed in 100,000 values of
	// noise. The defaults give 0, 1 or 2 with these seeds (see the log).
	limit := map[string]int{"ewma": 2, "robust-z": 8, "cusum": 3}
	for seed := uint64(1); seed <= 3; seed++ {
		v := noise(seed, 100_000, 500, 20)
		for _, d := range detectors() {
			n := len(fires(d, v))
			t.Logf("seed %d %s: %d false alerts in %d values", seed, d.Name(), n, len(v))
			if n > limit[d.Name()] {
				t.Errorf("seed %d: %s raised %d false alerts, at most %d allowed", seed, d.Name(), n, limit[d.Name()])
			}
		}
	}
}

func TestASpikeFires(t *testing.T) {
	v := noise(4, 2000, 500, 20)
	v[1500] += 20 * 20
	for _, d := range detectors() {
		if at := fires(d, v); !contains(at, 1500) {
			t.Errorf("%s did not fire on a 20σ spike (fired at %v)", d.Name(), at)
		}
	}
}

func TestAStepFiresOnce(t *testing.T) {
	// A lasting shift of 2σ: too small for a per-value score, the CUSUM's
	// case. It fires soon after the step and, having learned the new
	// level, not again.
	v := noise(5, 3000, 500, 20)
	for i := 1000; i < len(v); i++ {
		v[i] += 40
	}
	at := fires(&CUSUM{K: 0.5, H: 12, Warmup: 100, MinScale: 1e-6}, v)
	if len(at) != 1 || at[0] < 1000 || at[0] > 1030 {
		t.Fatalf("cusum fired at %v on a 2σ step at 1000, want once within 30 values", at)
	}
	// A 10σ step: the EWMA fires at once.
	v = noise(5, 3000, 500, 20)
	for i := 1000; i < len(v); i++ {
		v[i] += 200
	}
	if at := fires(&EWMA{Alpha: 0.05, Threshold: 6, Warmup: 100, MinScale: 1e-6}, v); len(at) == 0 || at[0] != 1000 {
		t.Fatalf("ewma fired at %v on a 10σ step at 1000", at)
	}
}

func TestADriftFires(t *testing.T) {
	// 0.02σ a value: after 500 values the mean has moved 10σ, each value
	// a small step from the last.
	v := noise(6, 3000, 500, 20)
	for i := 1000; i < len(v); i++ {
		v[i] += 0.4 * float64(i-1000)
	}
	at := fires(&CUSUM{K: 0.5, H: 12, Warmup: 100, MinScale: 1e-6}, v)
	if len(at) == 0 || at[0] < 1000 || at[0] > 1300 {
		t.Fatalf("cusum fired at %v on a drift from 1000, want within 300 values", at)
	}
}

func TestNothingFiresDuringWarmup(t *testing.T) {
	v := noise(7, 99, 500, 20)
	for i := range v {
		if i%7 == 0 {
			v[i] = 1e9
		}
	}
	for _, d := range detectors() {
		if d.Name() == "robust-z" {
			v = v[:64]
		}
		if at := fires(d, v); len(at) != 0 {
			t.Errorf("%s fired during its warm-up at %v", d.Name(), at)
		}
	}
}

func TestAFlatSeriesScoresAgainstTheFloor(t *testing.T) {
	// A module that never faults: one fault is 1 unit of MinScale off,
	// which stays below the threshold, while ten at once do not.
	for _, d := range (Config{}).Detectors() {
		for range 200 {
			d.Observe(0)
		}
		if r := d.Observe(1); r.Fired {
			t.Errorf("%s fired on one fault after none: score %v", d.Name(), r.Score)
		}
		if d.Name() != "cusum" {
			if r := d.Observe(10); !r.Fired {
				t.Errorf("%s did not fire on ten faults after none: score %v", d.Name(), r.Score)
			}
		}
	}
}

func TestDetectorsAllocateNothingPerValue(t *testing.T) {
	v := noise(8, 1000, 500, 20)
	for _, d := range detectors() {
		i := 0
		if n := testing.AllocsPerRun(1000, func() { d.Observe(v[i%len(v)]); i++ }); n != 0 {
			t.Errorf("%s: %v allocations per value", d.Name(), n)
		}
	}
}

func TestTheMonitorKeepsABaselinePerModule(t *testing.T) {
	m, err := NewMonitor(Config{Metrics: []string{"resident_pages", "faults"}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 1))
	now := time.Unix(1_800_000_000, 0)
	var alerts []aisup.Alert
	for i := range 500 {
		for _, mod := range []string{"kv", "fatfs"} {
			base := 1000.0
			if mod == "fatfs" {
				base = 5000 // another module's normal is not kv's anomaly
			}
			s := &metrics.Sample{Module: mod, Resident: uint64(base + 10*r.NormFloat64())}
			if mod == "kv" && i == 400 {
				s.Resident = 3000
			}
			alerts = m.Observe(now, s, alerts)
		}
	}
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1: %+v", len(alerts), alerts)
	}
	a := alerts[0]
	if a.Module != "kv" || a.Tier != aisup.TierStats || len(a.Evidence) < 2 {
		t.Fatalf("alert %+v", a)
	}
	for _, e := range a.Evidence {
		if e.Metric != "resident_pages" || e.Observed != 3000 || e.Baseline < 900 || e.Baseline > 1100 || e.Score < 6 {
			t.Errorf("evidence %+v", e)
		}
	}
	if _, err := NewMonitor(Config{Metrics: []string{"bogus"}}); err == nil {
		t.Error("a monitor of an unknown metric was made")
	}
}

func contains(v []int, x int) bool {
	for _, y := range v {
		if y == x {
			return true
		}
	}
	return false
}
