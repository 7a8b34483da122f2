package sdk

import "strconv"

// Errno is a syscall's status, what the kernel returns in RAX: 0 for
// success, else one of the Err* codes below. A failed call returns an
// *Error that wraps its Errno, so that errors.Is(err, ErrPeerClosed) and
// errors.As(err, &errno) work on whatever a function of this package
// returns.
type Errno uint64

// The status codes of docs/abi.md, in numeric order.
const (
	// ErrNoSys: no such call, or the call is declared but not wired yet.
	// Every call returns it when no backend is installed.
	ErrNoSys Errno = iota + 1
	// ErrInvalid: an argument is out of range.
	ErrInvalid
	// ErrFault: a pointer and length reach outside the address space.
	ErrFault
	// ErrBadHandle: the value names no handle of the caller.
	ErrBadHandle
	// ErrClosed: the handle was closed or moved away.
	ErrClosed
	// ErrRevoked: the handle was revoked through an ancestor.
	ErrRevoked
	// ErrWrongType: the handle refers to an object of another type.
	ErrWrongType
	// ErrAccess: the handle lacks a right the call needs.
	ErrAccess
	// ErrNoSpace: the caller's handle table is full.
	ErrNoSpace
	// ErrPeerClosed: the other endpoint of the channel is gone.
	ErrPeerClosed
	// ErrQueueFull: a write with deadline Now found the peer's queue full.
	ErrQueueFull
	// ErrEmpty: a read with deadline Now found no message.
	ErrEmpty
	// ErrTimedOut: the deadline passed first.
	ErrTimedOut
	// ErrSchema: the message does not match the channel's schema.
	ErrSchema
	// ErrTooLarge: more data or handles than the schema or kernel allow.
	ErrTooLarge
	// ErrBufferTooSmall: the message does not fit the buffers.
	ErrBufferTooSmall
	// ErrBadSchema: the schema given to NewChannel is malformed.
	ErrBadSchema
	// ErrIO: the device behind the call failed.
	ErrIO
	// ErrNoMemory: memory or address space is exhausted, or the range
	// asked for is taken.
	ErrNoMemory
	// ErrAgain: futex_wait found another value than the one expected.
	ErrAgain

	numErrnos = iota + 1
)

// errnoInfo is each code's name and meaning, as docs/abi.md has them.
var errnoInfo = [numErrnos]struct{ name, doc string }{
	{"OK", "success"},
	{"ENOSYS", "no such call, or the call is declared but not wired to working code yet"},
	{"EINVAL", "an argument is out of range (unknown rights or signal bits, zero count, a handle of the channel sent through itself)"},
	{"EFAULT", "a pointer and length reach outside the caller's address space"},
	{"EBADH", "the value names no handle of the caller (forged, or another process's)"},
	{"ECLOSED", "the handle was closed or moved away"},
	{"EREVOKED", "the handle was revoked through an ancestor; close it"},
	{"EWRONGTYPE", "the handle refers to an object of another type"},
	{"EACCES", "the handle lacks a right the call needs, or a duplicate asked for more rights"},
	{"ENOSPACE", "the caller's handle table is full"},
	{"EPEERCLOSED", "the other endpoint of the channel is gone"},
	{"EQUEUEFULL", "a write with deadline 0 found the peer's queue full; nothing was sent"},
	{"EEMPTY", "a read with deadline 0 found no message"},
	{"ETIMEDOUT", "the deadline passed first"},
	{"ESCHEMA", "the message does not match the channel's schema; it was not sent"},
	{"ETOOLARGE", "more data or handles than the schema or the kernel allows; nothing was sent"},
	{"EBUFSMALL", "the message does not fit the buffers; the sizes it needs are written back"},
	{"EBADSCHEMA", "the schema given to channel_create is malformed"},
	{"EIO", "the device behind the call failed"},
	{"ENOMEM", "physical memory or the address space is exhausted, or the range is taken"},
	{"EAGAIN", "futex_wait found a value other than the expected one; nothing waited"},
}

// String returns the code's name as docs/abi.md spells it ("EPEERCLOSED").
func (e Errno) String() string {
	if e < numErrnos {
		return errnoInfo[e].name
	}
	return "E" + strconv.FormatUint(uint64(e), 10)
}

// Error returns the code's meaning.
func (e Errno) Error() string {
	if e < numErrnos {
		return errnoInfo[e].doc
	}
	return "unknown status " + strconv.FormatUint(uint64(e), 10)
}

// Error is a failed syscall: which call and the status it returned.
type Error struct {
	num   uint64
	errno Errno
}

// Syscall returns the name of the call that failed ("channel_read").
func (e *Error) Syscall() string { return CallName(e.num) }

// Errno returns the status the call returned.
func (e *Error) Errno() Errno { return e.errno }

// Error describes the failure: the call, the meaning of its status and
// the status's name.
func (e *Error) Error() string {
	return e.Syscall() + ": " + e.errno.Error() + " (" + e.errno.String() + ")"
}

// Unwrap returns the Errno.
func (e *Error) Unwrap() error { return e.errno }

// callErrors holds one *Error per call and status, so that returning an
// error allocates nothing: a loop that polls with deadline Now and gets
// ErrEmpty stays free of garbage. They are never modified after init.
var callErrors [NumCalls][numErrnos]Error

func init() {
	for n := range callErrors {
		for e := range callErrors[n] {
			callErrors[n][e] = Error{num: uint64(n), errno: Errno(e)}
		}
	}
}

// errorOf returns the error for status e of call num; nil for success.
func errorOf(num uint64, e Errno) error {
	switch {
	case e == 0:
		return nil
	case num < NumCalls && e < numErrnos:
		return &callErrors[num][e]
	}
	return &Error{num: num, errno: e}
}

// BufferError is returned by Read and Call when the message does not fit
// the buffers given: it wraps the call's ErrBufferTooSmall and says how
// much room the message needs. A message Read refused stays queued; a
// reply Call refused is dropped with its handles.
type BufferError struct {
	Err     error // the call's *Error, wrapping ErrBufferTooSmall
	Data    int   // data bytes the message carries
	Handles int   // handles the message carries
}

// Error says what the message needs.
func (e *BufferError) Error() string {
	return e.Err.Error() + ": message has " + strconv.Itoa(e.Data) + " bytes and " + strconv.Itoa(e.Handles) + " handles"
}

// Unwrap returns the call's error.
func (e *BufferError) Unwrap() error { return e.Err }
