package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"clk/bench/vslinux"
	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// wantStatus are QEMU's exit statuses when a guest ended well, by system:
// both power the machine off (QEMU exits with 0); clk falls back to
// isa-debug-exit with status 0 (QEMU exits with 0<<1|1) where ACPI does not
// let it.
var wantStatus = [2][]int{vslinux.Clk: {0, 1}, vslinux.Linux: {0}}

// ends match, by system, the console text after which the guest has nothing
// more to say: the done line, or for clk also its shell's prompt, which
// means that the kernel did not run the program.
var ends = [2]*regexp.Regexp{
	vslinux.Clk:   regexp.MustCompile(`BENCH done[ \t\r]*\n|` + regexp.QuoteMeta(qemu.Prompt)),
	vslinux.Linux: regexp.MustCompile(`BENCH done[ \t\r]*\n`),
}

// run returns the exit status, so that deferred clean-ups run before exit.
func run() int {
	clkELF := flag.String("clk", "build/clk.elf", "clk kernel ELF, booted through its PVH note")
	clkInitrd := flag.String("clk-initrd", "build/initrd.cpio", "clk's initrd, holding the ipcbench program")
	kernel := flag.String("linux-kernel", "", "Linux kernel image (scripts/linux-guest.sh kernel)")
	initrd := flag.String("linux-initrd", "build/ipcbench/initramfs.cpio", "initramfs with ./linuxguest built for GOOS=linux as /init")
	runs := flag.Int("runs", 2, "boots per system; each figure is the best of them")
	smp := flag.Int("smp", 1, "guest CPUs")
	timeout := flag.Duration("timeout", 5*time.Minute, "limit for one boot")
	flag.Parse()
	if *runs < 1 || *smp < 1 || *timeout <= 0 {
		fmt.Fprintln(os.Stderr, "bench-ipc: -runs and -smp must be at least 1, -timeout positive")
		return 2
	}
	if *kernel == "" {
		fmt.Fprintln(os.Stderr, "bench-ipc: -linux-kernel is required")
		return 2
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench-ipc: unexpected arguments %q\n", flag.Args())
		return 2
	}
	for _, path := range []string{*clkELF, *clkInitrd, *kernel, *initrd} {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(os.Stderr, "bench-ipc: %v\n", err)
			return 2
		}
	}
	plan := vslinux.Plan{
		Boots: [2]qemu.Boot{
			vslinux.Clk:   qemu.Kernel("clk", "pc", *clkELF, *clkInitrd, "clk.run=ipcbench"),
			vslinux.Linux: qemu.Kernel("Linux", "pc", *kernel, *initrd, "console=ttyS0 quiet"),
		},
		CPUs: *smp,
		Runs: *runs,
	}
	plan.Describe(os.Stdout)
	var bests [2]vslinux.Best
	failed := plan.Run(vslinux.Stderr("bench-ipc"), func(r, sys int, c qemu.Command) error {
		out, took, err := boot(sys, c, *timeout)
		if out != nil {
			merge(&bests[sys], out)
			fmt.Printf("boot %d %-5s %s in %.1f s\n", r, vslinux.Names[sys], summary(out), took.Seconds())
		}
		return err
	})
	fmt.Println()
	rs := vslinux.Rows(benchmarks, &bests[vslinux.Clk], &bests[vslinux.Linux])
	vslinux.WriteTable(os.Stdout, rs, goalColumn)
	fmt.Printf("goal, clk's time <= %.2fx Linux's on %s: %s\n", goal, strings.Join(benchmarks, " and "), verdict(rs))
	status := 0
	for sys, err := range failed {
		if err != nil {
			fmt.Printf("%s did not print all its BENCH lines: see the error above\n", vslinux.Names[sys])
			status = 1
		}
	}
	return status
}

// boot runs the benchmark program once on g and returns what it printed
// (possibly only part of it, when there is also an error) and the time from
// QEMU's start to the end of the output. It fails when the program's lines
// do not all come: a wrong exit status after them only earns a warning,
// since the figures are there.
func boot(sys int, c qemu.Command, timeout time.Duration) (*output, time.Duration, error) {
	m, err := qemu.StartCommand(context.Background(), c, timeout)
	if err != nil {
		return nil, 0, err
	}
	defer m.Kill()
	end, endErr := m.ExpectRegexp(ends[sys], timeout)
	took := time.Since(m.Started())
	out, err := parse(m.Console())
	if err != nil {
		return out, took, fmt.Errorf("unexpected BENCH lines: %w", err)
	}
	switch {
	case endErr != nil && len(out.order) == 0:
		return out, took, fmt.Errorf("the program printed no BENCH lines: %w", endErr)
	case endErr != nil:
		return out, took, fmt.Errorf("no BENCH done line after %s: %w", strings.Join(out.order, ", "), endErr)
	case !out.done && end[1] == qemu.Prompt:
		return out, took, fmt.Errorf("the kernel started its shell rather than the program, after %d BENCH lines "+
			"(does it run clk.run=ipcbench, and does the initrd hold ipcbench?); console:\n%s",
			len(out.order), vslinux.Tail(m.Console()))
	}
	status, err := m.Wait(time.Minute)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "bench-ipc: warning: %s after BENCH done: %v\n", vslinux.Names[sys], err)
	case !slices.Contains(wantStatus[sys], status):
		fmt.Fprintf(os.Stderr, "bench-ipc: warning: %s: QEMU exited with status %d after BENCH done, want one of %v\n",
			vslinux.Names[sys], status, wantStatus[sys])
	}
	if missing := out.missing(benchmarks); len(missing) > 0 {
		return out, took, fmt.Errorf("no BENCH line for %s; console:\n%s", strings.Join(missing, ", "), vslinux.Tail(m.Console()))
	}
	return out, took, nil
}

// summary formats one boot's figures.
func summary(o *output) string {
	if len(o.order) == 0 {
		return "no figures"
	}
	parts := make([]string, len(o.order))
	for i, name := range o.order {
		f := o.figures[name]
		parts[i] = fmt.Sprintf("%s %.1f ns/op (%d iterations)", name, f.nsPerOp, f.iters)
	}
	return strings.Join(parts, ", ")
}
