//go:build !linux

package systest

import (
	"errors"
	"os/exec"
	"time"
)

// killWithParent has no portable equivalent of Linux's parent-death signal;
// elsewhere QEMU is killed by the Machine's context only.
func killWithParent(*exec.Cmd) {}

// CPUTime returns the processor time QEMU has used so far; it is known only
// on Linux.
func (m *Machine) CPUTime() (time.Duration, error) {
	return 0, errors.New("QEMU's CPU time is read from /proc, which only Linux has")
}
