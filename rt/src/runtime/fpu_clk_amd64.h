// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The room an FPU save area takes (fpu_clk_amd64.go: clkFPUAreaSize): the
// stubs that save the vector state carve it from their stacks, 64-byte
// aligned, and call clkFPUSave and clkFPURestore on it.
#define FPU_AREA 1024
