package virtio

import (
	"math/rand/v2"
	"testing"
)

func TestPublishedMeansTheEventIsAmongTheNewEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		old := uint16(rng.Uint32())
		n := rng.IntN(maxQueueSize + 1)
		event := uint16(rng.Uint32())
		if rng.IntN(2) == 0 {
			// An event near the batch, where the edges are.
			event = old + uint16(rng.IntN(n+3)) - 1
		}
		want := false
		for i := range n {
			if old+uint16(i) == event {
				want = true
			}
		}
		if got := published(event, old, old+uint16(n)); got != want {
			t.Fatalf("published(%d, %d, %d) = %v, want %v", event, old, old+uint16(n), got, want)
		}
	}
}

func TestLayoutAlignsThePartsAndGivesEachSharedWordOneWriter(t *testing.T) {
	for n := minQueueSize; n <= maxQueueSize; n *= 2 {
		l := layoutFor(n)
		availEnd := l.avail + availRing + 2*n + 2
		usedEnd := l.used + usedRing + usedElem*n + 2
		switch {
		case l.desc%16 != 0 || l.avail%2 != 0 || l.used%4 != 0:
			t.Errorf("n %d: parts at %d, %d, %d are misaligned (2.7)", n, l.desc, l.avail, l.used)
		case l.avail < l.desc+descSize*n || l.used < availEnd:
			t.Errorf("n %d: parts overlap: %+v", n, l)
		case l.usedEvent != availEnd-2 || l.availEvent != usedEnd-2:
			t.Errorf("n %d: used_event at %d, avail_event at %d, not at the rings' ends", n, l.usedEvent, l.availEvent)
		case l.usedEvent%4 != 0 || l.usedEvent+4 > l.used:
			t.Errorf("n %d: used_event's word at %d is unaligned or reaches the used ring at %d", n, l.usedEvent, l.used)
		case l.availEvent%4 != 0 || l.availEvent+4 > l.size:
			t.Errorf("n %d: avail_event's word at %d is unaligned or past the allocation of %d", n, l.availEvent, l.size)
		}
	}
}
