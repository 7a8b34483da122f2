package sdk

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"clk/abi"
)

// Spawn starts the program name, a program of the initrd's /bin such as
// "hello", as a new process and returns a handle to it with wait, manage,
// duplicate and transfer rights; the handle raises abi.Signaled when the
// process ends. The program's arguments are name followed by args, as
// os.Args will show them. The handles, at most abi.MaxSpawnHandles, move into
// the new process, which finds them with StartupHandles; each needs
// abi.RightTransfer. On error the caller keeps them.
func Spawn(name string, args []string, handles []Handle) (Handle, error) {
	if name == "" || len(name) > abi.MaxImageName || strings.IndexByte(name, 0) >= 0 {
		return InvalidHandle, fmt.Errorf("spawn %q: not a program name: %w", name, abi.EINVAL)
	}
	n := len(name) + 1
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return InvalidHandle, fmt.Errorf("spawn %s: NUL in argument %q: %w", name, a, abi.EINVAL)
		}
		n += len(a) + 1
	}
	if n > abi.MaxSpawnArgs || len(handles) > abi.MaxSpawnHandles {
		return InvalidHandle, fmt.Errorf("spawn %s: %d bytes of arguments and %d handles, at most %d and %d: %w",
			name, n, len(handles), abi.MaxSpawnArgs, abi.MaxSpawnHandles, abi.ETOOLARGE)
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
	v, err := call(abi.SysProcessSpawn, p, uint64(len(name)), handlesAddr(handles), uint64(len(handles)), p, uint64(len(buf)))
	keepAlive(buf, handles)
	if err != nil {
		return InvalidHandle, fmt.Errorf("spawn %s: %w", name, err)
	}
	return Handle(v), nil
}

// Exit ends the calling process with code: every handle it holds is
// closed and its process handles raise abi.Signaled. It does not return.
//
// With the direct backend of code linked into the kernel, where the call
// returns once the process has ended, Exit ends the calling goroutine
// (runtime.Goexit); without a backend it ends the program (os.Exit).
func Exit(code int) {
	if _, err := call(abi.SysProcessExit, uint64(uint32(int32(code))), 0, 0, 0, 0, 0); err != nil {
		os.Exit(code)
	}
	runtime.Goexit()
}

// Self returns the calling process's id, or 0, which is no process's id,
// when the call fails (no backend).
func Self() uint64 {
	v, err := call(abi.SysProcessSelf, 0, 0, 0, 0, 0, 0)
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
	hs, _ := ParseHandles(os.Getenv(abi.HandlesEnv))
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
				first = fmt.Errorf("%s entry %d %q: %w", abi.HandlesEnv, i, f, err)
			}
			v = 0
		}
		hs = append(hs, Handle(v))
	}
	return hs, first
}

// Service returns the program's client channel to the module service
// name, the startup handle its environment names (abi.ServiceEnvPrefix);
// the shell gives one with run -s NAME.
func Service(name string) (Channel, error) {
	env := abi.ServiceEnvPrefix + name
	hs, err := ParseHandles(os.Getenv(env))
	if err == nil && len(hs) != 1 {
		err = fmt.Errorf("%s names no handle (run -s %s gives one)", env, name)
	}
	if err != nil {
		return Channel{}, err
	}
	return Channel{Handle: hs[0]}, nil
}
