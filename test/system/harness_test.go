package system

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

func TestExpectFailsInTimeWhenTheGuestHangs(t *testing.T) {
	elf := standIn(t)
	// The stand-in hangs when its command line ends in 'h'.
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{Args: []string{"-append", "-- fake h"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	begin := time.Now()
	_, err = m.Expect(qemu.Prompt, 2*time.Second)
	if err == nil {
		t.Fatal("Expect found a prompt that the guest never printed")
	}
	if waited := time.Since(begin); waited > 10*time.Second {
		t.Errorf("Expect returned after %v, timeout 2s", waited)
	}
	done := make(chan struct{})
	go func() { m.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Kill did not end QEMU")
	}
}

func TestExpectReportsTheGuestsExit(t *testing.T) {
	elf := standIn(t)
	// The stand-in exits with status 3, QEMU with (3 << 1) | 1.
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{Args: []string{"-append", "-- fake 3"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	_, err = m.Expect(qemu.Prompt, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited with status 7") {
		t.Errorf("Expect error = %v, want one that reports exit status 7", err)
	}
	if status, err := m.Wait(time.Second); err != nil || status != 7 {
		t.Errorf("Wait = %d, %v; want 7, nil", status, err)
	}
}

func TestMachineIsKilledAtItsTimeout(t *testing.T) {
	elf := standIn(t)
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{
		Timeout: 2 * time.Second,
		Args:    []string{"-append", "-- fake h"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	if _, err := m.Wait(20 * time.Second); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Wait error = %v, want one that says QEMU was killed", err)
	}
}

// TestKernelBacktracesNameItsFunctions reads the CPUs of an idle kernel
// through QMP, as a failed test does when the guest stops answering: each
// CPU's chain must start at a named kernel function and go on through
// named callers, which shows that the registers, the frame pointers and
// the symbols are read right.
func TestKernelBacktracesNameItsFunctions(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_ELF")
	syms, err := qemu.ReadSymbols(elf)
	if err != nil {
		t.Fatal(err)
	}
	sock := qmpSocket(t)
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{CPUs: 2, QMP: sock})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	if _, err := m.Expect(qemu.Prompt, directLimits.boot); err != nil {
		t.Fatal(err)
	}
	q, err := qemu.DialQMP(sock, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	// An idle kernel's CPUs are halted nearly all the time; a sample
	// taken while one serves a tick may catch it in an entry stub, whose
	// frame pointer is not yet a Go frame's. The guest is paused for each
	// sample, and the checks are on the first with every CPU halted.
	var cpus []qemu.CPU
	for sample := 1; ; sample++ {
		if cpus, err = pausedCPUs(q); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(cpus, func(c qemu.CPU) bool { return !c.Halted }) {
			break
		}
		if sample == 20 {
			t.Fatalf("no sample of 20 had both CPUs of an idle kernel halted:\n%s", qemu.FormatCPUs(cpus, syms))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("CPUs:\n%s", qemu.FormatCPUs(cpus, syms))
	if len(cpus) != 2 {
		t.Fatalf("%d CPUs, want 2", len(cpus))
	}
	for _, c := range cpus {
		if c.CPL != 0 || len(c.Frames) < 2 {
			t.Errorf("CPU %d: CPL %d with %d frames; want the kernel, its function and a caller", c.Index, c.CPL, len(c.Frames))
		}
		for _, f := range c.Frames {
			if _, ok := syms.Func(f); !ok {
				t.Errorf("CPU %d: frame %#x names no function of the kernel", c.Index, f)
			}
		}
		if name, _ := syms.Func(c.Frames[0]); !strings.HasPrefix(name, "runtime.clkHaltUntilInterrupt") {
			t.Errorf("CPU %d is halted at %s, want the idle halt, runtime.clkHaltUntilInterrupt", c.Index, name)
		}
	}
}
