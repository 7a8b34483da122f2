// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime_test

import (
	"runtime"
	"testing"
)

// The first touch of a page in the anonymous window (sysAlloc's memory:
// span sets, the span list, the garbage collector's queues) is served in
// the page-fault stub, which runs Go code and retries the faulting
// instruction. The interrupted code must find every register as it left
// it: memmove holds up to 256 bytes in X0-X15 between its loads and its
// stores, so a copy whose store takes the fault must still write the
// source's bytes, not what the fault path left in a vector register.
func TestClkFirstTouchKeepsVectorRegisters(t *testing.T) {
	// Sizes that take each of memmove's paths: registers up to 256 bytes,
	// its 256-byte register loop up to 2 KiB, string moves beyond.
	for _, n := range []int{16, 48, 100, 200, 256, 1000, 2048, 5000, 16384} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i%251 + 1) // never zero, as fresh memory is
		}
		got := runtime.ClkCopyToUntouched(src)
		for i := range src {
			if got[i] != src[i] {
				t.Errorf("memmove of %d bytes into untouched memory: byte %d is %#x, want %#x", n, i, got[i], src[i])
				break
			}
		}
	}
}
