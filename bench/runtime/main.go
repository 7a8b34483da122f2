package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"clk/image/systest"
)

func main() { os.Exit(run()) }

// guest is one system the benchmark program runs on.
type guest struct {
	name string
	boot systest.Boot
	// wantStatus is QEMU's exit status when the guest ended well: clk reports
	// status 0 through isa-debug-exit (QEMU exits with 0<<1|1), Linux powers
	// the machine off (QEMU exits with 0).
	wantStatus int
}

// result is what one boot of the benchmark program printed, and what the
// host measured while it ran.
type result struct {
	nsPerOp  map[string]float64 // by benchmark name, the guest's clock
	cpuPerOp map[string]float64 // by benchmark name, QEMU's CPU time
	iters    map[string]int64
	extra    map[string]string // the key=value fields after ns/op but ops
	order    []string          // benchmark names as printed
	firstOut time.Duration     // QEMU start to the program's first line, host clock
	guestMs  int64             // run time by the guest's clock
	hostMs   int64             // the same interval by the host's clock
	cpuMs    int64             // QEMU's CPU time in that interval
	start    string            // the program's first line
	// clockRate is the guest's clock's speed relative to the host's, when
	// they disagree by more than 2%, else 1.
	clockRate float64
}

// correctClock sets clockRate and, when a guest's clock went wrong, scales
// its figures to the host's clock. A clock calibrated wrongly at boot is off
// by a constant factor, which the whole run shows.
func (r *result) correctClock() {
	r.clockRate = 1
	if r.hostMs <= 0 || r.guestMs <= 0 {
		return
	}
	rate := float64(r.guestMs) / float64(r.hostMs)
	if rate > 0.98 && rate < 1.02 {
		return
	}
	r.clockRate = rate
	for name, ns := range r.nsPerOp {
		r.nsPerOp[name] = ns / rate
	}
}

// run returns the exit status, so that deferred clean-ups run before exit.
func run() int {
	clkELF := flag.String("clk", "build/runtimebench/guest.elf", "the program built for GOOS=clk")
	kernel := flag.String("linux-kernel", "", "Linux kernel image (scripts/linux-guest.sh kernel)")
	initrd := flag.String("linux-initrd", "build/runtimebench/initramfs.cpio", "initramfs with the program built for GOOS=linux as /init")
	runs := flag.Int("runs", 2, "boots per system; each figure is the best of them")
	smp := flag.Int("smp", 1, "guest CPUs")
	benchtime := flag.String("benchtime", "1s", "time per benchmark in the guest (go test -benchtime)")
	timeout := flag.Duration("timeout", 10*time.Minute, "limit for one boot")
	together := flag.Bool("together", false, "boot clk and Linux at the same time rather than one after the other")
	linuxArgs := flag.String("linux-args", "", "extra Linux kernel parameters, e.g. mitigations=off")
	godebug := flag.String("godebug", "", "GODEBUG for both programs, e.g. cpu.avx=off,cpu.avx2=off")
	flag.Parse()
	if *runs < 1 || *smp < 1 {
		fmt.Fprintln(os.Stderr, "runtimebench: -runs and -smp must be at least 1")
		return 2
	}
	if *kernel == "" {
		fmt.Fprintln(os.Stderr, "runtimebench: -linux-kernel is required")
		return 2
	}
	// The same QEMU command line for both, but for what is booted: machine,
	// CPUs, memory (CLK_QEMU_MEM), accelerator (CLK_QEMU_ACCEL), devices.
	common := []string{"-M", "pc", "-smp", strconv.Itoa(*smp)}
	// Both kernels hand a NAME=VALUE word of their command line to the
	// program as an environment variable: clk before the "--" that starts
	// argv, Linux when the kernel does not know the name.
	env := ""
	if *godebug != "" {
		if strings.ContainsAny(*godebug, " \t\"%") {
			fmt.Fprintln(os.Stderr, "runtimebench: -godebug must not contain spaces, quotes or %")
			return 2
		}
		env = "GODEBUG=" + *godebug + " "
	}
	guests := []guest{
		{"clk", systest.Boot{Name: "clk", Args: slices.Concat(common,
			[]string{"-kernel", *clkELF, "-append", env + "-- guest -benchtime " + *benchtime})}, 1},
		{"Linux", systest.Boot{Name: "Linux", Args: slices.Concat(common,
			[]string{"-kernel", *kernel, "-initrd", *initrd,
				"-append", strings.Join(strings.Fields("console=ttyS0 quiet "+*linuxArgs), " ") + " " + env + "-- -benchtime " + *benchtime})}, 0},
	}
	order := "one after the other"
	if *together {
		order = "side by side"
	}
	fmt.Printf("QEMU: %s -cpu max -m %s -accel %s %s, benchtime %s, GODEBUG=%s, best of %d boots each, %s\n",
		systest.QEMU(), envOr("CLK_QEMU_MEM", "512M"), envOr("CLK_QEMU_ACCEL", "tcg"),
		strings.Join(common, " "), *benchtime, *godebug, *runs, order)

	best := make([]*result, len(guests))
	for r := 1; r <= *runs; r++ {
		results := make([]*result, len(guests))
		errs := make([]error, len(guests))
		if *together {
			// Side by side, the two guests share whatever else the
			// host runs meanwhile.
			var wg sync.WaitGroup
			for i, g := range guests {
				wg.Go(func() { results[i], errs[i] = boot(g, *timeout) })
			}
			wg.Wait()
		} else {
			// One after the other, alternating the systems so that a
			// slow change in the host's load falls on both.
			for i, g := range guests {
				results[i], errs[i] = boot(g, *timeout)
			}
		}
		for i, g := range guests {
			res, err := results[i], errs[i]
			if err != nil {
				fmt.Fprintf(os.Stderr, "runtimebench: %s, boot %d: %v\n", g.name, r, err)
				return 1
			}
			fmt.Printf("boot %d %-5s first output %5d ms; run %6d ms by the guest's clock, %6d ms by the host's, %6d ms of QEMU CPU time\n",
				r, g.name, res.firstOut.Milliseconds(), res.guestMs, res.hostMs, res.cpuMs)
			fmt.Printf("       %s\n", res.start)
			if res.clockRate != 1 {
				fmt.Printf("       the guest's clock ran at %.2f times the host's: its ns/op below are divided by that\n", res.clockRate)
			}
			best[i] = keepBest(best[i], res)
		}
	}
	printTable(best[0], best[1])
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var (
	startLine = regexp.MustCompile(`runtimebench: start [^\n]*\n`)
	// One of the lines that follow the start line.
	nextLine = regexp.MustCompile(`(?m)^(?:begin (\S+)|bench (\S+) ([0-9]+) ([0-9.]+) ns/op((?: \S+=\S+)*)|runtimebench: done in ([0-9]+) ms)\n`)
	opsField = regexp.MustCompile(`^ops=([0-9]+)$`)
)

// boot runs the benchmark program once on g and parses what it printed. It
// reads QEMU's CPU time when each benchmark begins and ends.
func boot(g guest, timeout time.Duration) (*result, error) {
	m, err := systest.Start(context.Background(), g.boot, systest.Options{Timeout: timeout})
	if err != nil {
		return nil, err
	}
	defer m.Kill()
	start, err := m.ExpectRegexp(startLine, timeout)
	if err != nil {
		return nil, err
	}
	first := time.Now()
	firstCPU, err := m.CPUTime()
	if err != nil {
		return nil, err
	}
	res := &result{
		nsPerOp:  map[string]float64{},
		cpuPerOp: map[string]float64{},
		iters:    map[string]int64{},
		extra:    map[string]string{},
		firstOut: first.Sub(m.Started()),
		start:    strings.TrimSpace(start[1]),
	}
	var begun string
	var begunCPU time.Duration
	for {
		f, err := m.ExpectRegexp(nextLine, timeout)
		if err != nil {
			return nil, err
		}
		cpu, err := m.CPUTime()
		if err != nil {
			return nil, err
		}
		switch {
		case f[2] != "": // begin
			begun, begunCPU = f[2], cpu
			continue
		case f[3] != "": // bench
		default: // done
			res.guestMs, _ = strconv.ParseInt(f[7], 10, 64)
			res.hostMs = time.Since(first).Milliseconds()
			res.cpuMs = (cpu - firstCPU).Milliseconds()
			res.correctClock()
			status, err := m.Wait(time.Minute)
			if err != nil {
				return nil, err
			}
			if status != g.wantStatus {
				return nil, fmt.Errorf("QEMU exited with status %d, want %d; console:\n%s", status, g.wantStatus, m.Console())
			}
			if len(res.order) == 0 {
				return nil, errors.New("the program printed no bench lines; console:\n" + m.Console())
			}
			return res, nil
		}
		name := f[3]
		n, err1 := strconv.ParseInt(f[4], 10, 64)
		ns, err2 := strconv.ParseFloat(f[5], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("bad line %q: %w", f[1], err)
		}
		var ops int64
		var extra []string
		for _, kv := range strings.Fields(f[6]) {
			if o := opsField.FindStringSubmatch(kv); o != nil {
				ops, _ = strconv.ParseInt(o[1], 10, 64)
				continue
			}
			extra = append(extra, kv)
		}
		res.order = append(res.order, name)
		res.nsPerOp[name] = ns
		res.iters[name] = n
		res.extra[name] = strings.Join(extra, " ")
		if begun == name && ops > 0 {
			res.cpuPerOp[name] = float64((cpu - begunCPU).Nanoseconds()) / float64(ops)
		}
	}
}

// keepBest merges res into best, keeping for each benchmark the lowest time:
// the host's other work only ever makes a guest slower.
func keepBest(best, res *result) *result {
	if best == nil {
		return res
	}
	for _, name := range res.order {
		if old, ok := best.nsPerOp[name]; !ok || res.nsPerOp[name] < old {
			if !ok {
				best.order = append(best.order, name)
			}
			best.nsPerOp[name] = res.nsPerOp[name]
			best.iters[name] = res.iters[name]
			best.extra[name] = res.extra[name]
		}
		if c, ok := res.cpuPerOp[name]; ok {
			if old, ok := best.cpuPerOp[name]; !ok || c < old {
				best.cpuPerOp[name] = c
			}
		}
	}
	return best
}

// printTable prints each benchmark's best time on both systems and the
// speed ratio, Linux's time over clk's: above 1, clk is faster. It does so
// twice: by the guests' clocks (testing.Benchmark's figures), and by QEMU's
// CPU time, which the host's other work does not inflate.
func printTable(clk, linux *result) {
	fmt.Println()
	fmt.Println("by the guests' clocks (testing.Benchmark's ns/op, corrected where a guest's clock disagreed with the host's):")
	table(clk.order, clk.nsPerOp, linux.nsPerOp)
	fmt.Println()
	fmt.Println("by QEMU's CPU time from each benchmark's begin line to its result line, per operation:")
	table(clk.order, clk.cpuPerOp, linux.cpuPerOp)
	fmt.Println()
	fmt.Println("the best runs by the guests' clocks: iterations of testing.Benchmark's last run, and the runtime's counters over all its runs:")
	for _, name := range clk.order {
		fmt.Printf("  %s\n", name)
		fmt.Printf("    clk   %10d %s\n", clk.iters[name], clk.extra[name])
		fmt.Printf("    Linux %10d %s\n", linux.iters[name], linux.extra[name])
	}
}

func table(names []string, clk, linux map[string]float64) {
	fmt.Printf("%-26s %16s %16s %10s\n", "benchmark", "clk ns/op", "Linux ns/op", "clk/Linux")
	for _, name := range names {
		c, okc := clk[name]
		l, okl := linux[name]
		switch {
		case okc && okl:
			fmt.Printf("%-26s %16.1f %16.1f %9.2fx\n", name, c, l, l/c)
		default:
			fmt.Printf("%-26s %16s %16s %10s\n", name, figure(c, okc), figure(l, okl), "-")
		}
	}
}

func figure(v float64, ok bool) string {
	if !ok {
		return "missing"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
