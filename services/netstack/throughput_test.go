package netstack

import (
	"io"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkTCPThroughput streams 64 KiB writes from one Stack to the other
// over the in-memory pipe: the cost of gVisor's TCP, IPv4 and the Link
// glue on both sides, with no device in between. go test reports MB/s.
func BenchmarkTCPThroughput(b *testing.B) {
	const chunk = 64 << 10
	p := staticPair(b)
	l, err := p.b.ListenTCP(netip.AddrPortFrom(addrB.Addr(), 5201))
	if err != nil {
		b.Fatalf("ListenTCP: %v", err)
	}
	defer l.Close()
	drained := make(chan int64, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			drained <- -1
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		drained <- n
	}()
	c, err := p.a.DialTCP(testContext(b, 10*time.Second), netip.AddrPortFrom(addrB.Addr(), 5201))
	if err != nil {
		b.Fatalf("DialTCP: %v", err)
	}
	defer c.Close()
	buf := randomBytes(chunk, 3)

	b.SetBytes(chunk)
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(buf); err != nil {
			b.Fatalf("Write: %v", err)
		}
	}
	// Count the time until the receiver has everything, not just until
	// the send buffer took it.
	if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		b.Fatalf("CloseWrite: %v", err)
	}
	n := <-drained
	b.StopTimer()
	if n != int64(b.N)*chunk {
		b.Fatalf("receiver got %d bytes, want %d", n, int64(b.N)*chunk)
	}
	st := p.a.Stats()
	b.ReportMetric(float64(st.TCP.Retransmits)/float64(b.N), "retransmits/op")
}
