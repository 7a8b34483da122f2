package syscalls

import (
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/object"
)

func sysLogWrite(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	cp, err := c.lookup(a[0], abi.TypeLog, abi.RightWrite)
	if err != nil {
		return 0, err
	}
	l, ok := cp.Object().(*object.Log)
	if !ok {
		return 0, fmt.Errorf("log_write: %w", cap.ErrWrongType)
	}
	b, err := userBytes(c, a[1], a[2], abi.MaxLogRecord)
	if err != nil {
		return 0, fmt.Errorf("log_write: %w", err)
	}
	_, err = l.Write(b)
	return 0, err
}
