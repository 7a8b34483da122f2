package classify

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	stdtime "time"

	"clk/aisup/metrics"
)

var features = []string{"cpu_ns", "faults", "syscalls", "msgs_out"}

// sample returns a made-up sample: a normal one serves requests; an
// anomalous one faults and calls the kernel far more for as much work.
func sample(r *rand.Rand, anomalous bool) metrics.Sample {
	s := metrics.Sample{Module: "kv", CPU: stdtime.Duration(1_000_000 + 100_000*jitter(r)), Faults: uint64(r.IntN(3)),
		MsgsOut: uint64(100 + r.IntN(20)), Syscalls: []metrics.SyscallCount{{Num: 1, Count: uint64(300 + r.IntN(50))}}}
	if anomalous {
		s.Faults += 40 + uint64(r.IntN(20))
		s.Syscalls[0].Count += 400
	}
	return s
}

func jitter(r *rand.Rand) int64 { return int64(math.Round(r.NormFloat64())) }

func set(seed uint64, n int) (x [][]float64, y []bool, s []metrics.Sample) {
	r := rand.New(rand.NewPCG(seed, 3))
	ms := make([]metrics.Metric, len(features))
	for i, f := range features {
		ms[i], _ = metrics.Lookup(f)
	}
	for i := range n {
		a := i%5 == 0
		smp := sample(r, a)
		s = append(s, smp)
		x = append(x, metrics.Vector(nil, &smp, ms))
		y = append(y, a)
	}
	return x, y, s
}

func TestASeparableSetIsLearned(t *testing.T) {
	x, y, _ := set(1, 500)
	m, err := Train(features, x, y, TrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, y2, s2 := set(2, 2000)
	wrong := 0
	buf := make([]float64, 2*len(features))
	for i := range s2 {
		p, ev := m.Judge(&s2[i], buf)
		if (ev != nil) != y2[i] {
			wrong++
		}
		if ev != nil && (ev.Metric != "faults" && ev.Metric != "syscalls" || ev.Score != p) {
			t.Fatalf("evidence %+v names a feature that did not move", ev)
		}
	}
	if wrong != 0 {
		t.Fatalf("%d of %d held-out samples misjudged", wrong, len(s2))
	}
	if n := testing.AllocsPerRun(100, func() { m.Judge(&s2[1], buf) }); n != 0 {
		t.Fatalf("%v allocations per judgement of a normal sample", n)
	}
}

func TestTrainingIsDeterministicAndRoundTrips(t *testing.T) {
	x, y, s := set(3, 300)
	a, _ := Train(features, x, y, TrainConfig{Epochs: 300})
	b, _ := Train(features, x, y, TrainConfig{Epochs: 300})
	ea, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	eb, _ := b.MarshalBinary()
	if !bytes.Equal(ea, eb) {
		t.Fatal("two trainings on one set differ")
	}
	c, err := Parse(ea)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s {
		pa, _ := a.Judge(&s[i], nil)
		pc, _ := c.Judge(&s[i], nil)
		if pa != pc {
			t.Fatalf("sample %d: %v before the round trip, %v after", i, pa, pc)
		}
	}
}

func TestBadModelsAreRefused(t *testing.T) {
	x, y, _ := set(3, 50)
	m, _ := Train(features, x, y, TrainConfig{Epochs: 10})
	good, _ := m.MarshalBinary()
	nan := bytes.Clone(good)
	copy(nan[len(nan)-16:], []byte{1, 0, 0, 0, 0, 0, 0xf8, 0x7f}) // bias NaN
	bad := [][]byte{good[:len(good)-1], append(bytes.Clone(good), 0), nan, {0}}
	renamed := bytes.Clone(good)
	copy(renamed[2:], "CPU")
	bad = append(bad, renamed)
	for i, b := range bad {
		if _, err := Parse(b); !errors.Is(err, ErrBadModel) {
			t.Errorf("bad model %d read: %v", i, err)
		}
	}
	if _, err := Train([]string{"nope"}, [][]float64{{1}}, []bool{true}, TrainConfig{}); !errors.Is(err, ErrBadModel) {
		t.Errorf("a model of an unknown metric trained: %v", err)
	}
}

func FuzzParseClassifier(f *testing.F) {
	x, y, _ := set(3, 50)
	m, _ := Train(features, x, y, TrainConfig{Epochs: 10})
	good, _ := m.MarshalBinary()
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("refusal without its cause: %v", err)
			}
			return
		}
		again, err := m.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("model does not encode back to its bytes: %v", err)
		}
		m.Judge(&metrics.Sample{}, nil)
	})
}
