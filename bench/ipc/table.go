package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// goal is the highest ratio of clk's time to Linux's that the benchmarks
// aim for: clk at most half as slow as Linux on each.
const goal = 0.5

// row is one benchmark's best figures on the two systems; a missing figure
// has ok false.
type row struct {
	name    string
	clk     figure
	clkOK   bool
	linux   figure
	linuxOK bool
}

// ratio returns clk's time over Linux's, lower being better for clk, and
// whether both figures exist and make a ratio.
func (r row) ratio() (float64, bool) {
	if !r.clkOK || !r.linuxOK || r.linux.nsPerOp <= 0 {
		return 0, false
	}
	return r.clk.nsPerOp / r.linux.nsPerOp, true
}

// rows pairs the figures of the two systems: the expected benchmarks first,
// then any other that either printed, clk's before Linux's.
func rows(clk, linux *best) []row {
	names := slices.Clone(benchmarks)
	for _, b := range []*best{clk, linux} {
		for _, name := range b.order {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	rs := make([]row, len(names))
	for i, name := range names {
		rs[i].name = name
		rs[i].clk, rs[i].clkOK = clk.figures[name]
		rs[i].linux, rs[i].linuxOK = linux.figures[name]
	}
	return rs
}

// writeTable prints one line per row: the best ns/op on each system, the
// ratio and whether it meets the goal.
func writeTable(w io.Writer, rs []row) {
	fmt.Fprintf(w, "%-20s %14s %14s %10s  %s\n", "benchmark", "clk ns/op", "Linux ns/op", "clk/Linux", fmt.Sprintf("goal <= %.2fx", goal))
	for _, r := range rs {
		ratio, met := "-", "-"
		if q, ok := r.ratio(); ok {
			ratio = fmt.Sprintf("%.2fx", q)
			met = "not met"
			if q <= goal {
				met = "met"
			}
		}
		fmt.Fprintf(w, "%-20s %14s %14s %10s  %s\n", r.name,
			nsText(r.clk, r.clkOK), nsText(r.linux, r.linuxOK), ratio, met)
	}
}

func nsText(f figure, ok bool) string {
	if !ok {
		return "missing"
	}
	return strconv.FormatFloat(f.nsPerOp, 'f', 1, 64)
}

// verdict sums up the goal over the expected benchmarks: met when every
// ratio is at most goal, not met when one is above it, and not known when a
// figure is missing and no ratio is above the goal.
func verdict(rs []row) string {
	var above, unknown []string
	for _, r := range rs {
		if !slices.Contains(benchmarks, r.name) {
			continue
		}
		q, ok := r.ratio()
		switch {
		case !ok:
			unknown = append(unknown, r.name)
		case q > goal:
			above = append(above, fmt.Sprintf("%s at %.2fx", r.name, q))
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
