package syscalls

import (
	"clk/abi"
	"clk/kernel/cap"
)

func sysHandleClose(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := handleArg(a[0])
	if err != nil {
		return 0, err
	}
	return 0, c.Proc.Handles.Close(h)
}

func sysHandleDuplicate(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, r, err := handleRightsArgs(a)
	if err != nil {
		return 0, err
	}
	nh, err := c.Proc.Handles.Duplicate(h, r)
	return uint64(nh), err
}

func sysHandleReplace(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, r, err := handleRightsArgs(a)
	if err != nil {
		return 0, err
	}
	nh, err := c.Proc.Handles.Replace(h, r)
	return uint64(nh), err
}

// handleRightsArgs decodes the (handle, rights) arguments of the calls that
// derive a handle.
func handleRightsArgs(a Args) (cap.Handle, abi.Rights, error) {
	h, err := handleArg(a[0])
	if err != nil {
		return 0, 0, err
	}
	r, err := rightsArg(a[1])
	return h, r, err
}

func sysHandleRevoke(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := handleArg(a[0])
	if err != nil {
		return 0, err
	}
	return 0, c.Proc.Handles.Revoke(h)
}
