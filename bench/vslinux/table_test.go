package vslinux

import (
	"strings"
	"testing"
)

func best(figures ...any) *Best {
	var b Best
	for i := 0; i < len(figures); i += 2 {
		b.Add(figures[i].(string), figures[i+1].(float64))
	}
	return &b
}

func TestBestKeepsTheLowestTime(t *testing.T) {
	var b Best
	for _, tt := range []struct {
		name string
		ns   float64
		best bool
	}{{"a", 5, true}, {"b", 9, true}, {"a", 7, false}, {"a", 3, true}, {"b", 9, false}} {
		if got := b.Add(tt.name, tt.ns); got != tt.best {
			t.Errorf("Add(%s, %v) = %v, want %v", tt.name, tt.ns, got, tt.best)
		}
	}
	if b.NsPerOp["a"] != 3 || b.NsPerOp["b"] != 9 || strings.Join(b.Order, " ") != "a b" {
		t.Errorf("best %v in order %q, want a 3 and b 9 in order a b", b.NsPerOp, b.Order)
	}
}

func TestRowsPairTheSystems(t *testing.T) {
	clk := best("spawn", 5000.0, "null-syscall", 200.0)
	linux := best("null-syscall", 800.0, "channel-roundtrip", 839586.3, "fork", 1.0)
	rows := Rows([]string{"null-syscall", "channel-roundtrip"}, clk, linux)
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	if got, want := strings.Join(names, " "), "null-syscall channel-roundtrip spawn fork"; got != want {
		t.Errorf("rows %q, want %q", got, want)
	}
	if q, ok := rows[0].Ratio(); !ok || q != 0.25 {
		t.Errorf("null-syscall ratio %v, %v; want clk's 200 over Linux's 800, 0.25", q, ok)
	}
	if _, ok := rows[1].Ratio(); ok {
		t.Error("channel-roundtrip has a ratio without a clk figure")
	}
}

func TestTableLabelsTheRatioAndShowsMissingFigures(t *testing.T) {
	rows := Rows(nil, best("a", 200.0, "b", 10.0), best("a", 800.0, "c", 1.0))
	var b strings.Builder
	WriteTable(&b, rows, Column{"goal", func(r Row) string { return "g-" + r.Name }})
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := [][]string{
		{"benchmark", "clk", "ns/op", "Linux", "ns/op", "clk", "time", "/", "Linux", "time", "goal"},
		{"a", "200.0", "800.0", "0.25x", "(clk", "faster)", "g-a"},
		{"b", "10.0", "missing", "-", "g-b"},
		{"c", "missing", "1.0", "-", "g-c"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d %q, want fields %q", i+1, lines[i], w)
		}
	}
}

func TestRatioTextSaysWhichSystemWasFaster(t *testing.T) {
	for _, tt := range []struct {
		q    float64
		want string
	}{
		{0.25, "0.25x (clk faster)"},
		{1.25, "1.25x (clk slower)"},
		{1.001, "1.00x (same)"},
		{0.999, "1.00x (same)"},
	} {
		if got := RatioText(tt.q); got != tt.want {
			t.Errorf("RatioText(%v) = %q, want %q", tt.q, got, tt.want)
		}
	}
}
