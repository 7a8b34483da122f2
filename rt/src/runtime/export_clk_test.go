// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import "unsafe"

// ClkCopyToUntouched copies src with memmove into fresh memory from
// sysAlloc, which nothing has touched yet, so that the copy's stores take
// the first-touch page faults of the anonymous window, and returns what
// landed there.
func ClkCopyToUntouched(src []byte) []byte {
	n := uintptr(len(src))
	p := sysAlloc(n, &memstats.other_sys, "test")
	if p == nil {
		throw("ClkCopyToUntouched: no address space")
	}
	// unsafe.Pointer: memmove takes the slice's backing array.
	memmove(p, unsafe.Pointer(unsafe.SliceData(src)), n)
	got := make([]byte, n)
	// unsafe.Pointer: memmove takes the slice's backing array.
	memmove(unsafe.Pointer(unsafe.SliceData(got)), p, n)
	sysFree(p, n, &memstats.other_sys)
	return got
}
