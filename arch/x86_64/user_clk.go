//go:build clk

package x86

import (
	"errors"
	"fmt"
	"unsafe"
)

// Ring 3. The runtime enters and leaves user mode and manages the page
// tables (runtime/enteruser_clk_amd64.go in rt/src); this file gives the
// kernel typed access to both.

//go:linkname userEnter runtime.clkUserEnter
func userEnter(ctx unsafe.Pointer) uint64

//go:linkname userSpaceNew runtime.clkUserSpaceNew
func userSpaceNew() uintptr

//go:linkname userMap runtime.clkUserMap
func userMap(pml4, va uintptr, perm uint64) uintptr

//go:linkname userMapPhys runtime.clkUserMapPhys
func userMapPhys(pml4, va, pa uintptr, perm uint64) bool

//go:linkname contigAlloc runtime.clkContigAlloc
func contigAlloc(n uintptr) uintptr

//go:linkname contigFree runtime.clkContigFree
func contigFree(f, n uintptr)

//go:linkname userLookup runtime.clkUserLookup
func userLookup(pml4, va uintptr) uint64

//go:linkname userProtect runtime.clkUserProtect
func userProtect(pml4, va uintptr, perm uint64) bool

//go:linkname userUnmap runtime.clkUserUnmap
func userUnmap(pml4, va, n uintptr)

//go:linkname userSpaceFree runtime.clkUserSpaceFree
func userSpaceFree(pml4 uintptr)

//go:linkname clockFactors runtime.clkClockFactors
func clockFactors() (tscBase, tscMult uint64, wallBase int64)

// NewUserContext returns the context of a thread that starts at rip with
// stack rsp in space.
func NewUserContext(space *AddressSpace, rip, rsp uint64) *UserContext {
	c := new(UserContext)
	c.reset(space, rip, rsp)
	return c
}

// reset makes c, where it lies, the context of a new thread. The FPU save
// area's place inside fx depends on c's address, so a context is never
// copied from another.
func (c *UserContext) reset(space *AddressSpace, rip, rsp uint64) {
	*c = UserContext{cr3: uint64(space.pml4), fxvalid: 1}
	c.RIP, c.RSP = rip, rsp
	c.RFLAGS = 0x202
	// The FXSAVE image of a fresh FPU: FCW 0x37f, MXCSR 0x1f80 with
	// every exception masked, as after FNINIT and LDMXCSR.
	fx := c.fxArea()
	fx[0], fx[1] = 0x7f, 0x03
	fx[24], fx[25] = 0x80, 0x1f
	// As an XSAVE area (when the runtime uses XSAVE, which reads this
	// byte): XSTATE_BV says x87 and SSE come from that image, AVX's
	// upper halves from their initial state, zero (Intel SDM Vol. 1,
	// 13.4.2 and 13.8.1). FXRSTOR ignores it.
	fx[xsaveHeader] = xstateX87 | xstateSSE
}

// The XSAVE header's offset in the save area and the XSTATE_BV bits of
// x87 and SSE (Intel SDM Vol. 1, 13.4.2).
const (
	xsaveHeader = 512
	xstateX87   = 1 << 0
	xstateSSE   = 1 << 1
)

// fxArea is the FPU save area: the first 64-byte aligned fpuAreaSize
// bytes of fx, as the runtime finds it.
func (c *UserContext) fxArea() []byte {
	// The address only picks the aligned start; nothing is converted back.
	off := (64 - uintptr(unsafe.Pointer(&c.fx[0]))%64) % 64
	return c.fx[off : off+fpuAreaSize]
}

// Run enters ring 3 with the context and returns when the thread leaves
// it, with the reason: VecSyscall or a vector. The registers are then the
// thread's at that point; change them (RAX and RDX for a syscall's
// result) before the next Run. The calling goroutine is the thread's
// driver: it must not be another thread's at the same time.
func (c *UserContext) Run() uint64 {
	return userEnter(unsafe.Pointer(c))
}

// Clone returns a new context in the same address space with the FPU
// state of a fresh thread.
func (c *UserContext) Clone(rip, rsp uint64) *UserContext {
	return NewUserContext(&AddressSpace{pml4: uintptr(c.cr3)}, rip, rsp)
}

// PageFault describes a page fault of the context's last exit.
func (c *UserContext) PageFault() (addr uint64, write, exec, present bool) {
	e := c.ErrCode
	return c.CR2, e&pfErrWrite != 0, e&pfErrInstrFetch != 0, e&pfErrPresent != 0
}

// ErrNoMemory is returned when physical memory runs out.
var ErrNoMemory = errors.New("x86: out of physical memory")

// AddressSpace is a page table whose kernel half is the kernel's and whose
// user half [UserBase, UserTop) belongs to one process.
type AddressSpace struct {
	pml4 uintptr
}

// NewAddressSpace returns an address space with no user pages.
func NewAddressSpace() (*AddressSpace, error) {
	p := userSpaceNew()
	if p == 0 {
		return nil, ErrNoMemory
	}
	return &AddressSpace{pml4: p}, nil
}

func checkUser(va uint64) error {
	if va < UserBase || va >= UserTop || va%PageSize != 0 {
		return fmt.Errorf("x86: %#x is not a user page", va)
	}
	return nil
}

func permBits(write, exec bool) uint64 {
	var b uint64
	if write {
		b |= pteWritable
	}
	if !exec {
		b |= pteNoExec
	}
	return b
}

// frame returns the 4 KiB frame at physical address pa, through the
// identity map.
func frame(pa uintptr) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(pa)), PageSize)
}

// Map backs the page at va with a zeroed frame, writable and executable as
// asked (never both), and returns the frame's bytes. A mapped page keeps
// its frame and permissions.
func (s *AddressSpace) Map(va uint64, write, exec bool) ([]byte, error) {
	if err := checkUser(va); err != nil {
		return nil, err
	}
	if write && exec {
		return nil, fmt.Errorf("x86: page %#x both writable and executable", va)
	}
	pa := userMap(s.pml4, uintptr(va), permBits(write, exec))
	if pa == 0 {
		return nil, ErrNoMemory
	}
	return frame(pa), nil
}

// MapPhys maps the page at va to the physical frame pa, which the address
// space does not own: unmapping the page or releasing the space leaves the
// frame alone. uncached maps it with caching off (PCD and PWT), as device
// registers need. The page must not be mapped yet.
func (s *AddressSpace) MapPhys(va, pa uint64, write, uncached bool) error {
	if err := checkUser(va); err != nil {
		return err
	}
	if pa%PageSize != 0 || pa >= 1<<52 {
		return fmt.Errorf("x86: %#x is not a physical frame", pa)
	}
	perm := permBits(write, false)
	if uncached {
		perm |= ptePCD | ptePWT
	}
	if !userMapPhys(s.pml4, uintptr(va), uintptr(pa), perm) {
		return fmt.Errorf("x86: page %#x: mapped already, or %w", va, ErrNoMemory)
	}
	return nil
}

// AllocContiguous returns n physically contiguous zeroed frames: the
// physical address of the first, and their bytes through the identity
// map. Device DMA needs memory a device reaches by one physical address.
// It fails with ErrNoMemory when no unused range of RAM is that large.
func AllocContiguous(n int) (pa uint64, mem []byte, err error) {
	if n <= 0 {
		return 0, nil, fmt.Errorf("x86: %d contiguous frames", n)
	}
	f := contigAlloc(uintptr(n))
	if f == 0 {
		return 0, nil, ErrNoMemory
	}
	// unsafe.Pointer: f is RAM the identity map reaches, held until FreeContiguous.
	return uint64(f), unsafe.Slice((*byte)(unsafe.Pointer(f)), n*PageSize), nil
}

// FreeContiguous gives back n frames that AllocContiguous returned at pa.
// Nothing may use them afterwards: no mapping, and no device.
func FreeContiguous(pa uint64, n int) { contigFree(uintptr(pa), uintptr(n)) }

// Frame returns the bytes of the page mapped at va and its permissions.
func (s *AddressSpace) Frame(va uint64) (b []byte, write, exec, ok bool) {
	if checkUser(va) != nil {
		return nil, false, false, false
	}
	pte := userLookup(s.pml4, uintptr(va))
	if pte&ptePresent == 0 {
		return nil, false, false, false
	}
	return frame(uintptr(pte & pteAddrMask)), pte&pteWritable != 0, pte&pteNoExec == 0, true
}

// Protect changes the permissions of the mapped page at va.
func (s *AddressSpace) Protect(va uint64, write, exec bool) error {
	if err := checkUser(va); err != nil {
		return err
	}
	if write && exec {
		return fmt.Errorf("x86: page %#x both writable and executable", va)
	}
	if !userProtect(s.pml4, uintptr(va), permBits(write, exec)) {
		return fmt.Errorf("x86: page %#x is not mapped", va)
	}
	return nil
}

// Unmap releases the mapped pages of [va, va+n).
func (s *AddressSpace) Unmap(va, n uint64) {
	if va < UserBase || va >= UserTop || n == 0 {
		return
	}
	if n > UserTop-va {
		n = UserTop - va
	}
	userUnmap(s.pml4, uintptr(va), uintptr(n))
}

// Release frees every user page and the table. No thread may run in the
// space any more, and nothing may use it afterwards.
func (s *AddressSpace) Release() {
	if s.pml4 != 0 {
		userSpaceFree(s.pml4)
		s.pml4 = 0
	}
}

// ClockFactors returns how the kernel's monotonic clock reads the TSC, for
// user programs that read it themselves: ns = ((tsc-base)*mult)>>32, and
// the wall clock is ns + wallBase.
func ClockFactors() (base, mult uint64, wallBase int64) { return clockFactors() }

// readCR3, readCR4 and readFlags return the calling CPU's CR3, CR4 and
// RFLAGS (cr_clk_amd64.s), for the tests of the protections.
func readCR3() uintptr
func readCR4() uint64
func readFlags() uint64
