//go:build !linux

package systest

import "os/exec"

// killWithParent has no portable equivalent of Linux's parent-death signal;
// elsewhere QEMU is killed by the Machine's context only.
func killWithParent(*exec.Cmd) {}
