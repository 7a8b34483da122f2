package ngram

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// The syscall patterns of a made-up server: it reads a request, answers,
// and now and then logs or sleeps.
var patterns = [][]uint16{
	{3, 7, 7, 9},    // recv, read, read, send
	{3, 7, 9},       // recv, read, send
	{12, 1},         // log
	{20},            // sleep
	{3, 7, 7, 7, 9}, // a longer request
}

// trace returns calls of the server, from a fixed seed.
func trace(seed uint64, calls int) []uint16 {
	r := rand.New(rand.NewPCG(seed, 2))
	var t []uint16
	for len(t) < calls {
		t = append(t, patterns[r.IntN(len(patterns))]...)
	}
	return t[:calls]
}

func TestANormalRunNeverFires(t *testing.T) {
	m, err := Train(6, [][]uint16{trace(1, 50_000), trace(2, 50_000)})
	if err != nil {
		t.Fatal(err)
	}
	w := m.NewMonitor(64, 4)
	maxLFC := 0
	for _, c := range trace(3, 200_000) {
		r := w.Observe(c)
		if r.Fired {
			t.Fatalf("fired on a normal run: LFC %d", r.LFC)
		}
		maxLFC = max(maxLFC, r.LFC)
	}
	t.Logf("%d distinct 6-grams; largest LFC in 200,000 normal calls: %d", m.Len(), maxLFC)
}

func TestForeignCallsFireWithTheirSequence(t *testing.T) {
	m, _ := Train(6, [][]uint16{trace(1, 50_000)})
	w := m.NewMonitor(64, 4)
	for _, c := range trace(4, 1000) {
		w.Observe(c)
	}
	// An exploit's shell: open, mmap, mprotect, exec, among normal calls.
	var fired *Result
	for _, c := range []uint16{3, 7, 2, 30, 31, 59, 7, 9} {
		r := w.Observe(c)
		if r.Fired {
			fired = &r
			ev := w.Evidence(r)
			if len(ev.Sequence) != 6 || ev.Sequence[5] != c || ev.Observed < 4 || ev.Detector != "ngram" {
				t.Fatalf("evidence %+v", ev)
			}
			break
		}
	}
	if fired == nil {
		t.Fatal("foreign calls did not fire")
	}
	if u, n := m.Unseen([]uint16{3, 7, 2, 30, 31, 59, 7, 9, 3}); u != 4 || n != 4 {
		t.Fatalf("unseen %d of %d 6-grams, want 4 of 4", u, n)
	}
	if u, _ := m.Unseen(trace(1, 5000)); u != 0 {
		t.Fatalf("%d unseen n-grams in a training trace", u)
	}
}

func TestTheFrameForgets(t *testing.T) {
	m, _ := Train(2, [][]uint16{{1, 2, 1, 2, 1}})
	w := m.NewMonitor(4, 2)
	var r Result
	for _, c := range []uint16{1, 2, 9, 9} { // 2-9 and 9-9 unseen
		r = w.Observe(c)
	}
	if !r.Fired || r.LFC != 2 {
		t.Fatalf("after two unseen: %+v", r)
	}
	for _, c := range []uint16{9, 1, 2, 1, 2, 1} { // 9-9, 9-1 unseen, then 4 seen
		r = w.Observe(c)
	}
	if r.LFC != 0 || r.Fired {
		t.Fatalf("after a frame of seen n-grams: %+v", r)
	}
}

func TestModelsRoundTrip(t *testing.T) {
	m, _ := Train(5, [][]uint16{trace(5, 10_000), {65535, 0, 256, 1, 2}})
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(b, again) || got.Len() != m.Len() || got.N() != 5 {
		t.Fatal("a model read back differs")
	}
	if u, _ := got.Unseen([]uint16{65535, 0, 256, 1, 2}); u != 0 {
		t.Fatal("a trained n-gram is unseen after a round trip")
	}
	// Two n-grams swapped: not the one encoding.
	if m.Len() >= 2 {
		sw := bytes.Clone(b)
		copy(sw[5:15], b[15:25])
		copy(sw[15:25], b[5:15])
		if _, err := Parse(sw); !errors.Is(err, ErrBadModel) {
			t.Fatalf("n-grams out of order read: %v", err)
		}
	}
	if _, err := Parse(b[:len(b)-1]); !errors.Is(err, ErrBadModel) {
		t.Fatalf("a short model read: %v", err)
	}
}

func TestTheMonitorAllocatesNothingPerCall(t *testing.T) {
	m, _ := Train(6, [][]uint16{trace(1, 10_000)})
	w := m.NewMonitor(64, 4)
	tr := trace(6, 1000)
	i := 0
	if n := testing.AllocsPerRun(1000, func() { w.Observe(tr[i%len(tr)]); i++ }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

func FuzzParseModel(f *testing.F) {
	m, _ := Train(3, [][]uint16{trace(1, 500)})
	b, _ := m.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("refusal without its cause: %v", err)
			}
			return
		}
		again, _ := m.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("model does not encode back to its bytes")
		}
	})
}
