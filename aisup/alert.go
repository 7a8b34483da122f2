package aisup

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"clk/suppolicy"
)

// Tier is the detection tier that fired.
type Tier uint8

const (
	// TierRule: a rule of the policy (a threshold or a rate).
	TierRule Tier = 1
	// TierStats: an online statistic (EWMA, robust z-score, CUSUM)
	// against a baseline learned while the module ran.
	TierStats Tier = 2
	// TierModel: a model trained on the host (syscall n-grams, the
	// metric classifier).
	TierModel Tier = 3
)

// Evidence is what an alert rests on: one observation and what it was
// measured against.
type Evidence struct {
	Tier Tier `json:"tier"`
	// Detector names what judged: a rule's name, "ewma", "robust-z",
	// "cusum", "ngram", "classifier".
	Detector string `json:"detector"`
	// Metric names the metric (metrics.Names), for tiers 1, 2 and the
	// classifier.
	Metric string `json:"metric,omitempty"`
	// Sequence is the window of syscall numbers that scored, for the
	// n-gram model.
	Sequence []uint16 `json:"sequence,omitempty"`
	// Observed is the value seen: the metric, or the count of unseen
	// n-grams in the locality frame.
	Observed float64 `json:"observed"`
	// Baseline is what it was compared with: the rule's threshold, the
	// learned mean or median, the model's expectation.
	Baseline float64 `json:"baseline"`
	// Score is the detector's measure of how far off it is: a z-score, a
	// CUSUM sum, a probability, a fraction of unseen n-grams.
	Score float64 `json:"score"`
}

// Alert is one finding of the supervisor, as it is kept, shown and
// written one JSON object per line (`sup alerts --json`).
type Alert struct {
	ID     uint64    `json:"id"`
	Time   time.Time `json:"time"`
	Module string    `json:"module"`
	PID    uint32    `json:"pid,omitempty"`
	// Kind says what was found, in a word: "heartbeat", "restart-loop",
	// "memory", "anomaly", "syscalls".
	Kind  string  `json:"kind"`
	Tier  Tier    `json:"tier"`
	Score float64 `json:"score"`
	// Evidence holds at least one item; the first is the one that fired.
	Evidence []Evidence `json:"evidence"`
	// Suggested is the action the supervisor proposes.
	Suggested suppolicy.Kind `json:"suggested_action"`
	// Decision is the kernel's answer to that action (a
	// suppolicy.Verdict's name and its reason), or empty until there is
	// one. An escalation says that a person must decide.
	Decision string `json:"decision,omitempty"`
}

// String returns a one-line summary for the shell.
func (a *Alert) String() string {
	s := fmt.Sprintf("#%d %s %s tier %d %s score %.3g", a.ID, a.Time.UTC().Format(time.RFC3339), a.Module, a.Tier, a.Kind, a.Score)
	if len(a.Evidence) > 0 {
		e := a.Evidence[0]
		what := e.Metric
		if what == "" {
			what = "sequence"
		}
		s += fmt.Sprintf(" (%s: %s %.6g, baseline %.6g)", e.Detector, what, e.Observed, e.Baseline)
	}
	s += " -> " + a.Suggested.String()
	if a.Decision != "" {
		s += ": " + a.Decision
	}
	return s
}

// WriteJSONLines writes alerts one JSON object per line.
func WriteJSONLines(w io.Writer, alerts []Alert) error {
	enc := json.NewEncoder(w)
	for i := range alerts {
		if err := enc.Encode(&alerts[i]); err != nil {
			return fmt.Errorf("alert %d: %w", alerts[i].ID, err)
		}
	}
	return nil
}
