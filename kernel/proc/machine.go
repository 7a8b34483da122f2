package proc

import (
	"clk/abi"
)

// The machine seam: everything the process lifecycle needs of the
// hardware. machine_clk.go implements it over arch/x86_64 (page tables and
// the runtime's ring-3 entry); host tests implement it with MemPages and a
// scripted CPU.

// Machine makes the hardware side of new processes.
type Machine interface {
	// NewTables returns the page tables of a new, empty address space.
	NewTables() (Tables, error)
	// SystemInfo returns what system_info reports: CPUs, the clock
	// factors user programs read the TSC with, the page size.
	SystemInfo() abi.SystemInfo
}

// Tables are one process's page tables (Pages, which its Space drives)
// and the threads that run in them.
type Tables interface {
	Pages
	// NewContext returns a thread of this address space with the FPU
	// state of a fresh thread and the registers of regs.
	NewContext(regs Regs) Context
}

// Context is one user thread's CPU state while it is out of ring 3.
type Context interface {
	// Run enters ring 3 with regs and returns when the thread leaves
	// it, with why, regs then holding the thread's registers at that
	// point. One goroutine, the thread's driver, calls it; the registers
	// not in Regs (the other general registers, the FPU state) stay in
	// the Context between calls.
	Run(regs *Regs) Trap
}

// Regs are the user registers the kernel reads or sets: a syscall's
// number (RAX) and arguments (RDI, RSI, RDX, R10, R8, R9) and its result
// (RAX, RDX), where a thread starts or resumes (RIP, RSP, and RDI, RSI,
// RDX for a fault entry's arguments), the frame pointer for stack traces
// and the FS base (the thread's TLS).
type Regs struct {
	RAX, RDI, RSI, RDX, R10, R8, R9 uint64
	RIP, RSP, RBP                   uint64
	FSBase                          uint64
}

// TrapKind says why a thread left ring 3.
type TrapKind uint8

// The kinds of Trap.
const (
	// TrapSyscall: the thread executed SYSCALL.
	TrapSyscall TrapKind = iota
	// TrapInterrupt: an interrupt (a tick, a device, an NMI) stopped
	// the thread; the runtime has already let the goroutines it woke
	// run.
	TrapInterrupt
	// TrapPageFault: the thread touched a page it may not, or one not
	// mapped yet; Addr and Access say which.
	TrapPageFault
	// TrapException: any other CPU exception; Vector says which.
	TrapException
)

// Trap is why a thread left ring 3.
type Trap struct {
	Kind TrapKind
	// Vector is the x86-64 exception or interrupt vector (14 for a page
	// fault); a program's fault entry receives it.
	Vector uint64
	// ErrCode is the exception's error code, 0 if it has none.
	ErrCode uint64
	// Addr and Access are a page fault's address and attempted access.
	Addr   uint64
	Access Access
}
