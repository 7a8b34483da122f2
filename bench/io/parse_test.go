package main

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseFindsTheGuestsLinesAmongKernelMessages(t *testing.T) {
	console := strings.Join([]string{
		"SeaBIOS (version 1.16.2-debian-1.16.2-1)",
		"[    0.000000] Linux version 6.1.0-57-cloud-amd64",
		"clk: storage: fatfs (pid 4) serves the disk",
		"BENCH disk-write 16777216 4000000000",
		// A kernel message left unfinished before the program's line.
		"[  3.1] random: crng init done BENCH disk-read 16777216 1000000000",
		"iobench: network: something went wrong",
		"NOTBENCH ready",
		"BENCH ready",
		"BENCH done",
		"reboot: Power down",
		"BENCH unfinished 1",
	}, "\n")
	out, err := parse(console)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.order, []string{diskWrite, diskRead}) || !out.ready || !out.done {
		t.Fatalf("parsed %+v", out)
	}
	if got := out.figures[diskWrite].mibPerSec(); got != 4 {
		t.Errorf("disk-write %v MiB/s, want 16 MiB in 4 s, 4", got)
	}
	if got := out.figures[diskRead].mibPerSec(); got != 16 {
		t.Errorf("disk-read %v MiB/s, want 16", got)
	}
	if len(out.errors) != 1 || out.errors[0] != "iobench: network: something went wrong" {
		t.Errorf("errors %q", out.errors)
	}
}

func TestParseWithoutANewlineHasNothingYet(t *testing.T) {
	out, err := parse("BENCH disk-write 1048576 1000")
	if err != nil || len(out.order) != 0 || out.ready {
		t.Errorf("parse of a line still coming: %+v, %v", out, err)
	}
}

func TestParseRejectsWhatTheProgramDoesNotPrint(t *testing.T) {
	for _, console := range []string{
		"BENCH disk-write 1048576\n",
		"BENCH disk-write 0 1000\n",
		"BENCH disk-write 1048576 -5\n",
		"BENCH disk-write 1048576 1.5\n",
		"BENCH disk-write 1 1\nBENCH disk-write 1 1\n",
		"BENCH ready\nBENCH ready\n",
		"BENCH done\nBENCH disk-read 1 1\n",
		"BENCH done now\n",
	} {
		if _, err := parse(console); err == nil {
			t.Errorf("parse(%q) succeeded", console)
		}
	}
}

func TestMiBPerSecond(t *testing.T) {
	f := guestFigure{bytes: 3 << 20, ns: 1_500_000_000}
	if got := f.mibPerSec(); math.Abs(got-2) > 1e-9 {
		t.Errorf("3 MiB in 1.5 s: %v MiB/s, want 2", got)
	}
}
