package classify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"clk/aisup"
	"clk/aisup/metrics"
)

// ErrBadModel is the cause of every refusal of a classifier's encoding or
// training set.
var ErrBadModel = errors.New("invalid classifier")

// MaxFeatures bounds a model's feature vector.
const MaxFeatures = 64

// Model is a logistic regression over standardized features: the
// probability that a sample is anomalous is σ(w·((x − mean)/scale) + b).
type Model struct {
	// Features name the metrics (metrics.Names, "syscall.N") in the
	// order of the weights.
	Features []string
	Mean     []float64
	Scale    []float64 // each > 0
	Weights  []float64
	Bias     float64
	// Threshold is the probability above which a sample is judged
	// anomalous, in (0, 1).
	Threshold float64

	metrics []metrics.Metric
}

// TrainConfig sets the training's few knobs; zero fields take the
// defaults given with them.
type TrainConfig struct {
	Epochs    int     // full passes of batch gradient descent, 2000
	Rate      float64 // step size, 0.5
	L2        float64 // weight decay, 1e-4
	Threshold float64 // the model's Threshold, 0.5
}

// Train fits a model to labelled feature vectors (x[i] has one value per
// feature; anomalous[i] is its label) by batch gradient descent on the
// log loss. It is deterministic: the same inputs give the same weights.
func Train(features []string, x [][]float64, anomalous []bool, cfg TrainConfig) (*Model, error) {
	d := len(features)
	if d < 1 || d > MaxFeatures || len(x) == 0 || len(x) != len(anomalous) {
		return nil, fmt.Errorf("train: %d features, %d vectors, %d labels: %w", d, len(x), len(anomalous), ErrBadModel)
	}
	if cfg.Epochs == 0 {
		cfg.Epochs = 2000
	}
	if cfg.Rate == 0 {
		cfg.Rate = 0.5
	}
	if cfg.L2 == 0 {
		cfg.L2 = 1e-4
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = 0.5
	}
	m := &Model{Features: features, Mean: make([]float64, d), Scale: make([]float64, d), Weights: make([]float64, d), Threshold: cfg.Threshold}
	for _, v := range x {
		if len(v) != d {
			return nil, fmt.Errorf("train: a vector of %d values, %d features: %w", len(v), d, ErrBadModel)
		}
		for j, f := range v {
			m.Mean[j] += f / float64(len(x))
		}
	}
	for _, v := range x {
		for j, f := range v {
			m.Scale[j] += (f - m.Mean[j]) * (f - m.Mean[j]) / float64(len(x))
		}
	}
	for j := range m.Scale {
		m.Scale[j] = math.Sqrt(m.Scale[j])
		if !(m.Scale[j] > 0) {
			m.Scale[j] = 1 // a constant feature: its weight stays 0
		}
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	z := make([]float64, d)
	grad := make([]float64, d)
	for range cfg.Epochs {
		clear(grad)
		gb := 0.0
		for i, v := range x {
			m.standardize(z, v)
			err := m.prob(z)
			if anomalous[i] {
				err--
			}
			for j := range grad {
				grad[j] += err * z[j]
			}
			gb += err
		}
		n := float64(len(x))
		for j := range m.Weights {
			m.Weights[j] -= cfg.Rate * (grad[j]/n + cfg.L2*m.Weights[j])
		}
		m.Bias -= cfg.Rate * gb / n
	}
	return m, m.check()
}

func (m *Model) standardize(z, x []float64) {
	for j := range z {
		z[j] = (x[j] - m.Mean[j]) / m.Scale[j]
	}
}

func (m *Model) prob(z []float64) float64 {
	s := m.Bias
	for j, w := range m.Weights {
		s += w * z[j]
	}
	return 1 / (1 + math.Exp(-s))
}

// Probability returns the probability that x, a vector in the order of
// Features, is anomalous. scratch, if it has room for the features, is
// used instead of allocating.
func (m *Model) Probability(x, scratch []float64) float64 {
	if cap(scratch) < len(m.Features) {
		scratch = make([]float64, len(m.Features))
	}
	z := scratch[:len(m.Features)]
	m.standardize(z, x)
	return m.prob(z)
}

// Judge scores a sample with a model made by Train or Parse. It returns the probability and, when it is
// above the threshold, the evidence: the feature that pushed the score up
// most, its value and its training mean. buf is scratch of at least
// twice the number of features, or nil.
func (m *Model) Judge(s *metrics.Sample, buf []float64) (float64, *aisup.Evidence) {
	d := len(m.Features)
	if len(m.metrics) != d {
		return 0, nil // not made by Train or Parse
	}
	if cap(buf) < 2*d {
		buf = make([]float64, 2*d)
	}
	x := metrics.Vector(buf[:0], s, m.metrics)
	p := m.Probability(x, buf[d:2*d])
	if p <= m.Threshold {
		return p, nil
	}
	top, most := 0, math.Inf(-1)
	for j, w := range m.Weights {
		if c := w * (x[j] - m.Mean[j]) / m.Scale[j]; c > most {
			top, most = j, c
		}
	}
	return p, &aisup.Evidence{Tier: aisup.TierModel, Detector: "classifier", Metric: m.Features[top],
		Observed: x[top], Baseline: m.Mean[top], Score: p}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// check checks m and resolves its feature names.
func (m *Model) check() error {
	d := len(m.Features)
	if d < 1 || d > MaxFeatures || len(m.Mean) != d || len(m.Scale) != d || len(m.Weights) != d {
		return fmt.Errorf("%d features, %d means, %d scales, %d weights: %w", d, len(m.Mean), len(m.Scale), len(m.Weights), ErrBadModel)
	}
	if !(m.Threshold > 0 && m.Threshold < 1) || !finite(m.Bias) {
		return fmt.Errorf("threshold %v, bias %v: %w", m.Threshold, m.Bias, ErrBadModel)
	}
	m.metrics = m.metrics[:0]
	for j, name := range m.Features {
		mt, err := metrics.Lookup(name)
		if err != nil || mt.Name() != name {
			return fmt.Errorf("feature %d (%q): not a metric's name: %w", j, name, ErrBadModel)
		}
		if !finite(m.Mean[j]) || !finite(m.Weights[j]) || !finite(m.Scale[j]) || m.Scale[j] <= 0 {
			return fmt.Errorf("feature %s: mean %v, scale %v, weight %v: %w", name, m.Mean[j], m.Scale[j], m.Weights[j], ErrBadModel)
		}
		m.metrics = append(m.metrics, mt)
	}
	return nil
}

// MarshalBinary returns the model's encoding, little-endian:
//
//	1        d, the number of features, 1 to 64
//	d × (1 + k)  each feature's name: a length byte and the name
//	8·d      means, float64 (IEEE 754 bits)
//	8·d      scales, each finite and above 0
//	8·d      weights
//	8        bias
//	8        threshold, in (0, 1)
//
// Every float is finite; a model has one encoding.
func (m *Model) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	b := []byte{byte(len(m.Features))}
	for _, f := range m.Features {
		b = append(b, byte(len(f)))
		b = append(b, f...)
	}
	for _, v := range [][]float64{m.Mean, m.Scale, m.Weights, {m.Bias, m.Threshold}} {
		for _, f := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
	}
	return b, nil
}

// Parse decodes a model.
func Parse(b []byte) (*Model, error) {
	if len(b) < 1 {
		return nil, fmt.Errorf("empty: %w", ErrBadModel)
	}
	d := int(b[0])
	if d < 1 || d > MaxFeatures {
		return nil, fmt.Errorf("%d features: %w", d, ErrBadModel)
	}
	rest := b[1:]
	m := &Model{}
	for range d {
		// The length as an int: 1+rest[0] in byte arithmetic wraps at 255.
		if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
			return nil, fmt.Errorf("ends in a feature's name: %w", ErrBadModel)
		}
		n := 1 + int(rest[0])
		m.Features = append(m.Features, string(rest[1:n]))
		rest = rest[n:]
	}
	if len(rest) != 8*(3*d+2) {
		return nil, fmt.Errorf("%d bytes of weights, want %d: %w", len(rest), 8*(3*d+2), ErrBadModel)
	}
	f := func() float64 {
		v := math.Float64frombits(binary.LittleEndian.Uint64(rest))
		rest = rest[8:]
		return v
	}
	for _, v := range []*[]float64{&m.Mean, &m.Scale, &m.Weights} {
		*v = make([]float64, d)
		for j := range *v {
			(*v)[j] = f()
		}
	}
	m.Bias, m.Threshold = f(), f()
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}
