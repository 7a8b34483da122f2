package sdk

import (
	"strconv"

	"clk/abi"
)

// Error is a failed syscall: which call and the status it returned.
type Error struct {
	num   uint64
	errno abi.Errno
}

// Syscall returns the name of the call that failed ("channel_read").
func (e *Error) Syscall() string { return abi.CallName(e.num) }

// Errno returns the status the call returned.
func (e *Error) Errno() abi.Errno { return e.errno }

// Error describes the failure: the call, the meaning of its status and
// the status's name.
func (e *Error) Error() string {
	return e.Syscall() + ": " + e.errno.Error() + " (" + e.errno.String() + ")"
}

// Unwrap returns the status, an abi.Errno.
func (e *Error) Unwrap() error { return e.errno }

// callErrors holds one *Error per call and status, so that returning an
// error allocates nothing: a loop that polls with deadline Now and gets
// abi.EEMPTY stays free of garbage. They are never modified after init.
var callErrors [abi.NumCalls][abi.NumErrnos]Error

func init() {
	for n := range callErrors {
		for e := range callErrors[n] {
			callErrors[n][e] = Error{num: uint64(n), errno: abi.Errno(e)}
		}
	}
}

// errorOf returns the error for status e of call num; nil for success.
func errorOf(num uint64, e abi.Errno) error {
	switch {
	case e == 0:
		return nil
	case num < abi.NumCalls && e < abi.NumErrnos:
		return &callErrors[num][e]
	}
	return &Error{num: num, errno: e}
}

// BufferError is returned by Read and Call when the message does not fit
// the buffers given: it wraps the call's abi.EBUFSMALL and says how
// much room the message needs. A message Read refused stays queued; a
// reply Call refused goes to the head of the queue, for Read.
type BufferError struct {
	Err     error // the call's *Error, wrapping abi.EBUFSMALL
	Data    int   // data bytes the message carries
	Handles int   // handles the message carries
}

// Error says what the message needs.
func (e *BufferError) Error() string {
	return e.Err.Error() + ": message has " + strconv.Itoa(e.Data) + " bytes and " + strconv.Itoa(e.Handles) + " handles"
}

// Unwrap returns the call's error.
func (e *BufferError) Unwrap() error { return e.Err }
