//go:build clk

package baremetal

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	x86 "clk/arch/x86_64"
)

// The exec wrapper passes QEMU's -smp count as CLK_SMP when asked to
// (CLK_EXEC_ENV=CLK_SMP); without it the tests check what they can.
func wantCPUs(t *testing.T) int {
	s := os.Getenv("CLK_SMP")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("CLK_SMP=%q: %v", s, err)
	}
	return n
}

func TestEveryCPUComesUpAndGOMAXPROCSMatches(t *testing.T) {
	cpus := x86.CPUs()
	if want := wantCPUs(t); want != 0 && len(cpus) != want {
		t.Fatalf("%d CPUs running (APIC IDs %v), QEMU gave %d", len(cpus), cpus, want)
	}
	if runtime.NumCPU() != len(cpus) || runtime.GOMAXPROCS(0) != len(cpus) {
		t.Fatalf("NumCPU %d, GOMAXPROCS %d, CPUs running %d", runtime.NumCPU(), runtime.GOMAXPROCS(0), len(cpus))
	}
	seen := map[uint32]bool{}
	for _, id := range cpus {
		if seen[id] {
			t.Fatalf("APIC ID %d listed twice in %v", id, cpus)
		}
		seen[id] = true
	}
}

// With one busy goroutine per CPU, every CPU runs Go code: each goroutine
// records the APIC ID of the CPU it finds itself on.
func TestGoroutinesRunOnEveryCPU(t *testing.T) {
	cpus := x86.CPUs()
	var mu sync.Mutex
	seen := map[uint32]bool{}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range cpus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				id := x86.CurrentAPICID()
				mu.Lock()
				seen[id] = true
				mu.Unlock()
				for i := 0; i < 100000; i++ {
					spinCount++
				}
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == len(cpus) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	for _, id := range cpus {
		if !seen[id] {
			t.Errorf("no goroutine ran on the CPU with APIC ID %d in 10s (saw %v)", id, seen)
		}
	}
}

// An interrupt sent to any CPU reaches the goroutine that waits for it.
func TestAnInterruptOnAnyCPUWakesItsWaiter(t *testing.T) {
	const vector = x86.LastDeviceVector
	for _, id := range x86.CPUs() {
		before := x86.IRQCount(vector)
		done := make(chan struct{})
		go func() {
			x86.WaitIRQ(vector)
			close(done)
		}()
		time.Sleep(5 * time.Millisecond)
		if err := x86.SendIPI(id, vector); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("the interrupt sent to APIC ID %d did not wake its waiter in 5s", id)
		}
		if x86.IRQCount(vector) == before {
			t.Errorf("the interrupt sent to APIC ID %d was not counted", id)
		}
	}
	if err := x86.SendIPI(0, x86.TimerVector); err == nil {
		t.Error("sending the timer vector was allowed")
	}
}

// Returning memory to the frame allocator unmaps pages; with more than one
// CPU the others must drop their TLB entries first (the shootdown IPI,
// vector 0xd1), and memory still in use must keep its contents.
func TestReleasingMemoryShootsDownTheOtherCPUsTLBs(t *testing.T) {
	const shootdownVector = 0xd1
	kept := make([][]byte, 16)
	for i := range kept {
		kept[i] = make([]byte, 1<<20)
		for j := range kept[i] {
			kept[i][j] = byte(i + j)
		}
	}
	// Touch memory on every CPU so that each has TLB entries for the heap.
	var wg sync.WaitGroup
	for range x86.CPUs() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			garbage := make([][]byte, 32)
			for i := range garbage {
				garbage[i] = make([]byte, 1<<20)
				garbage[i][0] = 1
			}
		}()
	}
	wg.Wait()
	before := x86.IRQCount(shootdownVector)
	debug.FreeOSMemory()
	if len(x86.CPUs()) > 1 && x86.IRQCount(shootdownVector) == before {
		t.Error("FreeOSMemory released memory without a TLB shootdown on the other CPUs")
	}
	for i := range kept {
		for j := range kept[i] {
			if kept[i][j] != byte(i+j) {
				t.Fatalf("kept[%d][%d] = %d after memory was released, want %d", i, j, kept[i][j], byte(i+j))
			}
		}
	}
}
