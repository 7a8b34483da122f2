package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// The child's descriptors: exec.Cmd.ExtraFiles numbers them from 3.
const (
	childIn  = 3 // read end of the parent-to-child pipe
	childOut = 4 // write end of the child-to-parent pipe
)

// prepare mounts /proc when the program is process 1, so that it can find
// its own executable at /proc/self/exe. Elsewhere it does nothing.
func prepare() error {
	if os.Getpid() != 1 {
		return nil
	}
	if err := os.MkdirAll("/proc", 0o555); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	err := syscall.Mount("proc", "/proc", "proc", 0, "")
	if err != nil && !errors.Is(err, syscall.EBUSY) {
		return fmt.Errorf("mount /proc: %w", err)
	}
	return nil
}

// powerOff ends the machine when the program runs as Linux's /init (PID 1):
// reboot(2) with LINUX_REBOOT_CMD_POWER_OFF, after which QEMU exits with
// status 0. Run as an ordinary process it does nothing.
func powerOff() {
	if os.Getpid() != 1 {
		return
	}
	syscall.Sync()
	if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Fprintf(os.Stderr, "ipcbench: power off: %v\n", err)
	}
}

// startNullSyscall returns the null-syscall benchmark: getppid(2), which
// does no work in the kernel, through syscall.RawSyscall, which does not
// tell the Go scheduler about the call.
func startNullSyscall() (op, func() error, error) {
	fn := func(n int) (time.Duration, error) {
		start := time.Now()
		for range n {
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		}
		return time.Since(start), nil
	}
	return fn, func() error { return nil }, nil
}

// roundTrip is the parent's side of channel-roundtrip: the write end of the
// pipe to the child, the read end of the pipe back, and the child.
type roundTrip struct {
	toChild   int
	fromChild int
	cmd       *exec.Cmd
	sent      byte // the last byte sent, which the child echoes
}

// startRoundTrip creates the two pipes, starts the child with its ends and
// returns the channel-roundtrip benchmark.
func startRoundTrip() (op, func() error, error) {
	self, err := executable()
	if err != nil {
		return nil, nil, err
	}
	// Blocking pipes of our own rather than os.Pipe, whose descriptors
	// are non-blocking for the runtime's poller: raw reads must sleep.
	var down, up [2]int
	if err := syscall.Pipe2(down[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("pipe: %w", err)
	}
	if err := syscall.Pipe2(up[:], syscall.O_CLOEXEC); err != nil {
		closeFDs(down[0], down[1])
		return nil, nil, fmt.Errorf("pipe: %w", err)
	}
	childEnds := []*os.File{os.NewFile(uintptr(down[0]), "child-in"), os.NewFile(uintptr(up[1]), "child-out")}
	cmd := exec.Command(self, childFlag)
	// The child's standard files are the parent's: an initramfs may have
	// no /dev/null for exec.Cmd to open in their place.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stderr, os.Stderr
	cmd.ExtraFiles = childEnds
	err = cmd.Start()
	// The child has its copies (or none): the parent keeps only its ends.
	for _, f := range childEnds {
		f.Close()
	}
	if err != nil {
		closeFDs(down[1], up[0])
		return nil, nil, fmt.Errorf("start child %s: %w", self, err)
	}
	rt := &roundTrip{toChild: down[1], fromChild: up[0], cmd: cmd}
	return rt.run, rt.stop, nil
}

// executable returns the path of the running program: /proc/self/exe
// resolved, or os.Args[0] when /proc is missing, which as /init is "/init".
func executable() (string, error) {
	if self, err := os.Executable(); err == nil {
		return self, nil
	}
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0], nil
	}
	return "", errors.New("cannot find the program's own executable")
}

// run makes n round trips. Each sends a byte and expects the child to send
// the same byte back.
func (rt *roundTrip) run(n int) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var buf [1]byte
	start := time.Now()
	for range n {
		rt.sent++
		buf[0] = rt.sent
		if err := transfer(syscall.SYS_WRITE, rt.toChild, &buf[0]); err != nil {
			return 0, fmt.Errorf("write to child: %w", err)
		}
		if err := transfer(syscall.SYS_READ, rt.fromChild, &buf[0]); err != nil {
			return 0, fmt.Errorf("read from child: %w", err)
		}
		if buf[0] != rt.sent {
			return 0, fmt.Errorf("child echoed %#x for %#x", buf[0], rt.sent)
		}
	}
	return time.Since(start), nil
}

// stop closes the pipe to the child, which ends it, and waits for it.
func (rt *roundTrip) stop() error {
	closeFDs(rt.toChild)
	err := rt.cmd.Wait()
	closeFDs(rt.fromChild)
	if err != nil {
		return fmt.Errorf("child: %w", err)
	}
	return nil
}

// child is the echoing side of channel-roundtrip: it reads one byte at a
// time from descriptor 3 and writes it back on descriptor 4, until the
// parent closes its end. It returns the exit status.
func child() int {
	runtime.LockOSThread()
	var buf [1]byte
	for {
		err := transfer(syscall.SYS_READ, childIn, &buf[0])
		if err == io.EOF {
			return 0
		}
		if err == nil {
			err = transfer(syscall.SYS_WRITE, childOut, &buf[0])
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "ipcbench child: %v\n", err)
			return 1
		}
	}
}

// transfer reads or writes (trap SYS_READ or SYS_WRITE) the byte at b on
// fd with a raw system call, restarting it when a signal interrupts it. A
// read of nothing is io.EOF.
func transfer(trap uintptr, fd int, b *byte) error {
	for {
		n, _, errno := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(b)), 1)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return errno
		case n == 0 && trap == syscall.SYS_READ:
			return io.EOF
		case n != 1:
			return fmt.Errorf("transferred %d bytes, want 1", n)
		}
		return nil
	}
}

// closeFDs closes raw descriptors, ignoring errors: they are ours and
// nothing was buffered in user space.
func closeFDs(fds ...int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}
