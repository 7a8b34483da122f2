package abi

import "strconv"

// Errno is the status a syscall returns in RAX: OK (0) for success, else
// one of the codes below. It implements error, so that code on either side
// of the boundary can return, wrap and test (errors.Is) a status as it is.
type Errno uint64

// The status codes, listed once; docs/abi.md is generated from Errnos.
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
	ELIMIT
	EBUSY

	// NumErrnos is the number of status codes, OK included.
	NumErrnos
)

// ErrnoInfo names and explains one status code.
type ErrnoInfo struct {
	Code Errno
	Name string
	Doc  string
}

// Errnos lists every status code in numeric order.
var Errnos = [NumErrnos]ErrnoInfo{
	{OK, "OK", "success"},
	{ENOSYS, "ENOSYS", "no such call, or the call is declared but not wired to working code yet"},
	{EINVAL, "EINVAL", "an argument is out of range (unknown rights or signal bits, zero count, a handle of the channel sent through itself, a channel endpoint sent while its own queue holds endpoints)"},
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
	{ELIMIT, "ELIMIT", "a limit of the process (memory, threads or child processes) would be exceeded; nothing changed"},
	{EBUSY, "EBUSY", "the resource is held by another user: a device's interrupt line already routed to another device's driver"},
}

// String returns the code's name ("EPEERCLOSED").
func (e Errno) String() string {
	if e < NumErrnos {
		return Errnos[e].Name
	}
	return "E" + strconv.FormatUint(uint64(e), 10)
}

// Error returns the code's meaning.
func (e Errno) Error() string {
	if e < NumErrnos {
		return Errnos[e].Doc
	}
	return "unknown status " + strconv.FormatUint(uint64(e), 10)
}
