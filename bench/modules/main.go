package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// commandWait bounds one command at the prompt under TCG.
const commandWait = 2 * time.Minute

var (
	realRe = regexp.MustCompile(`real ([0-9.]+)s`)
	heldRe = regexp.MustCompile(`(?m) replace kv .*clients held (\S+): quiesce (\S+), export (\S+), import (\S+) \(state sent in (\S+)\), switch (\S+); then probation (\S+); its process ran (\S+) before$`)
)

// run returns the exit status, so that deferred clean-ups run before exit.
func run() int {
	elf := flag.String("elf", "build/clk.elf", "kernel ELF to boot through its PVH note")
	initrd := flag.String("initrd", "build/initrd.cpio", "the initrd, with the modules and kvload")
	runs := flag.Int("runs", 20, "installs, and replacements at each state size")
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "bench-modules: -runs must be at least 1")
		return 2
	}
	b := qemu.PVH("pc", *elf)
	b.Args = append(b.Args, "-initrd", *initrd)
	m, err := qemu.Start(context.Background(), b, qemu.Options{CPUs: 2, Timeout: time.Duration(3**runs+10) * commandWait})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-modules:", err)
		return 1
	}
	defer m.Kill()
	if _, err := m.Expect(qemu.Prompt, commandWait); err != nil {
		fmt.Fprintln(os.Stderr, "bench-modules: boot:", err)
		return 1
	}
	rows, err := measure(m, *runs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench-modules: %v\nconsole:\n%s\n", err, m.Console())
		return 1
	}
	fmt.Printf("%-50s %4s %9s %9s\n", "kv under QEMU ("+qemu.Accel()+")", "runs", "p50 ms", "p99 ms")
	for _, r := range rows {
		fmt.Printf("%-50s %4d %9.1f %9.1f\n", r.what, len(r.times), ms(percentile(r.times, 50)), ms(percentile(r.times, 99)))
	}
	return 0
}

type row struct {
	what  string
	times []time.Duration
}

func measure(m *qemu.Machine, runs int) ([]row, error) {
	do := func(line string) (string, error) {
		out, err := m.Command(line, commandWait)
		if err != nil {
			return "", fmt.Errorf("%s: %w", line, err)
		}
		return out, nil
	}
	install := row{what: "install (mod install, at the prompt)"}
	for range runs {
		out, err := do("time mod install /modules/kv1.clkm")
		sm := realRe.FindStringSubmatch(out)
		if err == nil && (sm == nil || !strings.Contains(out, "installed kv")) {
			err = fmt.Errorf("mod install: %q", out)
		}
		if err != nil {
			return nil, err
		}
		s, _ := strconv.ParseFloat(sm[1], 64)
		install.times = append(install.times, time.Duration(s*float64(time.Second)))
	}
	rows := []row{install}
	// The state grows from about 1 KiB to about 1 MiB: kv's own keys and
	// encoding add little.
	for _, size := range []struct {
		name  string
		bytes int
	}{{"1 KiB", 1 << 10}, {"1 MiB", 1<<20 - 1<<10}} {
		if out, err := do(fmt.Sprintf("run -s kv kvload -fill %d", size.bytes)); err != nil || !strings.Contains(out, "kvload: filled") {
			return nil, fmt.Errorf("kvload -fill %d: %q, %v", size.bytes, out, err)
		}
		for range runs {
			if out, err := do("mod replace kv /modules/kv1.clkm"); err != nil || !strings.Contains(out, "serves") {
				return nil, fmt.Errorf("mod replace: %q, %v", out, err)
			}
		}
		log, err := do("mod log")
		if err != nil {
			return nil, err
		}
		recs := heldRe.FindAllStringSubmatch(log, -1)
		if len(recs) < runs {
			return nil, fmt.Errorf("mod log has %d replace records, want %d:\n%s", len(recs), runs, log)
		}
		recs = recs[len(recs)-runs:]
		parts := []string{"clients held", "  quiesce", "  export", "  import", "    of which sending the state", "  switch",
			"then probation, clients served", "new process ran, before the hold"}
		for i, p := range parts {
			r := row{what: fmt.Sprintf("replace, %s of state: %s", size.name, p)}
			if strings.HasPrefix(p, " ") {
				r.what = p
			}
			for _, rec := range recs {
				d, err := time.ParseDuration(rec[i+1])
				if err != nil {
					return nil, fmt.Errorf("replace record: %q: %w", rec[0], err)
				}
				r.times = append(r.times, d)
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// percentile returns the p-th percentile of ds by the nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
