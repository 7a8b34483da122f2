package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"clk/bench/vslinux"
	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// wantStatus is QEMU's exit status when a guest ended well, by system: clk
// reports status 0 through isa-debug-exit (QEMU exits with 0<<1|1), Linux
// powers the machine off (QEMU exits with 0).
var wantStatus = [2]int{vslinux.Clk: 1, vslinux.Linux: 0}

// result is what one boot of the benchmark program printed, and what the
// host measured while it ran.
type result struct {
	nsPerOp  vslinux.Best // by the guest's clock, in the order printed
	cpuPerOp vslinux.Best // by QEMU's CPU time
	iters    map[string]int64
	extra    map[string]string // the key=value fields after ns/op but ops
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
	for name, ns := range r.nsPerOp.NsPerOp {
		r.nsPerOp.NsPerOp[name] = ns / rate
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
		fmt.Fprintln(os.Stderr, "bench-runtime: -runs and -smp must be at least 1")
		return 2
	}
	if *kernel == "" {
		fmt.Fprintln(os.Stderr, "bench-runtime: -linux-kernel is required")
		return 2
	}
	// Both kernels hand a NAME=VALUE word of their command line to the
	// program as an environment variable: clk before the "--" that starts
	// argv, Linux when the kernel does not know the name.
	env := ""
	if *godebug != "" {
		if strings.ContainsAny(*godebug, " \t\"%") {
			fmt.Fprintln(os.Stderr, "bench-runtime: -godebug must not contain spaces, quotes or %")
			return 2
		}
		env = "GODEBUG=" + *godebug + " "
	}
	plan := vslinux.Plan{
		Boots: [2]qemu.Boot{
			vslinux.Clk: qemu.Kernel("clk", "pc", *clkELF, "", env+"-- guest -benchtime "+*benchtime),
			vslinux.Linux: qemu.Kernel("Linux", "pc", *kernel, *initrd,
				strings.Join(strings.Fields("console=ttyS0 quiet "+*linuxArgs), " ")+" "+env+"-- -benchtime "+*benchtime),
		},
		CPUs:     *smp,
		Runs:     *runs,
		Together: *together,
	}
	plan.Describe(os.Stdout)
	fmt.Printf("benchtime %s, GODEBUG=%s\n", *benchtime, *godebug)

	var best [2]*result
	failed := plan.Run(vslinux.Stderr("bench-runtime"), func(r, sys int, c qemu.Command) error {
		res, err := boot(sys, c, *timeout)
		if err != nil {
			return err
		}
		fmt.Printf("boot %d %-5s first output %5d ms; run %6d ms by the guest's clock, %6d ms by the host's, %6d ms of QEMU CPU time\n",
			r, vslinux.Names[sys], res.firstOut.Milliseconds(), res.guestMs, res.hostMs, res.cpuMs)
		fmt.Printf("       %s\n", res.start)
		if res.clockRate != 1 {
			fmt.Printf("       the guest's clock ran at %.2f times the host's: its ns/op below are divided by that\n", res.clockRate)
		}
		best[sys] = keepBest(best[sys], res)
		return nil
	})
	// A system that failed shows as missing figures.
	for sys := range best {
		if best[sys] == nil {
			best[sys] = &result{iters: map[string]int64{}, extra: map[string]string{}}
		}
	}
	printTable(best[vslinux.Clk], best[vslinux.Linux])
	if failed != [2]error{} {
		return 1
	}
	return 0
}

var (
	startLine = regexp.MustCompile(`runtimebench: start [^\n]*\n`)
	// One of the lines that follow the start line.
	nextLine = regexp.MustCompile(`(?m)^(?:begin (\S+)|bench (\S+) ([0-9]+) ([0-9.]+) ns/op((?: \S+=\S+)*)|runtimebench: done in ([0-9]+) ms)\n`)
	opsField = regexp.MustCompile(`^ops=([0-9]+)$`)
)

// boot runs the benchmark program once on g and parses what it printed. It
// reads QEMU's CPU time when each benchmark begins and ends.
func boot(sys int, c qemu.Command, timeout time.Duration) (*result, error) {
	m, err := qemu.StartCommand(context.Background(), c, timeout)
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
			if status != wantStatus[sys] {
				return nil, fmt.Errorf("QEMU exited with status %d, want %d; console:\n%s", status, wantStatus[sys], m.Console())
			}
			if len(res.nsPerOp.Order) == 0 {
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
		res.nsPerOp.Add(name, ns)
		res.iters[name] = n
		res.extra[name] = strings.Join(extra, " ")
		if begun == name && ops > 0 {
			res.cpuPerOp.Add(name, float64((cpu-begunCPU).Nanoseconds())/float64(ops))
		}
	}
}

// keepBest merges res into best, keeping for each benchmark the lowest
// time, with the iterations and counters of the run that gave it.
func keepBest(best, res *result) *result {
	if best == nil {
		return res
	}
	for _, name := range res.nsPerOp.Order {
		if best.nsPerOp.Add(name, res.nsPerOp.NsPerOp[name]) {
			best.iters[name] = res.iters[name]
			best.extra[name] = res.extra[name]
		}
	}
	for _, name := range res.cpuPerOp.Order {
		best.cpuPerOp.Add(name, res.cpuPerOp.NsPerOp[name])
	}
	return best
}

// printTable prints each benchmark's best time on both systems and the
// ratio of clk's time to Linux's: below 1, clk is faster. It does so twice:
// by the guests' clocks (testing.Benchmark's figures), and by QEMU's CPU
// time, which the host's other work does not inflate.
func printTable(clk, linux *result) {
	fmt.Println()
	fmt.Println("by the guests' clocks (testing.Benchmark's ns/op, corrected where a guest's clock disagreed with the host's):")
	vslinux.WriteTable(os.Stdout, vslinux.Rows(nil, &clk.nsPerOp, &linux.nsPerOp))
	fmt.Println()
	fmt.Println("by QEMU's CPU time from each benchmark's begin line to its result line, per operation:")
	vslinux.WriteTable(os.Stdout, vslinux.Rows(clk.nsPerOp.Order, &clk.cpuPerOp, &linux.cpuPerOp))
	fmt.Println()
	fmt.Println("the best runs by the guests' clocks: iterations of testing.Benchmark's last run, and the runtime's counters over all its runs:")
	for _, row := range vslinux.Rows(nil, &clk.nsPerOp, &linux.nsPerOp) {
		fmt.Printf("  %s\n", row.Name)
		for sys, res := range []*result{clk, linux} {
			if n, ok := res.iters[row.Name]; ok {
				fmt.Printf("    %-5s %10d %s\n", vslinux.Names[sys], n, res.extra[row.Name])
			} else {
				fmt.Printf("    %-5s    missing\n", vslinux.Names[sys])
			}
		}
	}
}
