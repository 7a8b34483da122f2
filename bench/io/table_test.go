package main

import (
	"strings"
	"testing"
)

func TestBestRatesKeepTheHighest(t *testing.T) {
	var b bestRates
	for _, tt := range []struct {
		r    rate
		best bool
	}{
		{rate{"a", "MiB/s", 5}, true},
		{rate{"b", "req/s", 9}, true},
		{rate{"a", "MiB/s", 3}, false},
		{rate{"a", "MiB/s", 7}, true},
		{rate{"b", "req/s", 9}, false},
	} {
		if got := b.add(tt.r); got != tt.best {
			t.Errorf("add(%v) = %v, want %v", tt.r, got, tt.best)
		}
	}
	if b.value["a"] != 7 || b.value["b"] != 9 || strings.Join(b.order, " ") != "a b" || b.unit["b"] != "req/s" {
		t.Errorf("best %v %v in order %q", b.value, b.unit, b.order)
	}
}

func TestRatioIsClksRateOverLinuxs(t *testing.T) {
	var clk, linux bestRates
	clk.add(rate{"disk-write", "MiB/s", 2})
	linux.add(rate{"disk-write", "MiB/s", 8})
	clk.add(rate{"http-requests", "req/s", 300})
	linux.add(rate{"http-requests", "req/s", 200})
	rs := rows([]string{"disk-write", "http-requests", "disk-read"}, map[string]string{"disk-read": "MiB/s"}, &clk, &linux)
	if q, ok := rs[0].ratio(); !ok || q != 0.25 {
		t.Errorf("disk-write ratio %v, %v; want clk's 2 over Linux's 8, 0.25", q, ok)
	}
	if q, ok := rs[1].ratio(); !ok || q != 1.5 {
		t.Errorf("http-requests ratio %v, %v; want 1.5", q, ok)
	}
	if _, ok := rs[2].ratio(); ok || rs[2].unit != "MiB/s" {
		t.Errorf("disk-read without figures: ratio %v, unit %q", ok, rs[2].unit)
	}
	if got := goalVerdict(rs, 1); got != "not met on 1 of 3: disk-write 0.25x; no ratio for disk-read" {
		t.Errorf("goal verdict %q", got)
	}
	if got := goalVerdict(rs[1:2], 1); got != "met" {
		t.Errorf("goal verdict %q, want met", got)
	}
}

func TestTableLabelsTheRatioAndShowsMissingFigures(t *testing.T) {
	var clk, linux bestRates
	clk.add(rate{"a", "MiB/s", 1.234})
	linux.add(rate{"a", "MiB/s", 4.936})
	clk.add(rate{"b", "req/s", 150})
	linux.add(rate{"c", "MiB/s", 2})
	var b strings.Builder
	writeTable(&b, rows(nil, nil, &clk, &linux))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := [][]string{
		{"figure", "unit", "clk", "Linux", "clk/Linux", "rate"},
		{"a", "MiB/s", "1.23", "4.94", "0.25x"},
		{"b", "req/s", "150.0", "missing", "-"},
		{"c", "MiB/s", "missing", "2.00", "-"},
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
