package syscalls

import (
	"fmt"
	"unsafe"

	"clk/abi"
)

// nilPage is the size of the page at address 0, which KernelSpace never
// touches: clk maps it absent, so an address below it is a bug, not data.
const nilPage = 4096

// KernelSpace is the address space of code linked into the kernel itself:
// an address is a plain pointer into the kernel's own memory, the caller's
// buffers as the Go code that made the call sees them. It lets such code
// use the syscall layer through Direct with the same descriptors and
// buffers a ring-3 program passes.
//
// It is only for trusted code linked into the kernel. Beyond refusing
// addresses in the nil page and ranges that wrap around, it cannot check
// anything: a wrong pointer reads or corrupts kernel memory, or faults.
// The buffers must stay alive and in place for the length of the call,
// which means on the Go heap (which never moves), not on a goroutine
// stack (which may move while the call runs).
type KernelSpace struct{}

// span returns the n bytes at addr as a slice, after the checks above.
func (KernelSpace) span(addr uint64, n int) ([]byte, error) {
	if addr < nilPage || addr+uint64(n)-1 < addr {
		return nil, fmt.Errorf("%d bytes at %#x in kernel memory: %w", n, addr, abi.EFAULT)
	}
	// Reinterpret the integer as a pointer rather than convert it, so
	// that the conversion is not mistaken for arithmetic on a Go pointer.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n), nil
}

// CopyIn fills dst from kernel memory at addr. It fails with an error
// wrapping abi.EFAULT, copying nothing, when the range starts in the nil
// page or wraps around; a copy of zero bytes succeeds at any address.
func (s KernelSpace) CopyIn(dst []byte, addr uint64) error {
	if len(dst) == 0 {
		return nil
	}
	b, err := s.span(addr, len(dst))
	if err != nil {
		return err
	}
	copy(dst, b)
	return nil
}

// CopyOut writes src to kernel memory at addr, with the checks of CopyIn.
func (s KernelSpace) CopyOut(addr uint64, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	b, err := s.span(addr, len(src))
	if err != nil {
		return err
	}
	copy(b, src)
	return nil
}

// Direct returns a syscall function for code linked into the kernel that
// calls Dispatch for c instead of executing SYSCALL: the status goes in
// errno, the value in val. Its type is that of package sdk's Backend, so
// that kernel code can install it there; c.Mem should be KernelSpace, for
// sdk passes the addresses of Go buffers.
//
// When the call is process_exit, the process has ended when the function
// returns; the goroutine that called it must not make further calls for
// that process.
func Direct(k *Dispatcher, c *Caller) func(num uint64, a [6]uint64) (errno, val uint64) {
	return func(num uint64, a [6]uint64) (errno, val uint64) {
		r := k.Dispatch(c, num, Args(a))
		return uint64(r.Errno), r.Value
	}
}
