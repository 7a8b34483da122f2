//go:build clk

package baremetal

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"clk/abi"
	x86 "clk/arch/x86_64"
	"clk/sdk"
)

func TestTenThousandGoroutinesPassAMessageAroundARing(t *testing.T) {
	const n = 10000
	first := make(chan int)
	in := first
	for i := 0; i < n; i++ {
		out := make(chan int)
		go func(in <-chan int, out chan<- int) { out <- <-in + 1 }(in, out)
		in = out
	}
	first <- 0
	if got := <-in; got != n {
		t.Fatalf("the message went through %d goroutines, want %d", got, n)
	}
}

func TestManyGoroutinesExchangeMessagesPairwise(t *testing.T) {
	const pairs = 5000
	const rounds = 10
	sums := make(chan int, pairs)
	for i := 0; i < pairs; i++ {
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v * 2
			}
			close(pong)
		}()
		go func(i int) {
			s := 0
			for r := 0; r < rounds; r++ {
				ping <- i + r
				s += <-pong
			}
			close(ping)
			sums <- s
		}(i)
	}
	total := 0
	for i := 0; i < pairs; i++ {
		total += <-sums
	}
	want := 0
	for i := 0; i < pairs; i++ {
		for r := 0; r < rounds; r++ {
			want += 2 * (i + r)
		}
	}
	if total != want {
		t.Fatalf("sum of replies = %d, want %d", total, want)
	}
}

// TestSleepLastsAsLongAsAsked sleeps 50ms three times and checks by the
// runtime's clock and by the TSC directly that no sleep ended early. How
// late one ends is the host's business: QEMU's vCPUs share a machine with
// other work, and under TCG on a loaded host a vCPU can wait for a host
// core for far longer than the sleep itself, so the upper bound is one
// only a broken sleep reaches (50 ms taken for 50 s: a deadline in the
// wrong unit), never a slow machine.
func TestSleepLastsAsLongAsAsked(t *testing.T) {
	const (
		d       = 50 * time.Millisecond
		tooLate = 30 * time.Second
	)
	runtime.GC() // leave no background work from earlier tests
	hz, _ := x86.Clocks()
	for i := 0; i < 3; i++ {
		start := time.Now()
		startTSC := x86.Ticks()
		time.Sleep(d)
		got := time.Since(start)
		byTSC := time.Duration(float64(x86.Ticks()-startTSC) / float64(hz) * 1e9)
		if got < d || byTSC < d-d/100 {
			t.Fatalf("time.Sleep(%v) returned after %v (TSC: %v): too early", d, got, byTSC)
		}
		if got > tooLate || byTSC > tooLate {
			t.Fatalf("time.Sleep(%v) returned after %v (TSC: %v): the sleep is broken", d, got, byTSC)
		}
		t.Logf("time.Sleep(%v) took %v (TSC: %v)", d, got, byTSC)
	}
}

func TestWallClockComesFromTheRTC(t *testing.T) {
	now := time.Now()
	if now.Year() < 2024 || now.Year() > 2100 {
		t.Fatalf("time.Now() = %v: the RTC was not read", now)
	}
	a := time.Now()
	time.Sleep(10 * time.Millisecond)
	if b := time.Now(); !b.After(a) {
		t.Fatalf("wall clock did not advance: %v then %v", a, b)
	}
}

var sink []byte

// fill points sink at n written bytes. It is a function of its own so that
// no stack slot of the test keeps the slice alive.
//
//go:noinline
func fill(n int) {
	sink = make([]byte, n)
	for i := range sink {
		sink[i] = byte(i)
	}
}

func TestGCReclaimsAGarbageAllocation(t *testing.T) {
	const size = 64 << 20
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	fill(size)
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc < size {
		t.Fatalf("HeapAlloc = %d after a %d-byte allocation", ms.HeapAlloc, size)
	}
	sink = nil
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > base+size/8 {
		t.Fatalf("HeapAlloc = %d after GC, want close to %d: the 64 MiB were not reclaimed", ms.HeapAlloc, base)
	}
}

func TestFinalizersRun(t *testing.T) {
	done := make(chan bool, 1)
	func() {
		p := new([1024]byte)
		runtime.SetFinalizer(p, func(*[1024]byte) { done <- true })
	}()
	deadline := time.After(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-done:
			return
		case <-deadline:
			t.Fatal("the finalizer did not run")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// A goroutine that keeps its CPU for several time slices takes timer
// ticks. (Sleeps need not: on several CPUs a deadline may be noticed by a
// CPU that is looking for work before any timer fires.)
func TestTimerInterruptsArrive(t *testing.T) {
	before := x86.IRQCount(x86.TimerVector)
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		spinCount++
	}
	if after := x86.IRQCount(x86.TimerVector); after <= before {
		t.Fatalf("timer interrupts: %d before 50ms of work, %d after", before, after)
	}
}

func TestSelectTickerAndTimeout(t *testing.T) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	never := make(chan int)
	ticks := 0
	timeout := time.After(200 * time.Millisecond)
loop:
	for {
		select {
		case <-tick.C:
			ticks++
			if ticks == 5 {
				break loop
			}
		case <-never:
			t.Fatal("received from a channel nobody sends on")
		case <-timeout:
			t.Fatalf("only %d ticks in 200ms of a 5ms ticker", ticks)
		}
	}
}

func TestPanicInAGoroutineIsRecoveredWithItsStack(t *testing.T) {
	errc := make(chan error)
	go func() {
		defer func() {
			r := recover()
			buf := make([]byte, 4096)
			n := runtime.Stack(buf, false)
			if r == nil || !strings.Contains(string(buf[:n]), "baremetal.explode") {
				errc <- errors.New("no panic, or its stack does not name the panicking function")
				return
			}
			errc <- nil
		}()
		explode()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

//go:noinline
func explode() {
	var m map[string]int
	m["x"] = 1 // assignment to a nil map panics
}

type pair struct{ a, b int }

//go:noinline
func second(p *pair) int { return p.b }

func recovered(f func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			err = errors.New("no panic")
			return
		}
		e, ok := r.(runtime.Error)
		if !ok {
			err = errors.New("the panic is not a runtime.Error")
			return
		}
		err = e
	}()
	f()
	return nil
}

func TestNilDereferenceIsARecoverablePanic(t *testing.T) {
	err := recovered(func() { second(nil) })
	if err == nil || !strings.Contains(err.Error(), "nil pointer dereference") {
		t.Fatalf("dereferencing nil: %v, want a nil pointer dereference runtime error", err)
	}
}

func TestHardwareDivideByZeroIsARecoverablePanic(t *testing.T) {
	errc := make(chan error)
	go func() { errc <- recovered(func() { divide() }) }()
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "integer divide by zero") {
		t.Fatalf("DIV by zero: %v, want an integer divide by zero runtime error", err)
	}
}

func TestOutOfRangeIndexIsARecoverablePanic(t *testing.T) {
	s := []int{1, 2, 3}
	i := len(s)
	err := recovered(func() { _ = s[i] })
	if err == nil || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("indexing past the end: %v", err)
	}
}

var spinCount uint64

func TestASpinningGoroutineDoesNotStarveOthers(t *testing.T) {
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := 0; i < 1e9; i++ {
				spinCount++
			}
		}
	}()
	defer close(stop)
	start := time.Now()
	for i := 0; i < 3; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC() // stopping the world must work with the spinner running
	// Without preemption this never finishes. With it, the GC shares the
	// CPU with the spinner and its marking of the whole test binary's heap
	// takes a while under TCG (1-2 s on one CPU of a loaded host): the
	// bound only tells starving from slow.
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("three 10ms sleeps and a GC took %v next to a spinning goroutine", d)
	}
}

// TestHeapGrowsPastFourGiB allocates and writes 5 GiB in 64 MiB pieces,
// collects garbage, and reads everything back. It needs a machine with more
// than 6 GiB (make test runs it with CLK_QEMU_MEM=8G).
func TestHeapGrowsPastFourGiB(t *testing.T) {
	total, _, _ := x86.Memory()
	if total < 6<<30 {
		t.Skipf("the machine has %d MiB; this test needs more than 6 GiB", total>>20)
	}
	const piece = 64 << 20
	const n = 5 << 30 / piece
	chunks := make([][]uint64, n)
	for i := range chunks {
		c := make([]uint64, piece/8)
		for j := 0; j < len(c); j += 512 { // one word in every 4 KiB page
			c[j] = uint64(i)<<32 | uint64(j)
		}
		chunks[i] = c
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc < 5<<30 {
		t.Fatalf("HeapAlloc = %d MiB with 5 GiB live", ms.HeapAlloc>>20)
	}
	for i, c := range chunks {
		for j := 0; j < len(c); j += 512 {
			if c[j] != uint64(i)<<32|uint64(j) {
				t.Fatalf("chunk %d word %d = %#x after GC", i, j, c[j])
			}
		}
	}
	// Below 4 GiB a PC has at most 3 GiB of RAM: 5 GiB in use means the
	// frame allocator handed out memory from above 4 GiB.
	if _, used, _ := x86.Memory(); used < 5<<30 {
		t.Errorf("physical memory in use = %d MiB with 5 GiB of heap live", used>>20)
	}
	runtime.KeepAlive(chunks)
}

// In the kernel, package sdk without a backend has no ring to call down
// to: its default backend must fail with ENOSYS rather than execute
// SYSCALL in ring 0, which would enter the kernel's syscall entry with
// none of ring 3's state.
func TestSyscallWithoutABackendFailsInTheKernel(t *testing.T) {
	sdk.SetBackend(nil)
	if _, errno := sdk.Syscall(abi.SysHandleClose, [6]uint64{1}); errno != abi.ENOSYS {
		t.Fatalf("handle_close from the kernel with no backend: %v, want ENOSYS", errno)
	}
	if err := sdk.Handle(1).Close(); !errors.Is(err, abi.ENOSYS) {
		t.Fatalf("Handle.Close from the kernel with no backend: %v, want ENOSYS", err)
	}
}
