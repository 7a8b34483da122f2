package sdk

import (
	"fmt"
	"io"
	"runtime"

	"clk/abi"
)

// ConsoleWrite writes b to the process's console, its standard output and
// error, in calls of at most abi.MaxIOBytes each. It returns the number of
// bytes written; the process must have been started with a console.
func ConsoleWrite(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		chunk := b[done:min(len(b), done+abi.MaxIOBytes)]
		n, err := call(abi.SysConsoleWrite, bytesAddr(chunk), uint64(len(chunk)), 0, 0, 0, 0)
		runtime.KeepAlive(chunk)
		done += int(min(n, uint64(len(chunk))))
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, io.ErrShortWrite
		}
	}
	return done, nil
}

// Console is the process's console as an io.Writer, for fmt.Fprintf and
// the like; writes go straight to console_write, unbuffered.
var Console io.Writer = console{}

type console struct{}

func (console) Write(b []byte) (int, error) { return ConsoleWrite(b) }

// Random fills b with random bytes from the kernel's generator, in calls
// of at most abi.MaxIOBytes each.
func Random(b []byte) error {
	for len(b) > 0 {
		chunk := b[:min(len(b), abi.MaxIOBytes)]
		_, err := call(abi.SysRandomGet, bytesAddr(chunk), uint64(len(chunk)), 0, 0, 0, 0)
		runtime.KeepAlive(chunk)
		if err != nil {
			return err
		}
		b = b[len(chunk):]
	}
	return nil
}

// Log is a handle to a log: a named sink of records, such as the kernel
// log, that a process may be given.
type Log struct {
	Handle
}

// Write writes b as one record, prefixed by the kernel with the log's
// name. It needs abi.RightWrite; b must not exceed abi.MaxLogRecord bytes.
func (l Log) Write(b []byte) (int, error) {
	if len(b) > abi.MaxLogRecord {
		return 0, fmt.Errorf("log record of %d bytes, at most %d: %w", len(b), abi.MaxLogRecord, abi.ETOOLARGE)
	}
	_, err := call(abi.SysLogWrite, uint64(l.Handle), bytesAddr(b), uint64(len(b)), 0, 0, 0)
	runtime.KeepAlive(b)
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

// Timer is a handle to a timer, which raises abi.Signaled at its deadline.
type Timer struct {
	Handle
}

// NewTimer creates a disarmed timer; its handle has wait, signal,
// duplicate and transfer rights.
func NewTimer() (Timer, error) {
	v, err := call(abi.SysTimerCreate, 0, 0, 0, 0, 0, 0)
	return Timer{Handle(v)}, err
}

// Set clears the timer's abi.Signaled and arms it to raise it at deadline,
// replacing an earlier deadline. Now disarms it, as Cancel does.
func (t Timer) Set(deadline Deadline) error {
	_, err := call(abi.SysTimerSet, uint64(t.Handle), uint64(deadline), 0, 0, 0, 0)
	return err
}

// Cancel disarms the timer and clears abi.Signaled.
func (t Timer) Cancel() error {
	_, err := call(abi.SysTimerCancel, uint64(t.Handle), 0, 0, 0, 0, 0)
	return err
}
