package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"clk/bench/vslinux"
)

// linuxConsole is a Linux guest's console as systest keeps it: firmware
// banners, then the program's lines, then the kernel's last message.
const linuxConsole = `SeaBIOS (version 1.16.2-debian-1.16.2-1)


iPXE (http://ipxe.org) 00:03.0 CA00 PCI2.10 PnP PMM+1EFCF000+1EF0F000 CA00
Press Ctrl-B to configure iPXE (PCI 00:03.0)...


Booting from ROM...
BENCH null-syscall 1414886 783.5
BENCH channel-roundtrip 6365 839586.3
BENCH done
[    8.438867] reboot: Power down
`

// clkConsole has CRLF line ends, a line a log message left unfinished and a
// benchmark the harness does not know.
const clkConsole = "clk: booting\r\n" +
	"clk: run ipcbench\r\n" +
	"BENCH null-syscall 5000000 120.0\r\n" +
	"[cpu1] timer calibrated BENCH channel-roundtrip 200000 4100.5\r\n" +
	"BENCH spawn 1000 90000.0\r\n" +
	"BENCH done\r\n" +
	"clk: ipcbench exited with status 0\r\n"

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		console string
		want    map[string]figure
		order   []string
		done    bool
	}{
		{
			name:    "Linux",
			console: linuxConsole,
			want: map[string]figure{
				"null-syscall":      {1414886, 783.5},
				"channel-roundtrip": {6365, 839586.3},
			},
			order: []string{"null-syscall", "channel-roundtrip"},
			done:  true,
		},
		{
			name:    "clk",
			console: clkConsole,
			want: map[string]figure{
				"null-syscall":      {5000000, 120},
				"channel-roundtrip": {200000, 4100.5},
				"spawn":             {1000, 90000},
			},
			order: []string{"null-syscall", "channel-roundtrip", "spawn"},
			done:  true,
		},
		{
			name:    "no lines",
			console: "clk: booting\nclk> ",
			want:    map[string]figure{},
		},
		{
			name:    "cut short",
			console: "BENCH null-syscall 10 1.0\nBENCH channel-round",
			want:    map[string]figure{"null-syscall": {10, 1}},
			order:   []string{"null-syscall"},
		},
		{
			name:    "no newline at all",
			console: "BENCH null-syscall 10 1.0",
			want:    map[string]figure{},
		},
		{
			name:    "after a word that ends in BENCH",
			console: "XBENCH null-syscall 10 1.0 XBENCH BENCH channel-roundtrip 2 3.0\n",
			want:    map[string]figure{"channel-roundtrip": {2, 3}},
			order:   []string{"channel-roundtrip"},
		},
		{
			name:    "BENCH only within a word",
			console: "XBENCH null-syscall 10 1.0\nBENCHMARK 1 2 3\n",
			want:    map[string]figure{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := parse(tt.console)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.figures) != len(tt.want) {
				t.Errorf("figures %v, want %v", out.figures, tt.want)
			}
			for name, want := range tt.want {
				if got, ok := out.figures[name]; !ok || got != want {
					t.Errorf("%s: %+v (found %v), want %+v", name, got, ok, want)
				}
			}
			if !slices.Equal(out.order, tt.order) {
				t.Errorf("order %q, want %q", out.order, tt.order)
			}
			if out.done != tt.done {
				t.Errorf("done = %v, want %v", out.done, tt.done)
			}
		})
	}
}

func TestParseRejectsMalformedLines(t *testing.T) {
	tests := []struct {
		name    string
		console string
		blame   string // a part of the error
	}{
		{"too few fields", "BENCH null-syscall 100\n", `"BENCH null-syscall 100"`},
		{"too many fields", "BENCH null-syscall 100 1.0 ns/op\n", "ns/op"},
		{"done with more", "BENCH done 3\n", "BENCH done 3"},
		{"iterations not a number", "BENCH null-syscall many 1.0\n", "iterations"},
		{"zero iterations", "BENCH null-syscall 0 1.0\n", "iterations"},
		{"negative time", "BENCH null-syscall 10 -1.0\n", "ns/op"},
		{"time not a number", "BENCH null-syscall 10 NaN\n", "ns/op"},
		{"infinite time", "BENCH null-syscall 10 +Inf\n", "ns/op"},
		{"twice", "BENCH null-syscall 10 1.0\nBENCH null-syscall 20 2.0\n", "twice"},
		{"after done", "BENCH done\nBENCH null-syscall 10 1.0\n", "after the done line"},
		{"done twice", "BENCH done\nBENCH done\n", "second done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.console)
			if err == nil {
				t.Fatalf("no error for %q", tt.console)
			}
			if !strings.Contains(err.Error(), tt.blame) {
				t.Errorf("error %q does not mention %q", err, tt.blame)
			}
		})
	}
}

func TestParseKeepsGoodLinesBesideBadOnes(t *testing.T) {
	out, err := parse("BENCH null-syscall 10 1.5\nBENCH channel-roundtrip x 2\nBENCH done\n")
	if err == nil {
		t.Fatal("no error for a bad line")
	}
	if f, ok := out.figures["null-syscall"]; !ok || f.nsPerOp != 1.5 {
		t.Errorf("null-syscall: %+v, %v; want 1.5 ns/op", f, ok)
	}
	if !out.done {
		t.Error("the done line was lost")
	}
}

func TestMissing(t *testing.T) {
	out, err := parse("BENCH channel-roundtrip 10 1.0\nBENCH other 1 1\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.missing(benchmarks), []string{"null-syscall"}; !slices.Equal(got, want) {
		t.Errorf("missing %q, want %q", got, want)
	}
	full, err := parse(linuxConsole)
	if err != nil {
		t.Fatal(err)
	}
	if got := full.missing(benchmarks); len(got) != 0 {
		t.Errorf("missing %q from a complete console", got)
	}
}

func TestBestKeepsFastest(t *testing.T) {
	var b vslinux.Best
	for _, console := range []string{
		"BENCH null-syscall 10 300.0\nBENCH channel-roundtrip 5 9000.0\n",
		"BENCH null-syscall 20 200.0\n", // a partial boot counts too
		"BENCH null-syscall 30 250.0\nBENCH channel-roundtrip 6 8000.0\nBENCH extra 1 1.0\n",
	} {
		out, err := parse(console)
		if err != nil {
			t.Fatal(err)
		}
		merge(&b, out)
	}
	want := map[string]float64{"null-syscall": 200, "channel-roundtrip": 8000, "extra": 1}
	for name, w := range want {
		if got := b.NsPerOp[name]; got != w {
			t.Errorf("%s: %v ns/op, want %v", name, got, w)
		}
	}
	if wantOrder := []string{"null-syscall", "channel-roundtrip", "extra"}; !slices.Equal(b.Order, wantOrder) {
		t.Errorf("order %q, want %q", b.Order, wantOrder)
	}
}

// TestParsesTheLinuxGuest runs ./linuxguest on the host, briefly, and checks
// that parse finds every expected benchmark and the done line in what it
// prints, so that the program and the harness agree on the format.
func TestParsesTheLinuxGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the guest program")
	}
	goCmd, ok := vslinux.HostGo()
	if !ok {
		t.Skip("no go command to build the guest program")
	}
	cmd := exec.Command(goCmd, "run", "./linuxguest", "-benchtime", "10ms")
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run ./linuxguest: %v\n%s", err, got)
	}
	out, err := parse(string(got))
	if err != nil {
		t.Fatal(err)
	}
	if missing := out.missing(benchmarks); len(missing) > 0 {
		t.Errorf("no line for %q in:\n%s", missing, got)
	}
	if !out.done {
		t.Errorf("no done line in:\n%s", got)
	}
	if !slices.Equal(out.order, benchmarks) {
		t.Errorf("benchmarks %q, want %q", out.order, benchmarks)
	}
}
