//go:build !linux

package main

import (
	"errors"
	"fmt"
	"runtime"
)

// errUnsupported is what every benchmark reports away from Linux, where the
// program is only compiled, for go vet.
var errUnsupported = fmt.Errorf("%s: %w", runtime.GOOS, errors.ErrUnsupported)

func prepare() error { return nil }

func powerOff() {}

func startNullSyscall() (op, func() error, error) { return nil, nil, errUnsupported }

func startRoundTrip() (op, func() error, error) { return nil, nil, errUnsupported }

func child() int { return 1 }
