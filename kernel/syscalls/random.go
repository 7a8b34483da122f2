package syscalls

import (
	crand "crypto/rand"
	"fmt"

	"clk/abi"
)

func sysRandomGet(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	if a[1] > abi.MaxIOBytes {
		return 0, fmt.Errorf("random_get: %d bytes: %w", a[1], errTooLarge)
	}
	b := make([]byte, a[1])
	crand.Read(b)
	if err := c.Mem.CopyOut(a[0], b); err != nil {
		return 0, fmt.Errorf("random_get: %w", err)
	}
	return 0, nil
}
