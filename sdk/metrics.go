package sdk

import (
	"runtime"
	"unsafe"

	"clk/abi"
)

// Metrics is a handle to the kernel's metrics object.
type Metrics struct{ Handle Handle }

// Read reads the next metrics record into buf and returns its bytes, the
// CLKS encoding that aisup/metrics.ParseRecord decodes: what every
// running process did since the previous Read of the same object. A
// buffer too small for the record fails with abi.EBUFSMALL and consumes
// nothing.
func (m Metrics) Read(buf []byte) ([]byte, error) {
	if len(buf) == 0 {
		return nil, errorOf(abi.SysMetricsRead, abi.EBUFSMALL)
	}
	n, err := call(abi.SysMetricsRead, uint64(m.Handle), addr(unsafe.Pointer(&buf[0])), uint64(len(buf)), 0, 0, 0)
	runtime.KeepAlive(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}
