package main

import (
	"os"
	"syscall"
)

// powerOff ends the machine when the program runs as Linux's /init (PID 1):
// reboot(2) with LINUX_REBOOT_CMD_POWER_OFF, after which QEMU exits. Run as
// an ordinary process it does nothing.
func powerOff() {
	if os.Getpid() != 1 {
		return
	}
	syscall.Sync()
	if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		println("runtimebench: power off:", err.Error())
	}
}
