package syscalls

import (
	"fmt"

	"clk/abi"
)

func sysVMMap(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[2]&^(abi.ProtRead|abi.ProtWrite) != 0 || a[2]&abi.ProtRead == 0 {
		return 0, fmt.Errorf("vm_map: protection %#x: %w", a[2], errInvalid)
	}
	if a[0]%abi.PageSize != 0 || a[1] == 0 || a[1]%abi.PageSize != 0 {
		return 0, fmt.Errorf("vm_map: %#x bytes at %#x: %w", a[1], a[0], errInvalid)
	}
	return h.MapAnon(a[0], a[1], a[2]&abi.ProtWrite != 0)
}

func sysVMUnmap(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[0]%abi.PageSize != 0 || a[1] == 0 || a[1]%abi.PageSize != 0 {
		return 0, fmt.Errorf("vm_unmap: %#x bytes at %#x: %w", a[1], a[0], errInvalid)
	}
	if a[2]&^abi.VMUnmapKeep != 0 {
		return 0, fmt.Errorf("vm_unmap: flags %#x: %w", a[2], errInvalid)
	}
	return 0, h.Unmap(a[0], a[1], a[2]&abi.VMUnmapKeep != 0)
}
