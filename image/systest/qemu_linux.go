package systest

import (
	"os/exec"
	"syscall"
)

// killWithParent asks Linux to kill QEMU when the process that started it
// dies, so that a test killed by its timeout leaves no QEMU behind. The
// signal is tied to the thread that started QEMU, which Go ends only when a
// goroutine locked to it exits; nothing in this package locks threads.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
