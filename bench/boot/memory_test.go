package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestSmallestMemoryFindsTheThreshold(t *testing.T) {
	for _, need := range memSizes {
		var tried []int
		mib, why := smallestMemory(func(m int) (bool, string) {
			tried = append(tried, m)
			return m >= need, fmt.Sprintf("short by %d", need-m)
		})
		if mib != need {
			t.Errorf("need %d MiB: found %d (tried %v)", need, mib, tried)
		}
		if need != memSizes[0] && !strings.Contains(why, "MiB: short by") {
			t.Errorf("need %d MiB: why %q names no failed size", need, why)
		}
		if len(tried) > 5 {
			t.Errorf("need %d MiB: %d boots (%v), bisection needs at most 5", need, len(tried), tried)
		}
	}
}

func TestSmallestMemoryIsZeroWhenNothingBoots(t *testing.T) {
	mib, why := smallestMemory(func(int) (bool, string) { return false, "no prompt" })
	if mib != 0 || why != "no prompt" {
		t.Errorf("nothing boots: got %d MiB, %q; want 0 and the largest size's failure", mib, why)
	}
}
