package qemu

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConsoleFilterShowsWhatATerminalShows(t *testing.T) {
	// GRUB's screen set-up and line endings, split at awkward places.
	chunks := []string{"\x1b[H\x1b[J\x1b[1", ";1H  Booting `clk'\n\r\n\r", "\x1b(Bclk\x1b", "[0m> \x07\r\n"}
	var f consoleFilter
	var got []byte
	for _, c := range chunks {
		got = f.append(got, []byte(c))
	}
	if want := "  Booting `clk'\n\nclk> \n"; string(got) != want {
		t.Errorf("filtered console = %q, want %q", got, want)
	}
}

// TestWaitReturnsWithTheWholeConsole runs a stand-in for QEMU that writes
// more than a pipe holds and ends at once: after Wait, Console has all of
// it, although the end of the process and the end of its output reach this
// process in either order.
func TestWaitReturnsWithTheWholeConsole(t *testing.T) {
	script := filepath.Join(t.TempDir(), "qemu")
	const lines = 20000
	body := fmt.Sprintf("#!/bin/sh\ni=0\nwhile [ $i -lt %d ]; do echo \"line $i of the console\"; i=$((i+1)); done\n", lines)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CLK_QEMU", script)
	for try := range 5 {
		m, err := StartCommand(context.Background(), Command{Boot: Kernel("stand-in", "pc", "k", "", "")}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		status, err := m.Wait(time.Minute)
		if err != nil || status != 0 {
			t.Fatalf("Wait: %d, %v", status, err)
		}
		if got := strings.Count(m.Console(), "\n"); got != lines {
			t.Fatalf("try %d: %d lines on the console after Wait, want %d", try, got, lines)
		}
		m.Kill()
	}
}
