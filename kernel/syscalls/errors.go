package syscalls

import (
	"errors"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/wait"
)

// The status of an error that carries none of its own (an abi.Errno, which
// every layer may return as it is) comes from its cause in the object
// model.
var (
	errInvalid  = cap.ErrInvalid
	errTooLarge = ipc.ErrTooLarge
	// errDying ends a blocking call of a process that is ending
	// (Caller.Dying).
	errDying = fmt.Errorf("the process is ending: %w", cap.ErrClosed)
)

var errnoOf = []struct {
	err error
	no  abi.Errno
}{
	{cap.ErrBadHandle, abi.EBADH},
	{cap.ErrClosed, abi.ECLOSED},
	{cap.ErrRevoked, abi.EREVOKED},
	{cap.ErrWrongType, abi.EWRONGTYPE},
	{cap.ErrAccessDenied, abi.EACCES},
	{cap.ErrNoSpace, abi.ENOSPACE},
	{cap.ErrInvalid, abi.EINVAL},
	{ipc.ErrPeerClosed, abi.EPEERCLOSED},
	{ipc.ErrQueueFull, abi.EQUEUEFULL},
	{ipc.ErrEmpty, abi.EEMPTY},
	{wait.ErrTimedOut, abi.ETIMEDOUT},
	{wait.ErrStopped, abi.ECLOSED},
	{ipc.ErrSchema, abi.ESCHEMA},
	{ipc.ErrTooLarge, abi.ETOOLARGE},
	{ipc.ErrBufferTooSmall, abi.EBUFSMALL},
	{ipc.ErrBadSchema, abi.EBADSCHEMA},
	{ipc.ErrSelfTransfer, abi.EINVAL},
	{ipc.ErrCarrier, abi.EINVAL},
}

// ErrnoOf maps an error from the object model to its status code; an
// error of no known cause is abi.EIO.
func ErrnoOf(err error) abi.Errno {
	if err == nil {
		return abi.OK
	}
	var no abi.Errno
	if errors.As(err, &no) {
		return no
	}
	for _, m := range errnoOf {
		if errors.Is(err, m.err) {
			return m.no
		}
	}
	return abi.EIO
}
