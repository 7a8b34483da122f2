package syscalls

import (
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
)

func sysConsoleWrite(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	b, err := userBytes(c, a[0], a[1], abi.MaxIOBytes)
	if err != nil {
		return 0, fmt.Errorf("console_write: %w", err)
	}
	w := c.console()
	if w == nil {
		return 0, fmt.Errorf("console_write: process %d has no console: %w", c.Proc.PID(), cap.ErrAccessDenied)
	}
	var n int
	if sw, ok := w.(interface {
		WriteUntil(b []byte, stop <-chan struct{}) (int, error)
	}); ok {
		// A console whose Write can block (its reader is behind)
		// gives up when the process ends.
		n, err = sw.WriteUntil(b, c.Dying)
	} else {
		n, err = w.Write(b)
	}
	if err != nil {
		return uint64(n), fmt.Errorf("console_write: %v", err)
	}
	return uint64(n), nil
}
