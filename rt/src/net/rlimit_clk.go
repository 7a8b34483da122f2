// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package net

// concurrentThreadsLimit returns the number of threads we permit to
// run concurrently doing DNS lookups. clk has no descriptor limit to
// derive it from.
func concurrentThreadsLimit() int {
	return 500
}
