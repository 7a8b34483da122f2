package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// Sizes of the work, the same on every system.
const (
	sha256Size     = 16 << 20 // bytes hashed per op by sha256-16MiB
	parallelSize   = 64 << 20 // bytes hashed by parallel-sha256-64MiB
	parallelRounds = 3        // the best of these is printed
	allocSize      = 1 << 10  // bytes per object in alloc-gc
	allocLive      = 4096     // objects alloc-gc keeps alive (4 MiB)
	mapReset       = 1 << 16  // map-insert starts a new map after this many keys
)

// benchmark is one measured operation.
type benchmark struct {
	name string
	fn   func(b *testing.B)
}

var benchmarks = []benchmark{
	{"chan-pingpong", chanPingPong},
	{"goroutine-spawn", goroutineSpawn},
	{"alloc-gc", allocGC},
	{"sha256-16MiB", sha256Sum},
	{"map-insert", mapInsert},
}

func main() {
	testing.Init()
	benchtime := flag.String("benchtime", "1s", "run each benchmark for this long (as go test -benchtime)")
	flag.Parse()
	status := run(*benchtime)
	// On Linux the program is /init: it powers the machine off rather than
	// return, which would panic the kernel.
	powerOff()
	os.Exit(status)
}

// run prints the results and returns the exit status.
func run(benchtime string) int {
	if err := flag.Set("test.benchtime", benchtime); err != nil {
		fmt.Printf("runtimebench: -benchtime %s: %v\n", benchtime, err)
		return 2
	}
	start := time.Now()
	fmt.Printf("runtimebench: start %s/%s %s GOMAXPROCS=%d NumCPU=%d benchtime=%s GODEBUG=%s\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(),
		benchtime, os.Getenv("GODEBUG"))
	for _, bm := range benchmarks {
		before := readCounters()
		// testing.Benchmark calls fn with growing b.N until a run lasts
		// the benchtime; ops counts the operations of all the runs, for
		// the host's measure from "begin" to "bench".
		ops := 0
		fmt.Printf("begin %s\n", bm.name)
		r := testing.Benchmark(func(b *testing.B) {
			ops += b.N
			bm.fn(b)
		})
		if r.N == 0 {
			fmt.Printf("runtimebench: %s failed\n", bm.name)
			return 1
		}
		after := readCounters()
		fmt.Printf("bench %s %d %.1f ns/op ops=%d %s\n", bm.name, r.N,
			float64(r.T.Nanoseconds())/float64(r.N), ops, after.since(before))
	}
	data := pattern(parallelSize)
	fmt.Printf("begin parallel-sha256-64MiB\n")
	ns, procs := parallelSHA256(data)
	fmt.Printf("bench parallel-sha256-64MiB 1 %d ns/op ops=%d gomaxprocs=%d\n", ns, parallelRounds, procs)
	fmt.Printf("runtimebench: done in %d ms\n", time.Since(start).Milliseconds())
	return 0
}

// chanPingPong passes a value to another goroutine and back through two
// unbuffered channels: one op is a round trip, two goroutine switches.
func chanPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	b.ResetTimer()
	v := 0
	for range b.N {
		ping <- v
		v = <-pong
	}
	b.StopTimer()
	close(ping)
	<-pong
	if v != b.N {
		b.Fatalf("ping-pong counted %d round trips, want %d", v, b.N)
	}
}

// goroutineSpawn starts a goroutine and waits for it to end.
func goroutineSpawn(b *testing.B) {
	var wg sync.WaitGroup
	for range b.N {
		wg.Add(1)
		go wg.Done()
		wg.Wait()
	}
}

// allocGC allocates 1 KiB objects and keeps the last allocLive of them, so
// that the collector runs about once per allocLive allocations and finds a
// 4 MiB live heap to mark each time.
func allocGC(b *testing.B) {
	live := make([][]byte, allocLive)
	for i := range b.N {
		p := make([]byte, allocSize)
		p[0] = byte(i)
		live[i%allocLive] = p
	}
	runtime.KeepAlive(live)
}

// sha256Sum hashes 16 MiB.
func sha256Sum(b *testing.B) {
	data := pattern(sha256Size)
	b.SetBytes(sha256Size)
	b.ResetTimer()
	for range b.N {
		sink = sha256.Sum256(data)
	}
}

// sink keeps the compiler from dropping the hashes.
var sink [sha256.Size]byte

// mapInsert inserts distinct int keys into a growing map, starting a new one
// every mapReset keys so that the map's size does not depend on b.N.
func mapInsert(b *testing.B) {
	m := make(map[int]int)
	for i := range b.N {
		if i%mapReset == 0 {
			m = make(map[int]int)
		}
		m[i] = i
	}
	runtime.KeepAlive(m)
}

// parallelSHA256 hashes data as GOMAXPROCS equal parts, each in its own
// goroutine, parallelRounds times, and returns the fastest round in ns and
// GOMAXPROCS. The speed-up from 1 to n CPUs is the 1-CPU time divided by the
// n-CPU time.
func parallelSHA256(data []byte) (int64, int) {
	procs := runtime.GOMAXPROCS(0)
	part := len(data) / procs
	best := int64(-1)
	for range parallelRounds {
		runtime.GC()
		start := time.Now()
		var wg sync.WaitGroup
		sums := make([][sha256.Size]byte, procs)
		for i := range procs {
			end := (i + 1) * part
			if i == procs-1 {
				end = len(data)
			}
			wg.Add(1)
			go func(i int, p []byte) {
				defer wg.Done()
				sums[i] = sha256.Sum256(p)
			}(i, data[i*part:end])
		}
		wg.Wait()
		ns := time.Since(start).Nanoseconds()
		if best < 0 || ns < best {
			best = ns
		}
		sink = sums[0]
	}
	return best, procs
}

// pattern returns n bytes of a fixed non-zero pattern.
func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return p
}

// counters are the runtime's own measures of where time and memory went,
// from runtime/metrics, which the runtime keeps the same way on every
// system.
type counters struct {
	gcs       uint64  // completed GC cycles
	gcCPU     float64 // seconds of CPU the GC used, assists and pauses included
	scavenge  float64 // seconds of CPU returning memory to the system
	released  uint64  // bytes of heap released to the system, as of now
	heapTotal uint64  // bytes of memory the heap has mapped, as of now
}

var counterNames = []string{
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/scavenge/total:cpu-seconds",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/total:bytes",
}

func readCounters() counters {
	samples := make([]metrics.Sample, len(counterNames))
	for i, name := range counterNames {
		samples[i].Name = name
	}
	metrics.Read(samples)
	var c counters
	for _, s := range samples {
		switch s.Name {
		case counterNames[0]:
			c.gcs = s.Value.Uint64()
		case counterNames[1]:
			c.gcCPU = s.Value.Float64()
		case counterNames[2]:
			c.scavenge = s.Value.Float64()
		case counterNames[3]:
			c.released = s.Value.Uint64()
		case counterNames[4]:
			c.heapTotal = s.Value.Uint64()
		}
	}
	return c
}

// since formats the change from before to c as key=value fields: GC
// cycles, GC and scavenger CPU in ms, and the memory mapped and released
// at the end in MiB.
func (c counters) since(before counters) string {
	return fmt.Sprintf("gcs=%d gccpu=%.0fms scavcpu=%.0fms mapped=%dMiB released=%dMiB",
		c.gcs-before.gcs, (c.gcCPU-before.gcCPU)*1000, (c.scavenge-before.scavenge)*1000,
		c.heapTotal>>20, c.released>>20)
}
