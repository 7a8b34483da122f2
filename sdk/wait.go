package sdk

import (
	"fmt"
	"runtime"
	"unsafe"

	"clk/abi"
)

// WaitItem is one object WaitMany waits on, laid out as the kernel reads
// it (abi.WaitItemSize bytes, little-endian): the handle, the signals
// wanted, and the signals the object had when the wait ended, which
// WaitMany fills in.
type WaitItem struct {
	Handle   Handle
	Want     abi.Signals
	Observed abi.Signals
}

// WaitItem's size and offsets are the kernel's: these fail to compile
// otherwise.
var (
	_ [unsafe.Sizeof(WaitItem{}) - abi.WaitItemSize]struct{}
	_ [abi.WaitItemSize - unsafe.Sizeof(WaitItem{})]struct{}
	_ [unsafe.Offsetof(WaitItem{}.Handle) - abi.WaitItemHandle]struct{}
	_ [abi.WaitItemHandle - unsafe.Offsetof(WaitItem{}.Handle)]struct{}
	_ [unsafe.Offsetof(WaitItem{}.Want) - abi.WaitItemWant]struct{}
	_ [abi.WaitItemWant - unsafe.Offsetof(WaitItem{}.Want)]struct{}
	_ [unsafe.Offsetof(WaitItem{}.Observed) - abi.WaitItemObserved]struct{}
	_ [abi.WaitItemObserved - unsafe.Offsetof(WaitItem{}.Observed)]struct{}
)

// WaitMany waits until one of the items' objects raises a wanted signal
// or the deadline passes, and returns the number of items with a wanted
// signal raised. It sets every item's Observed, also when it fails with
// abi.ETIMEDOUT. Each handle needs abi.RightWait; channel endpoints, processes
// and timers have signals. items must hold 1 to abi.MaxWaitItems items and,
// since the kernel writes into it, be memory the caller does not share
// with a concurrent WaitMany.
func WaitMany(items []WaitItem, deadline Deadline) (int, error) {
	if len(items) == 0 || len(items) > abi.MaxWaitItems {
		return 0, fmt.Errorf("wait on %d objects, want 1 to %d: %w", len(items), abi.MaxWaitItems, abi.EINVAL)
	}
	n, err := call(abi.SysObjectWaitMany, addr(unsafe.Pointer(unsafe.SliceData(items))), uint64(len(items)), uint64(deadline), 0, 0, 0)
	runtime.KeepAlive(items)
	return int(n), err
}

// Wait waits until the object of h raises one of the signals in want or
// the deadline passes, and returns the signals it had then (also with
// abi.ETIMEDOUT).
func Wait(h Handle, want abi.Signals, deadline Deadline) (abi.Signals, error) {
	items := []WaitItem{{Handle: h, Want: want}}
	_, err := WaitMany(items, deadline)
	return items[0].Observed, err
}
