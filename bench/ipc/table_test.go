package main

import (
	"strings"
	"testing"

	"clk/bench/vslinux"
)

func bestOf(t *testing.T, console string) *vslinux.Best {
	t.Helper()
	out, err := parse(console)
	if err != nil {
		t.Fatal(err)
	}
	var b vslinux.Best
	merge(&b, out)
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
			rs := vslinux.Rows(benchmarks, bestOf(t, tt.clk), bestOf(t, linux))
			if got := verdict(rs); got != tt.want {
				t.Errorf("verdict %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTableSaysWhetherEachRowMeetsTheGoal(t *testing.T) {
	clk := bestOf(t, "BENCH null-syscall 1 600.0\nBENCH channel-roundtrip 1 100.0\n")
	linux := bestOf(t, "BENCH null-syscall 1 800.0\nBENCH channel-roundtrip 1 1000.0\n")
	var b strings.Builder
	vslinux.WriteTable(&b, vslinux.Rows(benchmarks, clk, linux), goalColumn)
	for _, want := range []string{"0.75x (clk faster)  not met", "0.10x (clk faster)  met", "goal: clk time / Linux time <= 0.50x"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
