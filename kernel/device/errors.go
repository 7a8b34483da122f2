package device

import (
	"errors"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
)

var (
	// ErrInvalid: the device has no such resource (BAR, interrupt entry,
	// configuration register a driver may write), or an argument is out
	// of range. It is cap.ErrInvalid, which the syscall layer reports as
	// EINVAL.
	ErrInvalid = cap.ErrInvalid
	// ErrBound: the function already has a driver.
	ErrBound = errors.New("function is bound to a driver")
	// ErrReleased: the device object was released; nothing more can be
	// done through it. It wraps cap.ErrClosed (ECLOSED).
	ErrReleased = fmt.Errorf("device released: %w", cap.ErrClosed)
	// ErrBusy: the interrupt line is already routed to another function;
	// clk does not share INTx lines between drivers. It is abi.EBUSY.
	ErrBusy = abi.EBUSY
	// ErrNoFunction: no function at that address.
	ErrNoFunction = errors.New("no such PCI function")
)
