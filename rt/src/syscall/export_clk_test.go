// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

var ClkMount = clkMount

// ClkSetTmpBudget sets the bytes /tmp may hold and returns the previous
// bound.
func ClkSetTmpBudget(n int64) (old int64) {
	fsMu.Lock()
	defer fsMu.Unlock()
	old, tmpBudget = tmpBudget, n
	return old
}

// ClkTmpUsed returns the bytes /tmp holds.
func ClkTmpUsed() int64 {
	fsMu.RLock()
	defer fsMu.RUnlock()
	return tmpUsed
}
