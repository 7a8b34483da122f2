// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package os

// supportsCloseOnExec reports whether the platform supports the
// O_CLOEXEC flag. clk accepts it; with no exec it changes nothing.
const supportsCloseOnExec = true

func hostname() (name string, err error) {
	return "clk", nil
}
