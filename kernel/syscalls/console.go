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
	n, err := w.Write(b)
	if err != nil {
		return uint64(n), fmt.Errorf("console_write: %v", err)
	}
	return uint64(n), nil
}
