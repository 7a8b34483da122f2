package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"clk/aisup/metrics"
	"clk/suppolicy"
)

// ErrBadRules is the cause of every refusal of a rules section.
var ErrBadRules = errors.New("invalid rules")

// Op compares a metric with a threshold.
type Op uint8

const (
	Above   Op = iota + 1 // >
	AtLeast               // >=
	Below                 // <
	AtMost                // <=
)

var opNames = map[string]Op{">": Above, ">=": AtLeast, "<": Below, "<=": AtMost}

func (o Op) String() string {
	for s, v := range opNames {
		if v == o {
			return s
		}
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

func (o Op) holds(x, threshold float64) bool {
	switch o {
	case Above:
		return x > threshold
	case AtLeast:
		return x >= threshold
	case Below:
		return x < threshold
	case AtMost:
		return x <= threshold
	}
	return false
}

// Rule is one threshold or rate.
type Rule struct {
	// Name names the rule in evidence and is the alert's kind.
	Name string
	// Modules are name patterns (a name, or a prefix and '*'); empty for
	// every module and process.
	Modules []string
	Metric  metrics.Metric
	Op      Op
	// Value is the threshold, unless Limit names the manifest's limit to
	// compare with: "memory" (bytes) or "threads".
	Value float64
	Limit string
	// Window, when set, makes the rule a rate: the metric summed over the
	// samples of the last Window is compared.
	Window time.Duration
	// For is the number of periods in a row the comparison must hold
	// before the rule fires (at least 1).
	For int
	// Action is the action an alert of the rule suggests.
	Action suppolicy.Kind
}

// Bounds of a rules section.
const (
	MaxRules     = 256
	maxName      = 64
	maxPatterns  = 64
	maxFor       = 1 << 16
	maxWindow    = 24 * time.Hour
	maxRuleBytes = 64 << 10
)

type ruleJSON struct {
	Name    string          `json:"name"`
	Modules []string        `json:"modules,omitempty"`
	Metric  string          `json:"metric"`
	Op      string          `json:"op"`
	Value   *float64        `json:"value,omitempty"`
	Limit   string          `json:"limit,omitempty"`
	Window  string          `json:"window,omitempty"`
	For     int             `json:"for,omitempty"`
	Action  *suppolicy.Kind `json:"action,omitempty"`
}

// Parse reads a rules section of the supervisor's policy:
//
//	{"rules": [
//	  {"name": "heartbeat", "metric": "heartbeat_misses", "op": ">=", "value": 3, "action": "restart"},
//	  {"name": "restart-loop", "metric": "restarts", "window": "1m", "op": ">", "value": 5, "action": "isolate"},
//	  {"name": "memory", "metric": "resident_bytes", "op": ">", "limit": "memory", "action": "restart"},
//	  {"name": "fault-storm", "modules": ["kv*"], "metric": "faults", "op": ">", "value": 100, "for": 3}]}
//
// A rule gives a value or a limit, not both; "for" defaults to 1 and
// "action" to "alert".
func Parse(b []byte) ([]Rule, error) {
	if len(b) > maxRuleBytes {
		return nil, fmt.Errorf("rules section of %d bytes, at most %d: %w", len(b), maxRuleBytes, ErrBadRules)
	}
	var j struct {
		Rules []ruleJSON `json:"rules"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("rules: %v: %w", err, ErrBadRules)
	}
	if dec.More() {
		return nil, fmt.Errorf("rules: bytes after the JSON object: %w", ErrBadRules)
	}
	if len(j.Rules) > MaxRules {
		return nil, fmt.Errorf("%d rules, at most %d: %w", len(j.Rules), MaxRules, ErrBadRules)
	}
	seen := map[string]bool{}
	var rs []Rule
	for i, rj := range j.Rules {
		r, err := rj.rule()
		if err != nil {
			return nil, fmt.Errorf("rule %d (%q): %v: %w", i, rj.Name, err, ErrBadRules)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("rule %d: name %q used twice: %w", i, r.Name, ErrBadRules)
		}
		seen[r.Name] = true
		rs = append(rs, r)
	}
	return rs, nil
}

func (rj *ruleJSON) rule() (Rule, error) {
	r := Rule{Name: rj.Name, Modules: rj.Modules, Limit: rj.Limit, For: rj.For, Action: suppolicy.Alert}
	if len(r.Name) < 1 || len(r.Name) > maxName || strings.ContainsFunc(r.Name, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return r, errors.New("a name is 1 to 64 printable ASCII bytes")
	}
	if len(r.Modules) > maxPatterns {
		return r, fmt.Errorf("%d module patterns, at most %d", len(r.Modules), maxPatterns)
	}
	var err error
	if r.Metric, err = metrics.Lookup(rj.Metric); err != nil {
		return r, err
	}
	var ok bool
	if r.Op, ok = opNames[rj.Op]; !ok {
		return r, fmt.Errorf("op %q, want >, >=, < or <=", rj.Op)
	}
	switch {
	case rj.Value != nil && r.Limit == "":
		r.Value = *rj.Value
	case rj.Value == nil && (r.Limit == "memory" || r.Limit == "threads"):
	default:
		return r, errors.New(`give a value or a limit ("memory" or "threads"), not both`)
	}
	if rj.Window != "" {
		if r.Window, err = time.ParseDuration(rj.Window); err != nil {
			return r, err
		}
		if r.Window <= 0 || r.Window > maxWindow {
			return r, fmt.Errorf("window %v outside (0, %v]", r.Window, maxWindow)
		}
	}
	if r.For == 0 {
		r.For = 1
	}
	if r.For < 1 || r.For > maxFor {
		return r, fmt.Errorf("for %d outside [1, %d]", r.For, maxFor)
	}
	if rj.Action != nil {
		r.Action = *rj.Action
	}
	return r, nil
}

// MarshalJSON writes the rule as Parse reads it.
func (r Rule) MarshalJSON() ([]byte, error) {
	rj := ruleJSON{Name: r.Name, Modules: r.Modules, Metric: r.Metric.Name(), Op: r.Op.String(), Limit: r.Limit, For: r.For, Action: &r.Action}
	if r.Limit == "" {
		rj.Value = &r.Value
	}
	if r.Window != 0 {
		rj.Window = r.Window.String()
	}
	return json.Marshal(rj)
}

func (r *Rule) applies(module string) bool {
	if len(r.Modules) == 0 {
		return true
	}
	for _, p := range r.Modules {
		if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(module, prefix) || p == module {
			return true
		}
	}
	return false
}
