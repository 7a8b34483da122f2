package x86

// The layouts and numbers this package shares with the runtime port. The
// runtime's declarations (rt/src/runtime: clkTrapFrame in
// trap_clk_amd64.go, clkUserCtx in enteruser_clk_amd64.go, the constants
// named in mirror_test.go) are the definitions; a kernel package cannot
// name the runtime's unexported types and constants, so these mirror them
// and mirror_test.go, a host test, fails when a field's name, offset or
// size, or a constant's value, drifts.

// TrapFrame is the register state the runtime saves when a vector is
// taken (runtime.clkTrapFrame): the general registers, the vector and
// error code the entry stub pushed, then the frame the CPU pushed. The
// exception report's hook gets one; a user thread's context starts with
// one.
type TrapFrame struct {
	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64
	Vector, ErrCode                      uint64
	RIP, CS, RFLAGS, RSP, SS             uint64
}

// UserContext is a user thread's state while it is out of ring 3
// (runtime.clkUserCtx). Its registers are the thread's; Vector and
// ErrCode say why it last left ring 3. CS and SS are forced to the user
// selectors on entry, and RFLAGS to what ring 3 may set.
type UserContext struct {
	TrapFrame
	FSBase uint64 // the thread's FS base (its TLS)
	cr3    uint64
	CR2    uint64 // after a page fault, the address
	_      [4]uint64
	// fxvalid says the FPU save area holds the whole FPU state (see the
	// runtime's clkUserRun); a new thread's does.
	fxvalid uint64
	// fx holds the FPU save area (the runtime's fpu_clk_amd64.go: an
	// XSAVE area with AVX, else an FXSAVE image) at its first 64-byte
	// aligned byte.
	fx [fpuAreaSize + 64]byte
}

// fpuAreaSize is the size of the FPU save area (runtime.clkFPUAreaSize).
const fpuAreaSize = 1024

// The user half of every address space.
const (
	UserBase = 0x0000_7f00_0000_0000
	// UserTop is the end of what a program may map: the last page below
	// the canonical hole stays unmapped, so that no instruction of a
	// program ends at the hole.
	UserTop  = 0x0000_7fff_ffff_f000
	PageSize = 4096
)

// Why a user thread left ring 3: a CPU exception or interrupt vector, or
// VecSyscall.
const (
	VecDivide       = 0
	VecDebug        = 1
	VecNMI          = 2
	VecBreakpoint   = 3
	VecInvalidOp    = 6
	VecGeneralProt  = 13
	VecPageFault    = 14
	VecFPU          = 16
	VecAlignment    = 17
	VecSIMD         = 19
	VecFirstIRQ     = 32
	VecSyscall      = 256
	pteWritable     = 1 << 1
	pteUser         = 1 << 2
	ptePresent      = 1 << 0
	pteNoExec       = 1 << 63
	ptePWT          = 1 << 3
	ptePCD          = 1 << 4
	pteAddrMask     = 0x000f_ffff_ffff_f000
	pfErrPresent    = 1 << 0
	pfErrWrite      = 1 << 1
	pfErrInstrFetch = 1 << 4
)
