// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build !clk

package runtime

// clkSchedYield lets GOOS=clk switch kernel threads between goroutines
// (thread_clk.go); other systems preempt their threads.
func clkSchedYield() {}

// clkLazyRetake reports whether sysmon should leave a P in a syscall alone
// while there is no other work, even when no P is idle: true for clk's
// ring-3 programs (userpersonality_clk_amd64.go).
func clkLazyRetake() bool { return false }
