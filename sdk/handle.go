package sdk

import (
	"strconv"

	"clk/abi"
)

// Handle is a value naming a capability in the calling process's handle
// table. Values are random, 0 is never valid, and a value means nothing
// in another process.
type Handle uint32

// InvalidHandle is the value no handle has.
const InvalidHandle Handle = 0

// String formats h in hexadecimal, as CLK_HANDLES spells it.
func (h Handle) String() string { return "0x" + strconv.FormatUint(uint64(h), 16) }

// Close removes h from the caller's table. When it was the last handle to
// its object the object goes away: the peer of a channel endpoint sees
// abi.EPEERCLOSED. A revoked handle is closed the same way.
func (h Handle) Close() error {
	_, err := call(abi.SysHandleClose, uint64(h), 0, 0, 0, 0, 0)
	return err
}

// Duplicate returns a new handle to the same object with rights, which
// must be a subset of h's; h needs abi.RightDuplicate. Revoking h revokes the
// copy.
func (h Handle) Duplicate(rights abi.Rights) (Handle, error) {
	v, err := call(abi.SysHandleDuplicate, uint64(h), uint64(rights), 0, 0, 0, 0)
	return Handle(v), err
}

// Replace closes h and returns a new handle to the same object with
// rights, a subset of h's. On error h is unchanged.
func (h Handle) Replace(rights abi.Rights) (Handle, error) {
	v, err := call(abi.SysHandleReplace, uint64(h), uint64(rights), 0, 0, 0, 0)
	return Handle(v), err
}

// Revoke revokes every handle derived from h by Duplicate or Replace, at
// any depth, in any process or in flight in a message; h stays valid.
func (h Handle) Revoke() error {
	_, err := call(abi.SysHandleRevoke, uint64(h), 0, 0, 0, 0, 0)
	return err
}
