package abi

import (
	"errors"

	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/wait"
)

// Errno is the status a syscall returns in RAX: 0 for success, else one of
// the codes below.
type Errno uint64

// The status codes, listed once; docs/abi.md is checked against Errnos.
const (
	OK Errno = iota
	ENOSYS
	EINVAL
	EFAULT
	EBADH
	ECLOSED
	EREVOKED
	EWRONGTYPE
	EACCES
	ENOSPACE
	EPEERCLOSED
	EQUEUEFULL
	EEMPTY
	ETIMEDOUT
	ESCHEMA
	ETOOLARGE
	EBUFSMALL
	EBADSCHEMA
	EIO
	ENOMEM
	EAGAIN
	errnoCount
)

// ErrnoInfo names and explains one status code.
type ErrnoInfo struct {
	Code Errno
	Name string
	Doc  string
}

// Errnos lists every status code in numeric order.
var Errnos = [errnoCount]ErrnoInfo{
	{OK, "OK", "success"},
	{ENOSYS, "ENOSYS", "no such call, or the call is declared but not wired to working code yet"},
	{EINVAL, "EINVAL", "an argument is out of range (unknown rights or signal bits, zero count, a handle of the channel sent through itself)"},
	{EFAULT, "EFAULT", "a pointer and length reach outside the caller's address space"},
	{EBADH, "EBADH", "the value names no handle of the caller (forged, or another process's)"},
	{ECLOSED, "ECLOSED", "the handle was closed or moved away"},
	{EREVOKED, "EREVOKED", "the handle was revoked through an ancestor; close it"},
	{EWRONGTYPE, "EWRONGTYPE", "the handle refers to an object of another type"},
	{EACCES, "EACCES", "the handle lacks a right the call needs, or a duplicate asked for more rights"},
	{ENOSPACE, "ENOSPACE", "the caller's handle table is full"},
	{EPEERCLOSED, "EPEERCLOSED", "the other endpoint of the channel is gone"},
	{EQUEUEFULL, "EQUEUEFULL", "a write with deadline 0 found the peer's queue full; nothing was sent"},
	{EEMPTY, "EEMPTY", "a read with deadline 0 found no message"},
	{ETIMEDOUT, "ETIMEDOUT", "the deadline passed first"},
	{ESCHEMA, "ESCHEMA", "the message does not match the channel's schema; it was not sent"},
	{ETOOLARGE, "ETOOLARGE", "more data or handles than the schema or the kernel allows; nothing was sent"},
	{EBUFSMALL, "EBUFSMALL", "the message does not fit the buffers; the sizes it needs are written back"},
	{EBADSCHEMA, "EBADSCHEMA", "the schema given to channel_create is malformed"},
	{EIO, "EIO", "the device behind the call failed"},
	{ENOMEM, "ENOMEM", "physical memory or the address space is exhausted, or the range is taken"},
	{EAGAIN, "EAGAIN", "futex_wait found a value other than the expected one; nothing waited"},
}

// String returns the code's name.
func (e Errno) String() string {
	if e < errnoCount {
		return Errnos[e].Name
	}
	return "E?"
}

// Error makes an Errno usable as a Go error by the code that implements
// syscalls over this package (the user-side runtime).
func (e Errno) Error() string {
	if e < errnoCount {
		return Errnos[e].Doc
	}
	return "unknown status"
}

// Errors of this package's own; the rest come from cap, ipc and wait.
var (
	// ErrFault: a user pointer reaches outside the address space.
	ErrFault = errors.New("bad user address")
	// ErrNotImplemented: the call is declared but not wired yet.
	ErrNotImplemented = errors.New("not implemented")
	// ErrNoMemory: memory or address space is exhausted.
	ErrNoMemory = errors.New("out of memory")
	// ErrAgain: futex_wait saw another value.
	ErrAgain    = errors.New("value changed")
	errInvalid  = cap.ErrInvalid
	errTooLarge = ipc.ErrTooLarge
)

var errnoOf = []struct {
	err error
	no  Errno
}{
	{ErrFault, EFAULT},
	{ErrNotImplemented, ENOSYS},
	{ErrNoMemory, ENOMEM},
	{ErrAgain, EAGAIN},
	{cap.ErrBadHandle, EBADH},
	{cap.ErrClosed, ECLOSED},
	{cap.ErrRevoked, EREVOKED},
	{cap.ErrWrongType, EWRONGTYPE},
	{cap.ErrAccessDenied, EACCES},
	{cap.ErrNoSpace, ENOSPACE},
	{cap.ErrInvalid, EINVAL},
	{ipc.ErrPeerClosed, EPEERCLOSED},
	{ipc.ErrQueueFull, EQUEUEFULL},
	{ipc.ErrEmpty, EEMPTY},
	{wait.ErrTimedOut, ETIMEDOUT},
	{ipc.ErrSchema, ESCHEMA},
	{ipc.ErrTooLarge, ETOOLARGE},
	{ipc.ErrBufferTooSmall, EBUFSMALL},
	{ipc.ErrBadSchema, EBADSCHEMA},
	{ipc.ErrSelfTransfer, EINVAL},
}

// ErrnoOf maps an error from the object model to its status code; an
// error of no known cause is EIO.
func ErrnoOf(err error) Errno {
	if err == nil {
		return OK
	}
	var no Errno
	if errors.As(err, &no) {
		return no
	}
	for _, m := range errnoOf {
		if errors.Is(err, m.err) {
			return m.no
		}
	}
	return EIO
}
