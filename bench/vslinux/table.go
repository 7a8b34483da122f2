package vslinux

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Best keeps, for each benchmark, the lowest time per operation over the
// boots of one system: the host's other work only ever slows a guest down.
// The zero value is empty and ready to use.
type Best struct {
	NsPerOp map[string]float64
	Order   []string // benchmark names in the order first seen
}

// Add records one figure and reports whether it is the benchmark's best so
// far, so that a caller can keep what goes with it.
func (b *Best) Add(name string, nsPerOp float64) bool {
	if b.NsPerOp == nil {
		b.NsPerOp = map[string]float64{}
	}
	old, ok := b.NsPerOp[name]
	if !ok {
		b.Order = append(b.Order, name)
	}
	if ok && nsPerOp >= old {
		return false
	}
	b.NsPerOp[name] = nsPerOp
	return true
}

// Row is one benchmark's best figures on the two systems; a system without
// a figure has Has false.
type Row struct {
	Name    string
	NsPerOp [2]float64 // by Clk and Linux
	Has     [2]bool
}

// Ratio returns clk's time over Linux's, below 1 when clk is faster, and
// whether both figures exist and make a ratio.
func (r Row) Ratio() (float64, bool) {
	if !r.Has[Clk] || !r.Has[Linux] || r.NsPerOp[Linux] <= 0 {
		return 0, false
	}
	return r.NsPerOp[Clk] / r.NsPerOp[Linux], true
}

// RatioLabel heads the ratio column of every table: which time is divided
// by which, so that it cannot be read upside down.
const RatioLabel = "clk time / Linux time"

// RatioText is a ratio as the tables print it: the quotient of clk's time
// over Linux's, then in words which system was faster, so that a cell
// copied out of its table still says which way it goes. Quotients within
// half a percent of 1 read "same".
func RatioText(q float64) string {
	verdict := "same"
	switch {
	case q > 1.005:
		verdict = "clk slower"
	case q < 0.995:
		verdict = "clk faster"
	}
	return fmt.Sprintf("%.2fx (%s)", q, verdict)
}

// Rows pairs the two systems' figures: the names of want first, then any
// other benchmark either system printed, clk's before Linux's.
func Rows(want []string, clk, linux *Best) []Row {
	names := slices.Clone(want)
	for _, b := range []*Best{clk, linux} {
		for _, name := range b.Order {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	rows := make([]Row, len(names))
	for i, name := range names {
		rows[i].Name = name
		for sys, b := range []*Best{clk, linux} {
			rows[i].NsPerOp[sys], rows[i].Has[sys] = b.NsPerOp[name]
		}
	}
	return rows
}

// Column is an extra column of a table: its heading and its text for a row.
type Column struct {
	Heading string
	Text    func(Row) string
}

// WriteTable prints one line per row: the best ns/op on each system
// ("missing" when there is none), the ratio of clk's time to Linux's with
// its verdict (RatioText; "-" without both figures), then the extra columns.
func WriteTable(w io.Writer, rows []Row, extra ...Column) {
	width := len("benchmark")
	for _, r := range rows {
		width = max(width, len(r.Name))
	}
	line := func(cells ...string) {
		fmt.Fprintf(w, "%-*s %14s %14s %21s", width, cells[0], cells[1], cells[2], cells[3])
		for _, c := range cells[4:] {
			fmt.Fprintf(w, "  %s", c)
		}
		fmt.Fprintln(w)
	}
	head := []string{"benchmark", "clk ns/op", "Linux ns/op", RatioLabel}
	for _, c := range extra {
		head = append(head, c.Heading)
	}
	line(head...)
	for _, r := range rows {
		ratio := "-"
		if q, ok := r.Ratio(); ok {
			ratio = RatioText(q)
		}
		cells := []string{r.Name, nsText(r, Clk), nsText(r, Linux), ratio}
		for _, c := range extra {
			cells = append(cells, c.Text(r))
		}
		line(cells...)
	}
}

func nsText(r Row, sys int) string {
	if !r.Has[sys] {
		return "missing"
	}
	return strconv.FormatFloat(r.NsPerOp[sys], 'f', 1, 64)
}
