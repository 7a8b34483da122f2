package sdk

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// HandlesEnv is the environment variable in which a process started by
// Spawn finds the handles it was given, in order: their values in the new
// process, in hexadecimal, separated by commas ("0x1a2b3c4d,0x55aa0011").
const HandlesEnv = "CLK_HANDLES"

// Spawn starts the program name, a program of the initrd's /bin such as
// "hello", as a new process and returns a handle to it with wait, manage,
// duplicate and transfer rights; the handle raises Signaled when the
// process ends. The program's arguments are name followed by args, as
// os.Args will show them. The handles, at most MaxSpawnHandles, move into
// the new process, which finds them with StartupHandles; each needs
// RightTransfer. On error the caller keeps them.
func Spawn(name string, args []string, handles []Handle) (Handle, error) {
	if name == "" || len(name) > MaxImageName || strings.IndexByte(name, 0) >= 0 {
		return InvalidHandle, fmt.Errorf("spawn %q: not a program name: %w", name, ErrInvalid)
	}
	n := len(name) + 1
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return InvalidHandle, fmt.Errorf("spawn %s: NUL in argument %q: %w", name, a, ErrInvalid)
		}
		n += len(a) + 1
	}
	if n > MaxSpawnArgs || len(handles) > MaxSpawnHandles {
		return InvalidHandle, fmt.Errorf("spawn %s: %d bytes of arguments and %d handles, at most %d and %d: %w",
			name, n, len(handles), MaxSpawnArgs, MaxSpawnHandles, ErrTooLarge)
	}
	// One buffer: the arguments, each followed by NUL, the first being
	// the name, which is also the image's name.
	buf := make([]byte, 0, n)
	buf = append(buf, name...)
	buf = append(buf, 0)
	for _, a := range args {
		buf = append(buf, a...)
		buf = append(buf, 0)
	}
	p := bytesAddr(buf)
	v, err := call(SysProcessSpawn, p, uint64(len(name)), handlesAddr(handles), uint64(len(handles)), p, uint64(len(buf)))
	keepAlive(buf, handles)
	if err != nil {
		return InvalidHandle, fmt.Errorf("spawn %s: %w", name, err)
	}
	return Handle(v), nil
}

// Exit ends the calling process with code: every handle it holds is
// closed and its process handles raise Signaled. It does not return.
//
// With the direct backend of code linked into the kernel, where the call
// returns once the process has ended, Exit ends the calling goroutine
// (runtime.Goexit); without a backend it ends the program (os.Exit).
func Exit(code int) {
	if _, err := call(SysProcessExit, uint64(uint32(int32(code))), 0, 0, 0, 0, 0); err != nil {
		os.Exit(code)
	}
	runtime.Goexit()
}

// Self returns the calling process's id, or 0, which is no process's id,
// when the call fails (no backend).
func Self() uint64 {
	v, err := call(SysProcessSelf, 0, 0, 0, 0, 0, 0)
	if err != nil {
		return 0
	}
	return v
}

// StartupHandles returns the handles the process was started with, in the
// order its parent passed them to Spawn, as the environment variable
// CLK_HANDLES lists them; nil when there is none. A value that does not
// parse is InvalidHandle in its place, so that the others keep their
// positions.
func StartupHandles() []Handle {
	hs, _ := ParseHandles(os.Getenv(HandlesEnv))
	return hs
}

var errZeroHandle = errors.New("0 is no handle")

// ParseHandles parses a list of handle values as CLK_HANDLES holds it:
// numbers separated by commas, in hexadecimal with 0x or in decimal,
// spaces around them ignored. It returns every value, with InvalidHandle
// for those that do not parse, and an error naming the first of them.
func ParseHandles(s string) ([]Handle, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var hs []Handle
	var first error
	for i, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseUint(f, 0, 32)
		if err == nil && v == 0 {
			err = errZeroHandle
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("%s entry %d %q: %w", HandlesEnv, i, f, err)
			}
			v = 0
		}
		hs = append(hs, Handle(v))
	}
	return hs, first
}
