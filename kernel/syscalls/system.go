package syscalls

import (
	"fmt"

	"clk/abi"
)

func sysSystemInfo(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	if a[1] < abi.SystemInfoSize {
		return 0, fmt.Errorf("system_info: %d bytes: %w", a[1], errInvalid)
	}
	var si abi.SystemInfo
	if c.Host != nil {
		si = c.Host.Info()
	} else {
		si = abi.SystemInfo{CPUs: 1, PageSize: abi.PageSize}
	}
	b := si.Marshal()
	if err := c.Mem.CopyOut(a[0], b[:]); err != nil {
		return 0, fmt.Errorf("system_info: %w", err)
	}
	return 0, nil
}

func sysFaultEntry(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	return 0, h.SetFaultEntry(a[0])
}
