package syscalls

import (
	"errors"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/metrics"
)

// maxMetricsRecord bounds metrics_read's buffer.
const maxMetricsRecord = 1 << 20

func sysMetricsRead(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	cp, err := c.lookup(a[0], abi.TypeMetrics, abi.RightRead)
	if err != nil {
		return 0, err
	}
	if a[2] > maxMetricsRecord {
		return 0, fmt.Errorf("metrics_read: a buffer of %d bytes, at most %d: %w", a[2], maxMetricsRecord, errTooLarge)
	}
	obj, ok := cp.Object().(*metrics.Object)
	if !ok {
		return 0, fmt.Errorf("metrics_read: %w", cap.ErrWrongType)
	}
	b, err := obj.Read(int(a[2]))
	if errors.Is(err, metrics.ErrBufferTooSmall) {
		return 0, abi.EBUFSMALL
	}
	if err != nil {
		return 0, err
	}
	if err := c.Mem.CopyOut(a[1], b); err != nil {
		return 0, fmt.Errorf("metrics_read: %w", err)
	}
	return uint64(len(b)), nil
}
