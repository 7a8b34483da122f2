package proc

import (
	"clk/abi"
)

// AnonBase is where Reserve starts looking for a free gap when it is given
// no address. The user range is abi's: [abi.UserBase, abi.UserTop), in
// pages of abi.PageSize bytes.
const AnonBase = 0x7f80_0000_0000

// Perm is a set of page permissions.
type Perm uint8

// The permission bits.
const (
	PermRead Perm = 1 << iota
	PermWrite
	PermExec

	permAll = PermRead | PermWrite | PermExec
)

// String returns the permissions in the style of ls: "r-x", "rw-", "---".
func (p Perm) String() string {
	b := []byte("---")
	if p&PermRead != 0 {
		b[0] = 'r'
	}
	if p&PermWrite != 0 {
		b[1] = 'w'
	}
	if p&PermExec != 0 {
		b[2] = 'x'
	}
	if p&^permAll != 0 {
		return string(b) + "?"
	}
	return string(b)
}

// ErrNoMemory is what a Pages implementation wraps when no frame is left.
// It is abi.ENOMEM, so the syscall layer reports ENOMEM.
var ErrNoMemory = abi.ENOMEM

// Pages is the hardware side of an address space: one process's page
// tables and the frames behind them. Every va is page aligned and inside
// [abi.UserBase, abi.UserTop); a Space never asks for a page that is both
// writable and executable. A Space holds its lock across every call, so an
// implementation needs no lock of its own for the Space's sake.
type Pages interface {
	// Map backs the page at va with a fresh zeroed frame with
	// permissions perm and returns the frame's abi.PageSize bytes, which the
	// kernel may read and write whatever perm says. The page must not be
	// mapped already.
	Map(va uint64, perm Perm) ([]byte, error)
	// Frame returns the bytes and permissions of the page mapped at va,
	// and ok false if none is.
	Frame(va uint64) (frame []byte, perm Perm, ok bool)
	// MapPhys maps the page at va to physical frame pa, which the pages
	// do not own: Unmap and Release leave the frame alone. uncached turns
	// caching off (device registers). The page must not be mapped
	// already.
	MapPhys(va, pa uint64, perm Perm, uncached bool) error
	// Protect changes the permissions of the mapped page at va.
	Protect(va uint64, perm Perm) error
	// Unmap releases the pages of [va, va+n) that are mapped (va and n
	// page aligned) and makes every CPU drop them from its TLB.
	Unmap(va, n uint64)
	// Release frees every user page and the table itself. Nothing may be
	// called after it.
	Release()
}
