package aisup

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"clk/suppolicy"
)

func TestAlertsAreWrittenOneJSONObjectPerLine(t *testing.T) {
	alerts := []Alert{
		{ID: 3, Time: time.Unix(1_800_000_003, 0).UTC(), Module: "kv", PID: 12, Kind: "heartbeat", Tier: TierRule, Score: 1,
			Evidence:  []Evidence{{Tier: TierRule, Detector: "heartbeat", Metric: "heartbeat_misses", Observed: 3, Baseline: 3, Score: 1}},
			Suggested: suppolicy.Restart, Decision: "escalated: rate limit reached: escalate to an operator"},
		{ID: 4, Time: time.Unix(1_800_000_004, 0).UTC(), Module: "kv", Kind: "syscalls", Tier: TierModel, Score: 0.07,
			Evidence:  []Evidence{{Tier: TierModel, Detector: "ngram", Sequence: []uint16{3, 7, 2, 30, 31, 59}, Observed: 4, Baseline: 4, Score: 0.07}},
			Suggested: suppolicy.Isolate},
	}
	var buf bytes.Buffer
	if err := WriteJSONLines(&buf, alerts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	t.Log(lines[0])
	for _, want := range []string{`"id":3`, `"module":"kv"`, `"tier":1`, `"suggested_action":"restart"`, `"decision":"escalated`, `"baseline":3`, `"metric":"heartbeat_misses"`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %s lacks %s", lines[0], want)
		}
	}
	var back Alert
	if err := json.Unmarshal([]byte(lines[1]), &back); err != nil {
		t.Fatal(err)
	}
	if back.Suggested != suppolicy.Isolate || len(back.Evidence[0].Sequence) != 6 || !back.Time.Equal(alerts[1].Time) {
		t.Fatalf("read back %+v", back)
	}
	if s := alerts[0].String(); !strings.Contains(s, "heartbeat_misses 3, baseline 3") || !strings.Contains(s, "-> restart: escalated") {
		t.Errorf("summary %q", s)
	}
}
