package qemu

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// KillWithParent asks Linux to kill QEMU when the process that started it
// dies, so that a test or program killed, even by SIGKILL, leaves no QEMU
// behind. The signal is tied to the thread that started QEMU, which Go ends
// only when a goroutine locked to it exits: callers must not start QEMU
// from a goroutine that locks its thread.
func KillWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// CPUTime returns the processor time QEMU has used so far, user and system,
// from /proc/PID/stat. Under TCG with one vCPU it grows only while the guest
// runs, so it measures the guest's work without the time the host gave to
// other programs.
func (m *Machine) CPUTime() (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("%s: QEMU's CPU time: %w", m.Boot.Name, err)
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis. utime and stime are fields
	// 14 and 15 of proc(5), the 12th and 13th after it.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("%s: QEMU's CPU time: no command name in %q", m.Boot.Name, stat)
	}
	f := strings.Fields(string(stat[end+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("%s: QEMU's CPU time: short /proc stat %q", m.Boot.Name, stat)
	}
	var ticks uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: QEMU's CPU time: %w", m.Boot.Name, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is the unit of /proc's times, sysconf(_SC_CLK_TCK), which is
// 100 on every Linux architecture Go supports: the kernel reports USER_HZ.
const clockTicks = 100
