package proc

import (
	"clk/abi"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// modelPage is what the model knows of one reserved page.
type modelPage struct {
	perm Perm
	kind Kind
	name string
	data byte // the byte at modelOffset; 0 until written
}

// modelOffset is where in each page the model test writes and reads.
const modelOffset = 123

// model is the reference a Space is compared with: a map of reserved pages.
type model map[uint64]*modelPage

func (m model) free(a, b uint64) bool {
	for va := a; va < b; va += abi.PageSize {
		if m[va] != nil {
			return false
		}
	}
	return true
}

// firstFit is the lowest free run of n pages at or above from.
func (m model) firstFit(from, n uint64) uint64 {
	for a := from; ; a += abi.PageSize {
		if m.free(a, a+n*abi.PageSize) {
			return a
		}
	}
}

// TestSpaceModel runs random sequences of Reserve, Release, Discard,
// Protect, Fault and copies against a Space and the model, checking after
// each step that the regions, expanded to pages, equal the model's, that
// the region list is well formed, and that every page reads back the last
// byte written since it was reserved or discarded, else zero.
func TestSpaceModel(t *testing.T) {
	const (
		window = 64 // pages, the first half below AnonBase
		steps  = 400
	)
	lo := uint64(AnonBase - window/2*abi.PageSize)
	names := []string{"a", "b"}
	perms := []Perm{0, PermRead, PermWrite, PermExec, rw, rx, PermWrite | PermExec, permAll}
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x636c6b))
			s, p := newSpace(t)
			m := model{}
			page := func() uint64 { return lo + rng.Uint64N(window)*abi.PageSize }
			for step := range steps {
				a := page()
				n := 1 + rng.Uint64N(8)
				b := a + n*abi.PageSize
				perm := perms[rng.IntN(len(perms))]
				wx := perm&(PermWrite|PermExec) == PermWrite|PermExec
				var op string
				var err error
				var wantErr error
				switch k := rng.IntN(8); k {
				case 0, 1: // reserve at a fixed address
					kind, name := Kind(rng.IntN(int(KindDevice))), names[rng.IntN(2)] // MapPhys alone makes device regions
					op = fmt.Sprintf("Reserve(%#x, %d pages, %v, %v, %s)", a, n, perm, kind, name)
					_, err = s.Reserve(a, n*abi.PageSize, perm, kind, name)
					switch {
					case wx:
						wantErr = ErrInvalid
					case !m.free(a, b):
						wantErr = ErrOverlap
					default:
						for va := a; va < b; va += abi.PageSize {
							m[va] = &modelPage{perm: perm, kind: kind, name: name}
						}
					}
				case 2: // reserve anywhere
					n = 1 + rng.Uint64N(4)
					op = fmt.Sprintf("Reserve(0, %d pages, %v)", n, perm)
					var got uint64
					got, err = s.Reserve(0, n*abi.PageSize-rng.Uint64N(abi.PageSize), perm, KindAnon, "any")
					if wx {
						wantErr = ErrInvalid
						break
					}
					want := m.firstFit(AnonBase, n)
					if err == nil && got != want {
						t.Fatalf("step %d: %s at %#x, want %#x", step, op, got, want)
					}
					for va := want; va < want+n*abi.PageSize; va += abi.PageSize {
						m[va] = &modelPage{perm: perm, kind: KindAnon, name: "any"}
					}
				case 3: // release
					op = fmt.Sprintf("Release(%#x, %d pages)", a, n)
					err = s.Release(a, n*abi.PageSize)
					for va := a; va < b; va += abi.PageSize {
						delete(m, va)
					}
				case 4: // discard
					op = fmt.Sprintf("Discard(%#x, %d pages)", a, n)
					err = s.Discard(a, n*abi.PageSize)
					for va := a; va < b; va += abi.PageSize {
						if mp := m[va]; mp != nil {
							mp.data = 0
						}
					}
				case 5: // protect
					op = fmt.Sprintf("Protect(%#x, %d pages, %v)", a, n, perm)
					err = s.Protect(a, n*abi.PageSize, perm)
					switch {
					case wx:
						wantErr = ErrInvalid
					case !m.covers(a, b):
						wantErr = ErrUnmapped
					default:
						for va := a; va < b; va += abi.PageSize {
							m[va].perm = perm
						}
					}
				case 6: // write one byte, or fault
					mp := m[a]
					if rng.IntN(2) == 0 {
						v := byte(1 + rng.IntN(255))
						op = fmt.Sprintf("CopyOut(%#x, %d)", a+modelOffset, v)
						err = s.CopyOut(a+modelOffset, []byte{v})
						wantErr = m.denied(a, AccessWrite)
						if wantErr == nil {
							mp.data = v
						}
					} else {
						acc := Access(rng.IntN(int(accessCount)))
						op = fmt.Sprintf("Fault(%#x, %v)", a+modelOffset, acc)
						err = s.Fault(a+modelOffset, acc)
						wantErr = m.denied(a, acc)
					}
				case 7: // read one byte
					op = fmt.Sprintf("CopyIn(%#x)", a+modelOffset)
					got := []byte{0xFF}
					err = s.CopyIn(got, a+modelOffset)
					wantErr = m.denied(a, AccessRead)
					if wantErr == nil && err == nil && got[0] != m[a].data {
						t.Fatalf("step %d: %s read %d, want %d", step, op, got[0], m[a].data)
					}
				}
				if wantErr == nil && err != nil || wantErr != nil && !errors.Is(err, wantErr) {
					t.Fatalf("step %d: %s: %v, want %v", step, op, err, wantErr)
				}
				m.compare(t, step, op, s, p)
			}
			// Every page that is readable reads back as the model says.
			for va, mp := range m {
				if mp.perm&PermRead == 0 {
					continue
				}
				got := []byte{0xFF}
				if err := s.CopyIn(got, va+modelOffset); err != nil || got[0] != mp.data {
					t.Errorf("page %#x reads %d, %v; want %d", va, got[0], err, mp.data)
				}
			}
		})
	}
}

// covers reports whether every page of [a, b) is reserved.
func (m model) covers(a, b uint64) bool {
	for va := a; va < b; va += abi.PageSize {
		if m[va] == nil {
			return false
		}
	}
	return true
}

// denied returns the cause the Space must give for access to page va.
func (m model) denied(va uint64, access Access) error {
	mp := m[va]
	switch {
	case mp == nil:
		return ErrUnmapped
	case mp.perm&access.need() == 0:
		return deniedCause[access]
	}
	return nil
}

// compare checks s against the model.
func (m model) compare(t *testing.T, step int, op string, s *Space, p *MemPages) {
	t.Helper()
	regions := s.Regions()
	pages := 0
	for i, r := range regions {
		switch {
		case r.Start >= r.End || r.Start%abi.PageSize != 0 || r.End%abi.PageSize != 0:
			t.Fatalf("step %d (%s): malformed region %v", step, op, r)
		case r.Start < abi.UserBase || r.End > abi.UserTop:
			t.Fatalf("step %d (%s): region %v outside the user range", step, op, r)
		case r.Perm&(PermWrite|PermExec) == PermWrite|PermExec:
			t.Fatalf("step %d (%s): region %v is writable and executable", step, op, r)
		case i > 0 && regions[i-1].End > r.Start:
			t.Fatalf("step %d (%s): regions %v and %v out of order or overlapping", step, op, regions[i-1], r)
		case i > 0 && regions[i-1].End == r.Start && regions[i-1].Perm == r.Perm &&
			regions[i-1].Kind == r.Kind && regions[i-1].Name == r.Name:
			t.Fatalf("step %d (%s): equal neighbours %v and %v not merged", step, op, regions[i-1], r)
		}
		for va := r.Start; va < r.End; va += abi.PageSize {
			mp := m[va]
			if mp == nil || mp.perm != r.Perm || mp.kind != r.Kind || mp.name != r.Name {
				t.Fatalf("step %d (%s): page %#x in region %v; model has %+v", step, op, va, r, mp)
			}
			pages++
		}
	}
	if pages != len(m) {
		t.Fatalf("step %d (%s): regions hold %d pages, model %d", step, op, pages, len(m))
	}
	if s.Resident() != p.Mapped() {
		t.Fatalf("step %d (%s): resident %d, mapped %d", step, op, s.Resident(), p.Mapped())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for va := range s.resident {
		mp := m[va]
		if mp == nil {
			t.Fatalf("step %d (%s): page %#x mapped outside every region", step, op, va)
		}
		if _, perm, _ := p.Frame(va); perm != mp.perm {
			t.Fatalf("step %d (%s): page %#x mapped %v, region %v", step, op, va, perm, mp.perm)
		}
	}
}
