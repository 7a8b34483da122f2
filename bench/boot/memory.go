package main

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"strings"
	"time"

	"clk/internal/qemu"
)

// memSizes are the guest memory sizes, in MiB, the search for the smallest
// one that boots tries, in increasing order.
var memSizes = []int{16, 24, 32, 40, 48, 64, 96, 128, 192, 256, 512}

// helloLine is what run hello prints when a ring-3 program ran.
const helloLine = "hello from ring 3"

// bootsWith reports whether b reaches the prompt with mib MiB of memory and
// runs `run hello` there, and if not, why not.
func bootsWith(b qemu.Boot, mib int, timeout time.Duration) (bool, string) {
	c := qemu.Command{Boot: b, Memory: fmt.Sprintf("%dM", mib)}
	m, err := qemu.StartCommand(context.Background(), c, timeout)
	if err != nil {
		return false, err.Error()
	}
	defer m.Kill()
	if _, err := m.Expect(qemu.Prompt, timeout); err != nil {
		return false, "no prompt: " + lastLine(m.Console())
	}
	reply, err := m.Command("run hello", timeout)
	if err != nil {
		return false, "run hello: " + err.Error()
	}
	if !strings.Contains(reply, helloLine) {
		return false, "run hello: " + lastLine(reply)
	}
	return true, ""
}

// smallestMemory returns the smallest of memSizes for which boots (a boot
// with that many MiB: bootsWith) succeeds, by bisection (a size that works
// is taken to work with more), or 0 when even the largest does not; why
// names the failure of the size just below the one returned, if one was
// tried, or of the largest.
func smallestMemory(boots func(mib int) (bool, string)) (mib int, why string) {
	lo, hi := 0, len(memSizes)-1 // the answer is in [lo, hi], if any
	if ok, w := boots(memSizes[hi]); !ok {
		return 0, w
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if ok, w := boots(memSizes[mid]); ok {
			hi = mid
		} else {
			lo, why = mid+1, fmt.Sprintf("%d MiB: %s", memSizes[mid], w)
		}
	}
	return memSizes[lo], why
}

// imageSize returns the kernel ELF's size on disk and the bytes its
// loadable segments take in memory.
func imageSize(path string) (file, loaded int64, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	f, err := elf.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loaded += int64(p.Memsz)
		}
	}
	return st.Size(), loaded, nil
}

// lastLine is the last non-empty line of console text, for reports.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
