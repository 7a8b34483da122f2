package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"clk/bench/vslinux"
)

// rate is one figure: an amount per second, higher being better.
type rate struct {
	name, unit string
	value      float64
}

// bestRates keeps, for each figure, the highest rate over the boots of one
// system: the host's other work only ever slows a guest down. The zero
// value is empty and ready to use.
type bestRates struct {
	value map[string]float64
	unit  map[string]string
	order []string // names in the order first seen
}

// add records one figure and reports whether it is the best so far.
func (b *bestRates) add(r rate) bool {
	if b.value == nil {
		b.value, b.unit = map[string]float64{}, map[string]string{}
	}
	old, ok := b.value[r.name]
	if !ok {
		b.order = append(b.order, r.name)
		b.unit[r.name] = r.unit
	}
	if ok && r.value <= old {
		return false
	}
	b.value[r.name] = r.value
	return true
}

// row is one figure's best on the two systems; a system without one has
// has false.
type row struct {
	name, unit string
	value      [2]float64 // by vslinux.Clk and vslinux.Linux
	has        [2]bool
}

// ratio returns clk's rate over Linux's, above 1 when clk is faster, and
// whether both figures exist and make a ratio.
func (r row) ratio() (float64, bool) {
	if !r.has[vslinux.Clk] || !r.has[vslinux.Linux] || r.value[vslinux.Linux] <= 0 {
		return 0, false
	}
	return r.value[vslinux.Clk] / r.value[vslinux.Linux], true
}

// ratioLabel heads the ratio column: which rate is divided by which, so
// that it cannot be read upside down (the other vslinux tables divide
// times, where below 1 is better).
const ratioLabel = "clk/Linux rate"

// rows pairs the two systems' figures: the names of want first, then any
// other figure either system has, clk's before Linux's.
func rows(want []string, units map[string]string, clk, linux *bestRates) []row {
	names := slices.Clone(want)
	for _, b := range []*bestRates{clk, linux} {
		for _, name := range b.order {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	out := make([]row, len(names))
	for i, name := range names {
		out[i].name, out[i].unit = name, units[name]
		for sys, b := range []*bestRates{clk, linux} {
			out[i].value[sys], out[i].has[sys] = b.value[name]
			if u := b.unit[name]; out[i].unit == "" && u != "" {
				out[i].unit = u
			}
		}
	}
	return out
}

// writeTable prints one line per row: the best rate on each system
// ("missing" when there is none) and the ratio of clk's to Linux's ("-"
// without both).
func writeTable(w io.Writer, rs []row) {
	width := len("figure")
	for _, r := range rs {
		width = max(width, len(r.name))
	}
	line := func(cells ...string) {
		fmt.Fprintf(w, "%-*s %-6s %10s %10s %15s\n", width, cells[0], cells[1], cells[2], cells[3], cells[4])
	}
	line("figure", "unit", "clk", "Linux", ratioLabel)
	for _, r := range rs {
		ratio := "-"
		if q, ok := r.ratio(); ok {
			ratio = fmt.Sprintf("%.2fx", q)
		}
		line(r.name, r.unit, rateText(r, vslinux.Clk), rateText(r, vslinux.Linux), ratio)
	}
}

func rateText(r row, sys int) string {
	if !r.has[sys] {
		return "missing"
	}
	digits := 2
	if r.value[sys] >= 100 {
		digits = 1
	}
	return strconv.FormatFloat(r.value[sys], 'f', digits, 64)
}

// goalVerdict says whether clk's rate is at least goal times Linux's on
// every row that has both figures, naming the rows where it is not.
func goalVerdict(rs []row, goal float64) string {
	var below, unknown []string
	for _, r := range rs {
		q, ok := r.ratio()
		switch {
		case !ok:
			unknown = append(unknown, r.name)
		case q < goal:
			below = append(below, fmt.Sprintf("%s %.2fx", r.name, q))
		}
	}
	s := "met"
	if len(below) > 0 {
		s = fmt.Sprintf("not met on %d of %d: %s", len(below), len(rs), strings.Join(below, ", "))
	}
	if len(unknown) > 0 {
		s += fmt.Sprintf("; no ratio for %s", strings.Join(unknown, ", "))
	}
	return s
}
