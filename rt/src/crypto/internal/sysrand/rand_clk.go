// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package sysrand

import _ "unsafe" // for linkname

// getRandom fills b from the CPU's random number generator. It is
// runtime.readRandom, pushed via linkname.
//
//go:linkname getRandom
//go:noescape
func getRandom(b []byte)

func read(b []byte) error {
	getRandom(b)
	return nil
}
