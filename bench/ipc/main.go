package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"clk/image/systest"
)

func main() { os.Exit(run()) }

// guest is one system the benchmarks run on.
type guest struct {
	name string
	boot systest.Boot
	// wantStatus are QEMU's exit statuses when the guest ended well:
	// both power the machine off (QEMU exits with 0); clk falls back to
	// isa-debug-exit with status 0 (QEMU exits with 0<<1|1) where ACPI
	// does not let it.
	wantStatus []int
	// end matches the console text after which the guest has nothing
	// more to say: the done line, or for clk also its shell's prompt,
	// which means that the kernel did not run the program.
	end *regexp.Regexp
}

var (
	linuxEnd = regexp.MustCompile(`BENCH done[ \t\r]*\n`)
	clkEnd   = regexp.MustCompile(`BENCH done[ \t\r]*\n|` + regexp.QuoteMeta(systest.Prompt))
)

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
		fmt.Fprintln(os.Stderr, "ipcbench: -runs and -smp must be at least 1, -timeout positive")
		return 2
	}
	if *kernel == "" {
		fmt.Fprintln(os.Stderr, "ipcbench: -linux-kernel is required")
		return 2
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ipcbench: unexpected arguments %q\n", flag.Args())
		return 2
	}
	for _, path := range []string{*clkELF, *clkInitrd, *kernel, *initrd} {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(os.Stderr, "ipcbench: %v\n", err)
			return 2
		}
	}
	// The same QEMU command line for both, but for what is booted:
	// machine, CPUs, memory (CLK_QEMU_MEM), accelerator (CLK_QEMU_ACCEL),
	// devices.
	common := []string{"-M", "pc", "-smp", strconv.Itoa(*smp)}
	guests := []guest{
		{
			name: "clk",
			boot: systest.Boot{Name: "clk", Args: slices.Concat(common,
				[]string{"-kernel", *clkELF, "-initrd", *clkInitrd, "-append", "clk.run=ipcbench"})},
			wantStatus: []int{0, 1},
			end:        clkEnd,
		},
		{
			name: "Linux",
			boot: systest.Boot{Name: "Linux", Args: slices.Concat(common,
				[]string{"-kernel", *kernel, "-initrd", *initrd, "-append", "console=ttyS0 quiet"})},
			wantStatus: []int{0},
			end:        linuxEnd,
		},
	}
	fmt.Printf("QEMU: %s -cpu max -m %s -accel %s %s, best of %d boots each, one after the other\n",
		systest.QEMU(), envOr("CLK_QEMU_MEM", "512M"), envOr("CLK_QEMU_ACCEL", "tcg"),
		strings.Join(common, " "), *runs)

	bests := make([]best, len(guests))
	failed := make([]bool, len(guests))
	for r := 1; r <= *runs; r++ {
		// Alternating the systems lets a slow change in the host's
		// load fall on both.
		for i, g := range guests {
			if failed[i] {
				continue
			}
			out, took, err := boot(g, *timeout)
			if out != nil {
				bests[i].merge(out)
				fmt.Printf("boot %d %-5s %s in %.1f s\n", r, g.name, summary(out), took.Seconds())
			}
			if err != nil {
				// A guest that fails once most likely fails
				// again: it is not booted any more.
				fmt.Fprintf(os.Stderr, "ipcbench: %s, boot %d: %v\n", g.name, r, err)
				failed[i] = true
			}
		}
	}
	fmt.Println()
	rs := rows(&bests[0], &bests[1])
	writeTable(os.Stdout, rs)
	fmt.Printf("goal, clk <= %.2fx Linux on %s: %s\n", goal, strings.Join(benchmarks, " and "), verdict(rs))
	for i, g := range guests {
		if failed[i] {
			fmt.Printf("%s did not print all its BENCH lines: see the error above\n", g.name)
		}
	}
	if slices.Contains(failed, true) {
		return 1
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// boot runs the benchmark program once on g and returns what it printed
// (possibly only part of it, when there is also an error) and the time from
// QEMU's start to the end of the output. It fails when the program's lines
// do not all come: a wrong exit status after them only earns a warning,
// since the figures are there.
func boot(g guest, timeout time.Duration) (*output, time.Duration, error) {
	m, err := systest.Start(context.Background(), g.boot, systest.Options{Timeout: timeout})
	if err != nil {
		return nil, 0, err
	}
	defer m.Kill()
	end, endErr := m.ExpectRegexp(g.end, timeout)
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
	case !out.done && end[1] == systest.Prompt:
		return out, took, fmt.Errorf("the kernel started its shell rather than the program, after %d BENCH lines "+
			"(does it run clk.run=ipcbench, and does the initrd hold ipcbench?); console:\n%s",
			len(out.order), tail(m.Console()))
	}
	status, err := m.Wait(time.Minute)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "ipcbench: warning: %s after BENCH done: %v\n", g.name, err)
	case !slices.Contains(g.wantStatus, status):
		fmt.Fprintf(os.Stderr, "ipcbench: warning: %s: QEMU exited with status %d after BENCH done, want one of %v\n",
			g.name, status, g.wantStatus)
	}
	if missing := out.missing(benchmarks); len(missing) > 0 {
		return out, took, fmt.Errorf("no BENCH line for %s; console:\n%s", strings.Join(missing, ", "), tail(m.Console()))
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

// tail returns the end of a console, which explains a failure.
func tail(console string) string {
	const limit = 2000
	if len(console) > limit {
		return "..." + console[len(console)-limit:]
	}
	return console
}
