package ngram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrBadModel is the cause of every refusal of a model's encoding.
var ErrBadModel = errors.New("invalid n-gram model")

// Bounds of a model.
const (
	MaxN     = 16
	MaxGrams = 1 << 20
)

// Model is the set of the syscall n-grams a module made in training.
type Model struct {
	n     int
	grams map[string]struct{} // each n-gram as 2n bytes, little-endian
}

// N returns the model's window length.
func (m *Model) N() int { return m.n }

// Len returns the number of distinct n-grams the model holds.
func (m *Model) Len() int { return len(m.grams) }

// Train returns the model of the n-grams of traces, each a process's
// syscall numbers in the order made. A trace shorter than n adds nothing.
func Train(n int, traces [][]uint16) (*Model, error) {
	if n < 1 || n > MaxN {
		return nil, fmt.Errorf("n-gram length %d outside [1, %d]: %w", n, MaxN, ErrBadModel)
	}
	m := &Model{n: n, grams: map[string]struct{}{}}
	key := make([]byte, 2*n)
	for _, tr := range traces {
		for i := 0; i+n <= len(tr); i++ {
			putGram(key, tr[i:i+n])
			if _, ok := m.grams[string(key)]; !ok {
				if len(m.grams) == MaxGrams {
					return nil, fmt.Errorf("more than %d distinct %d-grams: %w", MaxGrams, n, ErrBadModel)
				}
				m.grams[string(key)] = struct{}{}
			}
		}
	}
	return m, nil
}

func putGram(key []byte, gram []uint16) {
	for i, c := range gram {
		binary.LittleEndian.PutUint16(key[2*i:], c)
	}
}

// has reports whether the model holds the n-gram encoded in key.
func (m *Model) has(key []byte) bool {
	_, ok := m.grams[string(key)]
	return ok
}

// Unseen returns how many of the n-grams of seq the model does not hold,
// and how many n-grams seq has.
func (m *Model) Unseen(seq []uint16) (unseen, total int) {
	key := make([]byte, 2*m.n)
	for i := 0; i+m.n <= len(seq); i++ {
		putGram(key, seq[i:i+m.n])
		if !m.has(key) {
			unseen++
		}
		total++
	}
	return unseen, total
}

// less orders n-grams by their syscall numbers, first number first.
func less(a, b string) int {
	for i := 0; i < len(a); i += 2 {
		x, y := binary.LittleEndian.Uint16([]byte(a[i:])), binary.LittleEndian.Uint16([]byte(b[i:]))
		if x != y {
			return int(x) - int(y)
		}
	}
	return 0
}

// MarshalBinary returns the model's encoding, integers little-endian:
//
//	1      n, 1 to 16
//	4      g, the number of n-grams, at most 2^20
//	2n·g   the n-grams, each n syscall numbers of 2 bytes, in ascending
//	       order (by first number, then second ...), each once
//
// So a model has one encoding.
func (m *Model) MarshalBinary() ([]byte, error) {
	keys := make([]string, 0, len(m.grams))
	for k := range m.grams {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, less)
	b := make([]byte, 0, 5+2*m.n*len(keys))
	b = append(b, byte(m.n))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(keys)))
	for _, k := range keys {
		b = append(b, k...)
	}
	return b, nil
}

// Parse decodes a model.
func Parse(b []byte) (*Model, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("%d bytes: %w", len(b), ErrBadModel)
	}
	n := int(b[0])
	g := binary.LittleEndian.Uint32(b[1:])
	if n < 1 || n > MaxN || g > MaxGrams {
		return nil, fmt.Errorf("n %d, %d n-grams: %w", n, g, ErrBadModel)
	}
	rest := b[5:]
	if uint64(len(rest)) != uint64(g)*uint64(2*n) {
		return nil, fmt.Errorf("%d bytes of n-grams, want %d: %w", len(rest), uint64(g)*uint64(2*n), ErrBadModel)
	}
	m := &Model{n: n, grams: make(map[string]struct{}, g)}
	prev := ""
	for i := 0; i < int(g); i++ {
		k := string(rest[2*n*i : 2*n*(i+1)])
		if i > 0 && less(prev, k) >= 0 {
			return nil, fmt.Errorf("n-gram %d not above the one before: %w", i, ErrBadModel)
		}
		m.grams[k] = struct{}{}
		prev = k
	}
	return m, nil
}
