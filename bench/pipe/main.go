package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"time"

	"clk/actor/shell"
	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

var realTime = regexp.MustCompile(`real ([0-9]+\.[0-9]+)s\n`)

// run returns the exit status, so that deferred clean-ups run before exit.
func run() int {
	elf := flag.String("elf", "build/clk.elf", "kernel ELF to boot through its PVH note")
	lines := flag.Int("lines", 1000000, "lines through the pipeline")
	runs := flag.Int("runs", 3, "pipelines timed")
	timeout := flag.Duration("timeout", 10*time.Minute, "limit for the whole QEMU session")
	flag.Parse()

	m, err := qemu.Start(context.Background(), qemu.PVH("pc", *elf), qemu.Options{Timeout: *timeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-pipe:", err)
		return 1
	}
	defer m.Kill()
	if _, err := m.Expect(qemu.Prompt, 2*time.Minute); err != nil {
		fmt.Fprintln(os.Stderr, "bench-pipe: boot:", err)
		return 1
	}
	line := fmt.Sprintf("time yes | head -n %d | wc -l", *lines)
	var secs []float64
	for range *runs {
		reply, err := m.Command(line, *timeout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-pipe:", err)
			return 1
		}
		sub := realTime.FindStringSubmatch(reply)
		if sub == nil || !regexp.MustCompile(`(?m)^`+strconv.Itoa(*lines)+`$`).MatchString(reply) {
			fmt.Fprintf(os.Stderr, "bench-pipe: unexpected reply to %q: %q\n", line, reply)
			return 1
		}
		s, _ := strconv.ParseFloat(sub[1], 64)
		secs = append(secs, s)
	}
	slices.Sort(secs)
	med := secs[len(secs)/2]
	fmt.Printf("pipeline %q on clk (QEMU -accel %s -M pc): median of %d runs %.3f s (min %.3f, max %.3f)\n",
		line, qemu.Accel(), len(secs), med, secs[0], secs[len(secs)-1])
	fmt.Printf("  %.0f lines/s; %.0f messages/s into head's mailbox (%d lines per message)\n",
		float64(*lines)/med, float64(*lines)/float64(shell.BatchLines)/med, shell.BatchLines)
	return 0
}
