//go:build !linux

package qemu

import (
	"errors"
	"os/exec"
	"time"
)

// KillWithParent has no portable equivalent of Linux's parent-death signal;
// elsewhere QEMU is killed by the Machine's context only.
func KillWithParent(*exec.Cmd) {}

// CPUTime returns the processor time QEMU has used so far; it is known only
// on Linux.
func (m *Machine) CPUTime() (time.Duration, error) {
	return 0, errors.New("QEMU's CPU time is read from /proc, which only Linux has")
}
