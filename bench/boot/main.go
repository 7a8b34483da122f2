package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// run returns the exit status, so that deferred clean-ups run before exit.
func run() int {
	elf := flag.String("elf", "build/clk.elf", "kernel ELF to boot through its PVH note (empty: skip)")
	iso := flag.String("iso", "build/clk.iso", "ISO image to boot through GRUB (empty: skip)")
	img := flag.String("img", "build/clk.img", "raw disk image to boot through its own loader, on pc and q35 (empty: skip)")
	runs := flag.Int("runs", 5, "boots per path")
	uefi := flag.Bool("uefi", false, "also boot the ISO from UEFI (OVMF), which takes seconds per boot")
	timeout := flag.Duration("timeout", 2*time.Minute, "limit for one boot")
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "bench-boot: -runs must be at least 1")
		return 2
	}

	var boots []qemu.Boot
	if *elf != "" {
		boots = append(boots, qemu.PVH(qemu.MicrovmMachine, *elf), qemu.PVH("pc", *elf))
	}
	if *iso != "" {
		boots = append(boots, qemu.BIOS(*iso))
		if *uefi {
			vars, err := os.MkdirTemp("", "bootbench")
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench-boot:", err)
				return 1
			}
			defer os.RemoveAll(vars)
			b, err := qemu.UEFI(*iso, vars)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench-boot:", err)
				return 1
			}
			boots = append(boots, b)
		}
	}

	if *img != "" {
		boots = append(boots, qemu.RawImage("pc", *img), qemu.RawImage("q35", *img))
	}

	fmt.Printf("%-22s %4s %9s %6s %6s\n", "boot path", "runs", "median ms", "min ms", "max ms")
	status := 0
	for _, b := range boots {
		times, err := measure(b, *runs, *timeout)
		if err != nil {
			fmt.Printf("%-22s %4d %9s\n", b.Name, len(times), "failed")
			fmt.Fprintln(os.Stderr, "bench-boot:", err)
			status = 1
			continue
		}
		slices.Sort(times)
		fmt.Printf("%-22s %4d %9d %6d %6d\n", b.Name, len(times),
			median(times).Milliseconds(), times[0].Milliseconds(), times[len(times)-1].Milliseconds())
	}
	return status
}

// measure boots b runs times and returns the times from QEMU's start to the
// first prompt. QEMU is killed as soon as the prompt is seen.
func measure(b qemu.Boot, runs int, timeout time.Duration) ([]time.Duration, error) {
	var times []time.Duration
	for range runs {
		m, err := qemu.Start(context.Background(), b, qemu.Options{Timeout: timeout})
		if err != nil {
			return times, err
		}
		_, err = m.Expect(qemu.Prompt, timeout)
		took := time.Since(m.Started())
		m.Kill()
		if err != nil {
			return times, err
		}
		times = append(times, took)
	}
	return times, nil
}

// median of sorted times; the mean of the middle two for an even count.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
