package main

import (
	"clk/bench/vslinux"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReadsEveryLineTheGuestPrints runs the guest program on the host, with
// one iteration per benchmark, and checks that the patterns boot uses find
// its start line, a begin and a bench line with an operation count for every
// benchmark, in that order, and its done line.
func TestReadsEveryLineTheGuestPrints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the guest program")
	}
	goCmd, ok := vslinux.HostGo()
	if !ok {
		t.Skip("no go command to build the guest program")
	}
	out, err := exec.Command(goCmd, "run", "./guest", "-benchtime", "1x").Output()
	if err != nil {
		t.Fatalf("go run ./guest: %v\n%s", err, out)
	}
	text := string(out)
	loc := startLine.FindStringIndex(text)
	if loc == nil {
		t.Fatalf("no start line in:\n%s", text)
	}
	var begun, benched []string
	done := false
	for _, f := range nextLine.FindAllStringSubmatch(text[loc[1]:], -1) {
		switch {
		case f[1] != "":
			begun = append(begun, f[1])
		case f[2] != "":
			if len(begun) == 0 || begun[len(begun)-1] != f[2] {
				t.Errorf("bench line for %s without its begin line", f[2])
			}
			benched = append(benched, f[2])
			ops := int64(0)
			for _, kv := range strings.Fields(f[5]) {
				if o := opsField.FindStringSubmatch(kv); o != nil {
					ops, _ = strconv.ParseInt(o[1], 10, 64)
				}
			}
			if ops < 1 {
				t.Errorf("bench line %q has no ops= count", f[0])
			}
		default:
			done = true
		}
	}
	want := []string{"chan-pingpong", "goroutine-spawn", "alloc-gc", "sha256-16MiB", "map-insert", "parallel-sha256-64MiB"}
	if !slices.Equal(benched, want) {
		t.Errorf("bench lines for %q, want %q", benched, want)
	}
	if !done {
		t.Errorf("no done line in:\n%s", text)
	}
}
