// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build !clk

package runtime

// clkSchedYield lets GOOS=clk switch kernel threads between goroutines
// (thread_clk.go); other systems preempt their threads.
func clkSchedYield() {}
