// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package exec

import "errors"

// ErrNotFound is the error resulting if a path search failed to find an executable file.
var ErrNotFound = errors.New("executable file not found in $PATH")

// lookPath reports that file is not found: clk runs no other programs,
// so it has no executables.
func lookPath(file string) (string, error) {
	return "", &Error{file, ErrNotFound}
}

// lookExtensions is a no-op: executables have no required extension.
func lookExtensions(path, dir string) (string, error) {
	return path, nil
}
