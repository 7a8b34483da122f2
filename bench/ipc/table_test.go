package main

import (
	"strings"
	"testing"
)

func bestOf(t *testing.T, console string) *best {
	t.Helper()
	out, err := parse(console)
	if err != nil {
		t.Fatal(err)
	}
	var b best
	b.merge(out)
	return &b
}

func TestVerdict(t *testing.T) {
	linux := "BENCH null-syscall 1 800.0\nBENCH channel-roundtrip 1 10000.0\n"
	tests := []struct {
		name string
		clk  string
		want string
	}{
		{"both met", "BENCH null-syscall 1 400.0\nBENCH channel-roundtrip 1 1000.0\n", "met"},
		{"one above", "BENCH null-syscall 1 401.0\nBENCH channel-roundtrip 1 1000.0\n", "not met: null-syscall at 0.50x"},
		{"both above", "BENCH null-syscall 1 800.0\nBENCH channel-roundtrip 1 20000.0\n",
			"not met: null-syscall at 1.00x, channel-roundtrip at 2.00x"},
		{"no clk figures", "", "not known: no ratio for null-syscall, channel-roundtrip"},
		{"one missing", "BENCH null-syscall 1 100.0\n", "not known: no ratio for channel-roundtrip"},
		{"above beats missing", "BENCH channel-roundtrip 1 9000.0\n", "not met: channel-roundtrip at 0.90x"},
		{"extra benchmarks do not count", "BENCH null-syscall 1 1.0\nBENCH channel-roundtrip 1 1.0\nBENCH spawn 1 1e9\n", "met"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := rows(bestOf(t, tt.clk), bestOf(t, linux))
			if got := verdict(rs); got != tt.want {
				t.Errorf("verdict %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRowsAndTable(t *testing.T) {
	clk := bestOf(t, "BENCH spawn 3 5000.0\nBENCH null-syscall 10 200.0\n")
	linux := bestOf(t, "BENCH null-syscall 10 800.0\nBENCH channel-roundtrip 5 839586.3\nBENCH fork 2 1.0\n")
	rs := rows(clk, linux)
	var names []string
	for _, r := range rs {
		names = append(names, r.name)
	}
	if got, want := strings.Join(names, " "), "null-syscall channel-roundtrip spawn fork"; got != want {
		t.Errorf("rows %q, want %q", got, want)
	}
	if q, ok := rs[0].ratio(); !ok || q != 0.25 {
		t.Errorf("null-syscall ratio %v, %v; want 0.25", q, ok)
	}
	if _, ok := rs[1].ratio(); ok {
		t.Error("channel-roundtrip has a ratio without a clk figure")
	}

	var b strings.Builder
	writeTable(&b, rs)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 1+len(rs) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), 1+len(rs), b.String())
	}
	wantFields := [][]string{
		{"benchmark", "clk", "ns/op", "Linux", "ns/op", "clk/Linux", "goal", "<=", "0.50x"},
		{"null-syscall", "200.0", "800.0", "0.25x", "met"},
		{"channel-roundtrip", "missing", "839586.3", "-", "-"},
		{"spawn", "5000.0", "missing", "-", "-"},
		{"fork", "missing", "1.0", "-", "-"},
	}
	for i, want := range wantFields {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d %q, want fields %q", i+1, lines[i], want)
		}
	}
}

func TestTableSaysNotMet(t *testing.T) {
	rs := rows(bestOf(t, "BENCH null-syscall 1 600.0\n"), bestOf(t, "BENCH null-syscall 1 800.0\n"))
	var b strings.Builder
	writeTable(&b, rs)
	if !strings.Contains(b.String(), "0.75x  not met") {
		t.Errorf("table does not say 0.75x not met:\n%s", b.String())
	}
}
