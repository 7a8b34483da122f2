package shell

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// lineCounter keeps what the terminal gets.
type lineCounter struct{ text strings.Builder }

func (c *lineCounter) Write(b []byte) (int, error) { return c.text.Write(b) }

// BenchmarkPipeline runs "yes | head -n N | wc -l" through the shell, with
// one line per message and with batches of BatchLines, and reports the
// lines that cross the first mailbox per second.
func BenchmarkPipeline(b *testing.B) {
	const n = 100000
	for _, batch := range []int{1, BatchLines} {
		b.Run(fmt.Sprintf("lines-per-message=%d", batch), func(b *testing.B) {
			in, _ := io.Pipe()
			var out lineCounter
			sh := New(&byteReader{in}, &out, fakeSystem{})
			sh.batch = batch
			line := fmt.Sprintf("yes | head -n %d | wc -l", n)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				sh.Run(line)
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "lines/s")
			if want := strings.Repeat(fmt.Sprintf("%d\n", n), b.N); out.text.String() != want {
				b.Fatalf("output %q", out.text.String())
			}
		})
	}
}

// byteReader reads one byte at a time from r.
type byteReader struct{ r io.Reader }

func (br *byteReader) ReadByte() (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(br.r, b[:])
	return b[0], err
}
