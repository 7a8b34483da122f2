package main

import (
	"fmt"
	"slices"
	"strings"

	"clk/bench/vslinux"
)

// goal is the highest ratio of clk's time to Linux's that the benchmarks
// aim for: clk at most half as slow as Linux on each.
const goal = 0.5

// goalColumn says, for each row with a ratio, whether it meets the goal.
var goalColumn = vslinux.Column{
	Heading: fmt.Sprintf("goal: %s <= %.2fx", vslinux.RatioLabel, goal),
	Text: func(r vslinux.Row) string {
		q, ok := r.Ratio()
		switch {
		case !ok:
			return "-"
		case q <= goal:
			return "met"
		}
		return "not met"
	},
}

// verdict sums up the goal over the expected benchmarks: met when every
// ratio is at most goal, not met when one is above it, and not known when a
// figure is missing and no ratio is above the goal.
func verdict(rs []vslinux.Row) string {
	var above, unknown []string
	for _, r := range rs {
		if !slices.Contains(benchmarks, r.Name) {
			continue
		}
		q, ok := r.Ratio()
		switch {
		case !ok:
			unknown = append(unknown, r.Name)
		case q > goal:
			above = append(above, fmt.Sprintf("%s at %.2fx", r.Name, q))
		}
	}
	switch {
	case len(above) > 0:
		return "not met: " + strings.Join(above, ", ")
	case len(unknown) > 0:
		return "not known: no ratio for " + strings.Join(unknown, ", ")
	}
	return "met"
}
