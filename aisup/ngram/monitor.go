package ngram

import (
	"clk/aisup"
)

// Monitor follows one process's syscalls against its module's model:
// each call completes an n-gram with the n-1 calls before it, and the
// locality frame count (LFC, after pH) is how many of the last Frame
// n-grams the model does not hold. Scattered unseen n-grams are the
// noise of a short training; many close together are a process doing
// what it never did. A Monitor is not safe for concurrent use and
// allocates nothing per call.
type Monitor struct {
	model *Model
	// Frame is the locality frame's length in calls; Threshold the LFC
	// at which the monitor fires.
	Frame, Threshold int

	recent []uint16 // ring of the last n calls
	next   int
	calls  int
	key    []byte
	frame  []bool // ring: which of the last Frame n-grams were unseen
	fnext  int
	lfc    int
	fired  bool
}

// NewMonitor returns a monitor of m with a locality frame of frame calls
// that fires when threshold of them were unseen.
func (m *Model) NewMonitor(frame, threshold int) *Monitor {
	frame = max(frame, 1)
	return &Monitor{model: m, Frame: frame, Threshold: max(threshold, 1),
		recent: make([]uint16, m.n), key: make([]byte, 2*m.n), frame: make([]bool, frame)}
}

// Result is a monitor's judgement of one call.
type Result struct {
	// Unseen says the n-gram the call completed is not in the model.
	Unseen bool
	// LFC is the locality frame count after the call.
	LFC int
	// Fired is set on the call that brought the LFC to the threshold; it
	// fires again only after the LFC has fallen below it.
	Fired bool
}

// Observe judges one call.
func (w *Monitor) Observe(call uint16) Result {
	n := w.model.n
	w.recent[w.next] = call
	w.next = (w.next + 1) % n
	w.calls++
	var r Result
	if w.calls >= n {
		for i := 0; i < n; i++ {
			c := w.recent[(w.next+i)%n]
			w.key[2*i], w.key[2*i+1] = byte(c), byte(c>>8)
		}
		r.Unseen = !w.model.has(w.key)
	}
	if w.frame[w.fnext] {
		w.lfc--
	}
	w.frame[w.fnext] = r.Unseen
	if r.Unseen {
		w.lfc++
	}
	w.fnext = (w.fnext + 1) % w.Frame
	r.LFC = w.lfc
	if w.lfc >= w.Threshold {
		r.Fired = !w.fired
		w.fired = true
	} else {
		w.fired = false
	}
	return r
}

// Evidence returns the evidence of r: the last n calls (oldest first), the
// LFC against the threshold, and the unseen fraction of the frame.
func (w *Monitor) Evidence(r Result) aisup.Evidence {
	n := w.model.n
	seq := make([]uint16, 0, n)
	for i := 0; i < n && i < w.calls; i++ {
		seq = append(seq, w.recent[(w.next+n-min(n, w.calls)+i)%n])
	}
	return aisup.Evidence{Tier: aisup.TierModel, Detector: "ngram", Sequence: seq,
		Observed: float64(r.LFC), Baseline: float64(w.Threshold), Score: float64(r.LFC) / float64(w.Frame)}
}
