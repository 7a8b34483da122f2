//go:build clk

package baremetal

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"testing"

	x86 "clk/arch/x86_64"
	"clk/internal/vecstate"
)

// TestKernelEnablesAVX checks that the runtime turned on the AVX state
// (CR4.OSXSAVE and XCR0) on the machine the tests run on, QEMU's -cpu
// max, which has XSAVE and AVX: the Go runtime and its libraries then use
// AVX and AVX2 in the kernel.
func TestKernelEnablesAVX(t *testing.T) {
	if !vecstate.Usable() {
		t.Fatal("AVX is not usable in the kernel: CR4.OSXSAVE or XCR0's AVX bit is off")
	}
}

// TestKernelGoroutinesKeepTheirVectorRegisters runs more goroutines than
// CPUs, each holding its own pattern in YMM0-YMM15 (internal/vecstate)
// while the timer ticks, the tick's Go code runs, threads switch and other
// goroutines hash and collect garbage with the vector registers on the
// same CPUs. Every holder must find its registers as it left them. In the
// kernel a goroutine inside Hold is not preempted for another goroutine
// (assembly has no safe points), and the Go code a tick runs uses only the
// lower halves: a runtime that saved only the SSE state was seen to pass
// this test too. The ring-3 system test (test/system's
// TestVectorStateStaysWithItsProcess) is the one that fails then.
func TestKernelGoroutinesKeepTheirVectorRegisters(t *testing.T) {
	if !vecstate.Usable() {
		t.Skip("AVX is not usable (TestKernelEnablesAVX says why)")
	}
	const holds, rounds = 20, 20000
	n := 2*runtime.GOMAXPROCS(0) + 1
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Add(1)
	go func() {
		defer churn.Done()
		buf := make([]byte, 64<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			sum := sha256.Sum256(buf)
			buf = append(make([]byte, 0, len(buf)), buf...)
			buf[0] ^= sum[0]
		}
	}()
	ticks := x86.IRQCount(x86.TimerVector)
	bad := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range holds {
				if bad[i] = vecstate.Hold(uint32(i+1), rounds); bad[i] != 0 {
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	close(stop)
	churn.Wait()
	ticked := x86.IRQCount(x86.TimerVector) - ticks
	for i, b := range bad {
		if b != 0 {
			t.Errorf("goroutine %d: %d words of YMM0-YMM15 changed", i, b)
		}
	}
	t.Logf("%d goroutines held their registers through %d ticks", n, ticked)
	if ticked == 0 {
		t.Error("no timer tick while the registers were held: nothing was tested")
	}
}
