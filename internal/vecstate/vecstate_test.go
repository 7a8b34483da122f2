package vecstate

import "testing"

func TestPatternsOfTwoSeedsShareNoWord(t *testing.T) {
	a, b := Pattern(1), Pattern(2)
	seen := map[uint64]bool{}
	for _, w := range a {
		if w == 0 || seen[w] {
			t.Fatalf("pattern 1 has word %#x twice or zero", w)
		}
		seen[w] = true
	}
	for _, w := range b {
		if seen[w] {
			t.Fatalf("patterns 1 and 2 share word %#x", w)
		}
	}
}

func TestHoldKeepsTheRegisters(t *testing.T) {
	if !Usable() {
		t.Skip("AVX is not usable here")
	}
	if bad := Hold(7, 1000); bad != 0 {
		t.Errorf("Hold(7, 1000) found %d words changed", bad)
	}
}

// TestHoldSeesAChangedRegister makes sure the check can fail: registers
// loaded with one pattern and compared with another differ in every word.
func TestHoldSeesAChangedRegister(t *testing.T) {
	if !Usable() {
		t.Skip("AVX is not usable here")
	}
	var got [Words]uint64
	if bad := hold(Pattern(1), Pattern(2), &got, 10); bad != Words {
		t.Errorf("loading pattern 1 and checking against 2: %d words differ, want %d", bad, Words)
	}
	want := Pattern(3)
	load := *want
	load[37] ^= 1 << 63 // one lane of YMM9
	if bad := hold(&load, want, &got, 10); bad != 1 {
		t.Errorf("one word flipped: %d words differ, want 1", bad)
	}
}
