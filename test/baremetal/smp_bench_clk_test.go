//go:build clk

package baremetal

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"testing"
)

// BenchmarkParallelSHA256 hashes 64 MiB as GOMAXPROCS equal pieces, one
// goroutine each: CPU-bound work that should scale with the CPUs
// (make bench-smp runs it on 1 and 2 CPUs and prints the speed-up).
func BenchmarkParallelSHA256(b *testing.B) {
	const size = 64 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	n := runtime.GOMAXPROCS(0)
	piece := size / n
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for w := 0; w < n; w++ {
			wg.Add(1)
			go func(p []byte) {
				defer wg.Done()
				sha256.Sum256(p)
			}(data[w*piece : (w+1)*piece])
		}
		wg.Wait()
	}
	b.ReportMetric(float64(n), "cpus")
}
