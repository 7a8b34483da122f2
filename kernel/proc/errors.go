package proc

import (
	"errors"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
)

// Errors of the address space. Argument errors (ErrInvalid, ErrOutOfRange,
// ErrOverlap, ErrNoSpace) come wrapped with the operation and its
// arguments; refused accesses come as a *FaultError.
var (
	// ErrFault is wrapped by every refused access: a fault the process is
	// killed for, or a copy to or from a bad user address. It is
	// abi.EFAULT, so the syscall layer reports such a copy as EFAULT.
	ErrFault = abi.EFAULT

	// ErrUnmapped: no region holds the address.
	ErrUnmapped = errors.New("no mapping")
	// ErrOutOfRange: the range is not inside [abi.UserBase, abi.UserTop),
	// or wraps.
	ErrOutOfRange = errors.New("outside the user address space")
	// ErrNotReadable: a read of a region without PermRead.
	ErrNotReadable = errors.New("region not readable")
	// ErrNotWritable: a write to a region without PermWrite.
	ErrNotWritable = errors.New("region not writable")
	// ErrNotExecutable: an instruction fetch from a region without
	// PermExec.
	ErrNotExecutable = errors.New("region not executable")
	// ErrDeviceMemory: a syscall's copy, or a fault, in device memory
	// (KindDevice), which the kernel never touches for a program.
	ErrDeviceMemory = errors.New("device memory")
	// ErrClosed: the address space has been closed.
	ErrClosed = errors.New("address space closed")

	// ErrInvalid: a malformed argument (a misaligned address, an empty
	// range, undefined permission or kind bits, a writable and executable
	// region).
	// It is cap.ErrInvalid, so the syscall layer reports EINVAL.
	ErrInvalid = cap.ErrInvalid
	// ErrOverlap: a reservation at a fixed address meets a region.
	ErrOverlap = errors.New("overlaps a reserved region")
	// ErrNoSpace: no free gap is large enough for a reservation.
	ErrNoSpace = errors.New("no free gap large enough")
)

// deniedCause is the cause of a fault of each access on a region that does
// not allow it.
var deniedCause = [...]error{
	AccessRead:  ErrNotReadable,
	AccessWrite: ErrNotWritable,
	AccessExec:  ErrNotExecutable,
}

// FaultError is an access that the address space refuses. It wraps both
// its Cause and ErrFault.
type FaultError struct {
	// Addr is the first address refused.
	Addr uint64
	// Access is what was attempted.
	Access Access
	// Region is the region holding Addr, or nil if none does.
	Region *Region
	// Cause is ErrUnmapped, ErrOutOfRange, ErrNotReadable,
	// ErrNotWritable, ErrNotExecutable or ErrClosed.
	Cause error
}

// Error describes the access, its cause and the region.
func (e *FaultError) Error() string {
	s := fmt.Sprintf("%s at %#x: %v", e.Access, e.Addr, e.Cause)
	if e.Region != nil {
		s += fmt.Sprintf(" (%v)", *e.Region)
	}
	return s
}

// Unwrap returns the cause and ErrFault.
func (e *FaultError) Unwrap() []error { return []error{e.Cause, ErrFault} }
