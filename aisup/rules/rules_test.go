package rules

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"clk/aisup"
	"clk/aisup/metrics"
	"clk/suppolicy"
)

const section = `{"rules": [
  {"name": "heartbeat", "metric": "heartbeat_misses", "op": ">=", "value": 3, "action": "restart"},
  {"name": "restart-loop", "metric": "restarts", "window": "1m", "op": ">", "value": 5, "action": "isolate"},
  {"name": "memory", "metric": "resident_bytes", "op": ">", "limit": "memory", "action": "restart"},
  {"name": "fault-storm", "modules": ["kv*"], "metric": "faults", "op": ">", "value": 100, "for": 3}]}`

var t0 = time.Unix(1_800_000_000, 0)

func engine(t *testing.T) *Engine {
	t.Helper()
	rs, err := Parse([]byte(section))
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(rs, func(module string) (Limits, bool) {
		return Limits{Memory: 1 << 20}, module == "kv"
	})
}

// run feeds samples a period apart and returns the alerts with the
// period each came in.
func run(e *Engine, samples []metrics.Sample) (alerts []aisup.Alert, at []int) {
	for i := range samples {
		n := len(alerts)
		alerts = e.Observe(t0.Add(time.Duration(i)*time.Second), &samples[i], alerts)
		for range alerts[n:] {
			at = append(at, i)
		}
	}
	return alerts, at
}

func TestMissedHeartbeatsFireOnceAtTheThird(t *testing.T) {
	var s []metrics.Sample
	for _, misses := range []uint32{0, 1, 2, 3, 4, 5, 0, 3} {
		s = append(s, metrics.Sample{Module: "fatfs", HeartbeatMisses: misses})
	}
	alerts, at := run(engine(t), s)
	if len(alerts) != 2 || at[0] != 3 || at[1] != 7 {
		t.Fatalf("alerts at %v, want at 3 and, after a recovery, 7", at)
	}
	a := alerts[0]
	ev := a.Evidence[0]
	if a.Kind != "heartbeat" || a.Tier != aisup.TierRule || a.Suggested != suppolicy.Restart ||
		ev.Metric != "heartbeat_misses" || ev.Observed != 3 || ev.Baseline != 3 {
		t.Fatalf("alert %+v", a)
	}
}

func TestARestartLoopIsARateOverTheWindow(t *testing.T) {
	// One restart every 12 s never has more than 5 in a minute's window
	// (0, 12 ... 48 s; the one at 0 leaves at 60); one every 5 s has 6 in
	// 30 s.
	e := engine(t)
	var alerts []aisup.Alert
	for i := range 60 {
		alerts = e.Observe(t0.Add(time.Duration(i)*12*time.Second), &metrics.Sample{Module: "kv", Restarts: 1}, alerts)
	}
	if len(alerts) != 0 {
		t.Fatalf("5 restarts a minute fired: %+v", alerts[0])
	}
	for i := range 6 {
		alerts = e.Observe(t0.Add(time.Hour+time.Duration(i)*5*time.Second), &metrics.Sample{Module: "kv", Restarts: 1}, alerts)
	}
	if len(alerts) != 1 || alerts[0].Kind != "restart-loop" || alerts[0].Evidence[0].Observed != 6 {
		t.Fatalf("alerts %+v", alerts)
	}
}

func TestMemoryIsComparedWithTheManifestsLimit(t *testing.T) {
	s := []metrics.Sample{
		{Module: "kv", Resident: 256},    // 1 MiB: at the limit
		{Module: "kv", Resident: 257},    // over
		{Module: "other", Resident: 1e6}, // no limit known: not judged
	}
	alerts, at := run(engine(t), s)
	if len(alerts) != 1 || at[0] != 1 || alerts[0].Evidence[0].Baseline != 1<<20 {
		t.Fatalf("alerts %+v at %v", alerts, at)
	}
}

func TestForCountsPeriodsInARowAndModulesFilter(t *testing.T) {
	var s []metrics.Sample
	for _, f := range []uint64{200, 200, 0, 200, 200, 200} {
		s = append(s, metrics.Sample{Module: "kv2", Faults: f}, metrics.Sample{Module: "fatfs", Faults: f})
	}
	alerts, at := run(engine(t), s)
	if len(alerts) != 1 || at[0] != 10 || alerts[0].Module != "kv2" || alerts[0].Suggested != suppolicy.Alert {
		t.Fatalf("alerts %+v at %v", alerts, at)
	}
}

func TestBadRulesAreRefused(t *testing.T) {
	for _, s := range []string{
		`{"rules": [{"name": "a", "metric": "nope", "op": ">", "value": 1}]}`,
		`{"rules": [{"name": "a", "metric": "faults", "op": "!=", "value": 1}]}`,
		`{"rules": [{"name": "a", "metric": "faults", "op": ">"}]}`,
		`{"rules": [{"name": "a", "metric": "faults", "op": ">", "value": 1, "limit": "memory"}]}`,
		`{"rules": [{"name": "a", "metric": "faults", "op": ">", "value": 1, "window": "-1s"}]}`,
		`{"rules": [{"name": "a", "metric": "faults", "op": ">", "value": 1, "action": "reboot"}]}`,
		`{"rules": [{"name": "a", "metric": "faults", "op": ">", "value": 1}, {"name": "a", "metric": "faults", "op": ">", "value": 2}]}`,
		`{"rules": [{"name": "a b", "metric": "faults", "op": ">", "value": 1}]}`,
		`{"rules": [], "extra": 1}`,
		`{"rules": []} {}`,
	} {
		if _, err := Parse([]byte(s)); !errors.Is(err, ErrBadRules) {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// FuzzParseRules feeds rules sections to Parse: no panic, a refusal
// wraps ErrBadRules, and rules that read are written back to rules that
// read the same.
func FuzzParseRules(f *testing.F) {
	f.Add([]byte(section))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrBadRules) {
				t.Fatalf("refusal without its cause: %v", err)
			}
			return
		}
		j, err := json.Marshal(map[string][]Rule{"rules": rs})
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(j)
		if err != nil {
			t.Fatalf("rules written back do not read: %v\n%s", err, j)
		}
		k, _ := json.Marshal(map[string][]Rule{"rules": again})
		if string(j) != string(k) {
			t.Fatalf("rules change when written again:\n%s\n%s", j, k)
		}
	})
}
