//go:build clk

package proc

import (
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	_ "unsafe" // go:linkname

	"clk/abi"
	x86 "clk/arch/x86_64"
	"clk/kernel/syscalls"
)

// The machine seam over arch/x86_64: page tables, ring-3 entry, the TSC
// clock.

// nanotime is the runtime's monotonic clock, which the TSC factors that
// system_info reports count from.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// hardware is the Machine of the x86-64 CPUs clk runs on.
type hardware struct {
	// monoBase is the runtime's nanotime at the syscall layer's
	// monotonic zero: user programs read the TSC and must agree with
	// the deadlines they pass.
	monoBase int64
}

// Hardware returns the machine whose syscall layer is k.
func Hardware(k *syscalls.Dispatcher) Machine {
	return &hardware{monoBase: nanotime() - int64(k.Monotonic())}
}

func (h *hardware) NewTables() (Tables, error) {
	as, err := x86.NewAddressSpace()
	if errors.Is(err, x86.ErrNoMemory) {
		return nil, fmt.Errorf("%w: %v", ErrNoMemory, err)
	}
	if err != nil {
		return nil, err
	}
	return hwTables{as}, nil
}

func (h *hardware) SystemInfo() abi.SystemInfo {
	base, mult, wall := x86.ClockFactors()
	// The syscall layer's clock starts monoBase after the runtime's:
	// move the TSC base forward by as many ticks.
	ticks := uint128Div(uint64(h.monoBase), mult)
	return abi.SystemInfo{
		CPUs:     uint64(runtime.NumCPU()),
		TSCBase:  base + ticks,
		TSCMult:  mult,
		WallBase: wall + h.monoBase,
		PageSize: x86.PageSize,
	}
}

// uint128Div returns ns<<32/mult: the TSC ticks in ns nanoseconds when
// ns = ticks*mult>>32.
func uint128Div(ns, mult uint64) uint64 {
	if mult == 0 {
		return 0
	}
	hi, lo := ns>>32, ns<<32
	if hi >= mult {
		return 0
	}
	q, _ := bits.Div64(hi, lo, mult)
	return q
}

// hwTables is Tables over the machine's page tables.
type hwTables struct{ as *x86.AddressSpace }

func (h hwTables) NewContext(regs Regs) Context {
	c := &hwContext{x86.NewUserContext(h.as, regs.RIP, regs.RSP)}
	c.load(&regs)
	return c
}

func (h hwTables) Map(va uint64, perm Perm) ([]byte, error) {
	b, err := h.as.Map(va, perm&PermWrite != 0, perm&PermExec != 0)
	if errors.Is(err, x86.ErrNoMemory) {
		return nil, fmt.Errorf("%w: %v", ErrNoMemory, err)
	}
	return b, err
}

func (h hwTables) MapPhys(va, pa uint64, perm Perm, uncached bool) error {
	err := h.as.MapPhys(va, pa, perm&PermWrite != 0, uncached)
	if errors.Is(err, x86.ErrNoMemory) {
		return fmt.Errorf("%w: %v", ErrNoMemory, err)
	}
	return err
}

func (h hwTables) Frame(va uint64) ([]byte, Perm, bool) {
	b, w, x, ok := h.as.Frame(va)
	if !ok {
		return nil, 0, false
	}
	perm := PermRead
	if w {
		perm |= PermWrite
	}
	if x {
		perm |= PermExec
	}
	return b, perm, true
}

func (h hwTables) Protect(va uint64, perm Perm) error {
	return h.as.Protect(va, perm&PermWrite != 0, perm&PermExec != 0)
}

func (h hwTables) Unmap(va, n uint64) { h.as.Unmap(va, n) }

func (h hwTables) Release() { h.as.Release() }

// hwContext is a thread on the CPU.
type hwContext struct{ ctx *x86.UserContext }

// load copies regs into the context.
func (c *hwContext) load(r *Regs) {
	x := c.ctx
	x.RAX, x.RDI, x.RSI, x.RDX, x.R10, x.R8, x.R9 = r.RAX, r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9
	x.RIP, x.RSP, x.RBP, x.FSBase = r.RIP, r.RSP, r.RBP, r.FSBase
}

func (c *hwContext) Run(r *Regs) Trap {
	c.load(r)
	x := c.ctx
	v := x.Run()
	r.RAX, r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9 = x.RAX, x.RDI, x.RSI, x.RDX, x.R10, x.R8, x.R9
	r.RIP, r.RSP, r.RBP, r.FSBase = x.RIP, x.RSP, x.RBP, x.FSBase
	tr := Trap{Vector: v, ErrCode: x.ErrCode}
	switch {
	case v == x86.VecSyscall:
		tr.Kind = TrapSyscall
	case v >= x86.VecFirstIRQ, v == x86.VecNMI:
		tr.Kind = TrapInterrupt
	case v == x86.VecPageFault:
		tr.Kind = TrapPageFault
		addr, write, exec, _ := x.PageFault()
		tr.Addr, tr.Access = addr, AccessRead
		switch {
		case exec:
			tr.Access = AccessExec
		case write:
			tr.Access = AccessWrite
		}
	default:
		tr.Kind = TrapException
	}
	return tr
}
