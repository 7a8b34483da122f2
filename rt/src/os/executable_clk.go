// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package os

import "errors"

// The program is the kernel image the machine booted, which has no name
// in the file system.
func executable() (string, error) {
	return "", errors.New("Executable not implemented for clk")
}
