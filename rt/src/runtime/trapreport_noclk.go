// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build !clk

package runtime

// clkPrintPanicTrap is the GOOS=clk CPU report of a fatal panic that began
// as an exception (trap_clk_amd64.go); other systems have none.
func clkPrintPanicTrap(gp *g) {}
