//go:build clk

package proc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname

	"clk/abi"
	x86 "clk/arch/x86_64"
	"clk/kernel/cap"
	"clk/kernel/object"
	"clk/kernel/syscalls"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Limits of a process.
const (
	// StackSize is the main thread's stack, with an unmapped guard page
	// below it.
	StackSize = 1 << 20
	// MaxThreads bounds thread_create.
	MaxThreads = 256
	// ProcessRights are the rights of the handle process_spawn returns.
	ProcessRights = abi.RightWait | abi.RightManage | abi.RightDuplicate | abi.RightTransfer
	// killedStatus is the exit code of a process the kernel killed.
	killedStatus = -1
	// traceFrames bounds the user stack trace of a fault report.
	traceFrames = 16
)

// System is the kernel's table of ring-3 processes and what they share:
// the syscall layer and where program images come from.
type System struct {
	kernel *syscalls.Dispatcher
	load   func(name string) ([]byte, error)
	// monoBase is the runtime's nanotime at the syscall layer's
	// monotonic zero: user programs read the TSC and must agree with
	// the deadlines they pass.
	monoBase int64

	mu    sync.Mutex
	procs map[uint64]*Process
}

// NewSystem returns a process table whose syscalls run in k and whose
// programs load finds by name (process_spawn's image argument).
func NewSystem(k *syscalls.Dispatcher, load func(name string) ([]byte, error)) *System {
	return &System{
		kernel:   k,
		load:     load,
		monoBase: nanotime() - int64(k.Monotonic()),
		procs:    make(map[uint64]*Process),
	}
}

// Process is a ring-3 program: its address space, its threads and its
// object (identity, handles, exit status).
type Process struct {
	sys   *System
	obj   *object.Process
	hw    *x86.AddressSpace
	space *Space
	image *Image
	futex Futexes
	start time.Time
	done  chan struct{}

	// Counters for ps.
	syscalls atomic.Uint64
	faults   atomic.Uint64

	mu      sync.Mutex
	threads int
	lastTID uint64
	report  string // why the kernel killed it, "" if it did not
	// children are the processes this one spawned, for KillTree.
	children []*Process
	// faultEntry is where a thread resumes after a fault the program
	// turns into a panic (fault_entry), 0 for none.
	faultEntry atomic.Uint64
}

// SharedConsole is a console that wants to know which processes write to
// it: Attach when a process starts with it (children start with their
// parent's), Detach when that process has ended, so that whoever reads it
// knows when the last writer is gone.
type SharedConsole interface {
	io.Writer
	Attach()
	Detach()
}

// SpawnOptions says how to start a program.
type SpawnOptions struct {
	// Args are the program's arguments; Args[0] is its name.
	Args []string
	// Handles are moved into the process; it finds their values in
	// CLK_HANDLES.
	Handles []*cap.Cap
	// Console receives what the process writes with console_write.
	Console io.Writer
}

// Spawn loads the program name and starts it.
func (sys *System) Spawn(name string, opt SpawnOptions) (*Process, error) {
	p, err := sys.prepare(name, opt.Console)
	if err != nil {
		return nil, err
	}
	return p, p.begin(opt.Args, opt.Handles)
}

// prepare loads the program into a new address space, ready for begin.
func (sys *System) prepare(name string, console io.Writer) (*Process, error) {
	// The caller's mistakes (no such program, not a program) wrap
	// ErrInvalid, which process_spawn reports as EINVAL.
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return nil, fmt.Errorf("spawn %q: not a program name: %w", name, ErrInvalid)
	}
	bin, err := sys.load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("spawn %s: no such program: %w", name, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("spawn %s: %w", name, err)
	}
	hw, err := x86.NewAddressSpace()
	if err != nil {
		return nil, fmt.Errorf("spawn %s: %w", name, err)
	}
	space := NewSpace(hwPages{hw})
	img, err := LoadELF(space, bin)
	if err != nil {
		space.Close()
		return nil, fmt.Errorf("spawn %s: %w", name, err)
	}
	p := &Process{
		sys:   sys,
		obj:   object.NewProcess(name, 0, console),
		hw:    hw,
		space: space,
		image: img,
		start: time.Now(),
		done:  make(chan struct{}),
	}
	return p, nil
}

// begin installs the handles, lays out the stack with args (the name
// alone if there are none) and starts the main thread.
func (p *Process) begin(args []string, handles []*cap.Cap) error {
	hs, err := p.obj.Handles.InstallAll(handles)
	if err != nil {
		for _, c := range handles {
			c.Close()
		}
		p.space.Close()
		return fmt.Errorf("spawn %s: %w", p.obj.Name(), err)
	}
	vals := make([]string, len(hs))
	for i, h := range hs {
		vals[i] = fmt.Sprintf("%#x", uint32(h))
	}
	env := []string{"CLK_HANDLES=" + strings.Join(vals, ",")}
	if len(args) == 0 {
		args = []string{p.obj.Name()}
	}
	sp, err := SetupStack(p.space, x86.UserTop, StackSize, args, env)
	if err != nil {
		p.obj.Exit(killedStatus)
		p.space.Close()
		return fmt.Errorf("spawn %s: %w", p.obj.Name(), err)
	}
	if c, ok := p.obj.Console().(SharedConsole); ok {
		c.Attach()
	}
	p.sys.mu.Lock()
	p.sys.procs[p.obj.PID()] = p
	p.sys.mu.Unlock()
	p.mu.Lock()
	p.startThread(x86.NewUserContext(p.hw, p.image.Entry, sp))
	p.mu.Unlock()
	return nil
}

// Object returns the process's kernel object: its identity, handle table
// and exit status.
func (p *Process) Object() *object.Process { return p.obj }

// PID returns the process's identifier.
func (p *Process) PID() uint64 { return p.obj.PID() }

// Name returns the program's name.
func (p *Process) Name() string { return p.obj.Name() }

// Done is closed when every thread has stopped and the address space is
// gone.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the process to end and returns its exit code and, if the
// kernel killed it, the report of why.
func (p *Process) Wait() (code int, report string) {
	<-p.done
	code, _ = p.obj.ExitStatus()
	p.mu.Lock()
	defer p.mu.Unlock()
	return code, p.report
}

// Kill ends the process with reason as its report. Threads in ring 3 stop
// at their next tick, threads in a futex wait at once. The processes it
// spawned go on, as a Unix process's children outlive it.
func (p *Process) Kill(reason string) {
	p.mu.Lock()
	if p.report == "" {
		p.report = reason
	}
	p.mu.Unlock()
	p.obj.Exit(killedStatus)
	p.futex.Close()
}

// KillTree is Kill for the process and every process it spawned, at any
// depth: what the shell does to a job.
func (p *Process) KillTree(reason string) {
	p.mu.Lock()
	children := p.children
	p.children = nil
	p.mu.Unlock()
	p.Kill(reason)
	for _, c := range children {
		c.KillTree(reason)
	}
}

func (p *Process) ended() bool { return p.obj.Ended() }

// Info is what ps shows of a process.
type Info struct {
	PID      uint64
	Name     string
	Threads  int
	Resident int // pages
	Syscalls uint64
	Faults   uint64
	Uptime   time.Duration
	Handles  int
}

// Info returns a snapshot of the process.
func (p *Process) Info() Info {
	p.mu.Lock()
	n := p.threads
	p.mu.Unlock()
	return Info{
		PID:      p.obj.PID(),
		Name:     p.obj.Name(),
		Threads:  n,
		Resident: p.space.Resident(),
		Syscalls: p.syscalls.Load(),
		Faults:   p.faults.Load(),
		Uptime:   time.Since(p.start).Truncate(time.Millisecond),
		Handles:  p.obj.Handles.Len(),
	}
}

// List returns the live processes, by PID.
func (sys *System) List() []*Process {
	sys.mu.Lock()
	ps := make([]*Process, 0, len(sys.procs))
	for _, p := range sys.procs {
		ps = append(ps, p)
	}
	sys.mu.Unlock()
	sort.Slice(ps, func(i, j int) bool { return ps[i].PID() < ps[j].PID() })
	return ps
}

// Lookup returns the live process pid.
func (sys *System) Lookup(pid uint64) (*Process, bool) {
	sys.mu.Lock()
	defer sys.mu.Unlock()
	p, ok := sys.procs[pid]
	return p, ok
}

// thread is one user thread and the goroutine that drives it.
type thread struct {
	p      *Process
	id     uint64
	ctx    *x86.UserContext
	caller syscalls.Caller
	// exitWait is thread_exit's word; exiting ends the loop after the
	// syscall.
	exitWait uint64
	exiting  bool
}

// startThread starts a thread with ctx. The caller holds p.mu.
func (p *Process) startThread(ctx *x86.UserContext) *thread {
	p.lastTID++
	p.threads++
	t := &thread{p: p, id: p.lastTID, ctx: ctx}
	t.caller = syscalls.Caller{Proc: p.obj, Mem: p.space, Host: t}
	go t.run()
	return t
}

// run is the thread's driver: enter ring 3, serve what brought it back,
// enter again, until the thread or the process ends.
func (t *thread) run() {
	p := t.p
	defer t.stopped()
	for !p.ended() {
		v := t.ctx.Run()
		switch {
		case v == x86.VecSyscall:
			t.syscall()
			if t.exiting {
				return
			}
		case v >= x86.VecFirstIRQ, v == x86.VecNMI:
			// An interrupt: the runtime has already let the
			// goroutines it woke run.
		case v == x86.VecPageFault:
			p.faults.Add(1)
			addr, write, exec, _ := t.ctx.PageFault()
			access := AccessRead
			switch {
			case exec:
				access = AccessExec
			case write:
				access = AccessWrite
			}
			if err := p.space.Fault(addr, access); err != nil {
				if addr < NilPageLimit && t.redirect(v, addr) {
					continue
				}
				t.die(fmt.Sprintf("page fault: %v", err))
				return
			}
		case v == x86.VecDivide && t.redirect(v, 0):
		default:
			t.die(exceptionName(v))
			return
		}
	}
}

func (t *thread) syscall() {
	c := t.ctx
	t.p.syscalls.Add(1)
	r := t.p.sys.kernel.Dispatch(&t.caller, c.RAX, syscalls.Args{c.RDI, c.RSI, c.RDX, c.R10, c.R8, c.R9})
	c.RAX, c.RDX = uint64(r.Errno), r.Value
	if r.Exited {
		// process_exit: the other threads stop at their next return
		// to the kernel; those asleep in a futex wake now.
		t.p.futex.Close()
	}
}

// NilPageLimit bounds the addresses whose faults go to the program's
// fault entry: the nil page, where Go reports a nil dereference.
const NilPageLimit = 4096

// faultEntrySize is how much code at the fault entry counts as the entry
// itself: a fault there is not sent back to it.
const faultEntrySize = 256

// redirect resumes the thread at its process's fault entry for a fault
// the program turns into a panic, and reports whether it did.
func (t *thread) redirect(vector, addr uint64) bool {
	entry := t.p.faultEntry.Load()
	c := t.ctx
	if entry == 0 || c.RIP >= entry && c.RIP < entry+faultEntrySize {
		return false
	}
	c.RDI, c.RSI, c.RDX = vector, addr, c.RIP
	c.RIP = entry
	return true
}

// stopped ends the thread's part in the process: the last thread out
// frees the address space.
func (t *thread) stopped() {
	p := t.p
	if t.exitWait != 0 && !p.ended() {
		var zero [4]byte
		p.space.CopyOut(t.exitWait, zero[:])
		p.futex.Wake(t.exitWait, 1<<30)
	}
	p.mu.Lock()
	p.threads--
	last := p.threads == 0
	p.mu.Unlock()
	if !last {
		return
	}
	p.obj.Exit(0) // no effect if it already ended
	p.futex.Close()
	p.space.Close()
	p.sys.mu.Lock()
	delete(p.sys.procs, p.obj.PID())
	p.sys.mu.Unlock()
	close(p.done)
	if c, ok := p.obj.Console().(SharedConsole); ok {
		c.Detach()
	}
}

// die kills the process for the fault the thread just took and writes
// the report to the process's console.
func (t *thread) die(what string) {
	p := t.p
	c := t.ctx
	var b strings.Builder
	fmt.Fprintf(&b, "process %d (%s) killed: %s\n", p.PID(), p.Name(), what)
	fmt.Fprintf(&b, "  thread %d at rip %#x", t.id, c.RIP)
	if name, off, ok := p.image.Symbolize(c.RIP); ok {
		fmt.Fprintf(&b, " (%s+%#x)", name, off)
	}
	fmt.Fprintf(&b, " rsp %#x error code %#x\n  user stack:\n", c.RSP, c.ErrCode)
	for _, f := range StackTrace(p.space, p.image, c.RIP, c.RBP, traceFrames) {
		fmt.Fprintf(&b, "    %v\n", f)
	}
	report := b.String()
	p.Kill(report)
	if w := p.obj.Console(); w != nil {
		io.WriteString(w, report)
	}
}

// exceptionName describes a CPU exception a user thread took.
func exceptionName(v uint64) string {
	switch v {
	case x86.VecDivide:
		return "divide error (#DE)"
	case x86.VecDebug:
		return "debug trap (#DB)"
	case x86.VecBreakpoint:
		return "breakpoint (#BP)"
	case x86.VecInvalidOp:
		return "invalid opcode (#UD)"
	case x86.VecGeneralProt:
		return "general protection fault (#GP): a privileged instruction or a non-canonical address"
	case x86.VecFPU:
		return "x87 floating-point error (#MF)"
	case x86.VecAlignment:
		return "alignment check (#AC)"
	case x86.VecSIMD:
		return "SIMD floating-point exception (#XM)"
	}
	return fmt.Sprintf("exception %d", v)
}

// The machine side of the syscalls (syscalls.Host), for the calling thread.

// MapAnon reserves demand-zero memory.
func (t *thread) MapAnon(addr, n uint64, write bool) (uint64, error) {
	perm := PermRead
	if write {
		perm |= PermWrite
	}
	got, err := t.p.space.Reserve(addr, n, perm, KindAnon, "anon")
	if err != nil {
		if addr != 0 && errors.Is(err, ErrOverlap) {
			if r, ok := t.p.space.Lookup(addr); ok && r.Kind == KindAnon && r.Perm == perm && addr+n <= r.End {
				return addr, nil
			}
		}
		return 0, fmt.Errorf("%w: %v", abi.ENOMEM, err)
	}
	return got, nil
}

// Unmap removes anonymous memory; keep makes it a discard, which leaves
// the range mapped and zero.
func (t *thread) Unmap(addr, n uint64, keep bool) error {
	for _, r := range t.p.space.Regions() {
		if r.Kind != KindAnon && r.Start < addr+n && addr < r.End {
			return fmt.Errorf("%#x bytes at %#x meet the %v: %w", n, addr, r, cap.ErrInvalid)
		}
	}
	var err error
	if keep {
		err = t.p.space.Discard(addr, n)
	} else {
		err = t.p.space.Release(addr, n)
	}
	if err != nil && !errors.Is(err, ErrUnmapped) {
		return fmt.Errorf("%w: %v", cap.ErrInvalid, err)
	}
	return nil
}

// NewThread starts a thread of the process.
func (t *thread) NewThread(entry, stack, fsbase, arg uint64) (uint64, error) {
	p := t.p
	// Each value reaches a register that ring 0 loads (the FS base by
	// WRMSR, RIP by IRETQ): a non-canonical one would fault in the kernel.
	if entry < x86.UserBase || entry >= x86.UserTop || stack < x86.UserBase || stack > x86.UserTop ||
		fsbase != 0 && (fsbase < x86.UserBase || fsbase >= x86.UserTop) {
		return 0, fmt.Errorf("thread_create: entry %#x stack %#x FS base %#x: %w", entry, stack, fsbase, cap.ErrInvalid)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.threads >= MaxThreads {
		return 0, fmt.Errorf("thread_create: %d threads: %w", p.threads, cap.ErrNoSpace)
	}
	ctx := t.ctx.Clone(entry, stack)
	ctx.FSBase = fsbase
	ctx.RDI = arg
	return p.startThread(ctx).id, nil
}

// ExitThread ends the calling thread after its syscall.
func (t *thread) ExitThread(wait uint64) {
	t.exiting = true
	t.exitWait = wait
}

// SetFS sets the thread's FS base.
func (t *thread) SetFS(base uint64) error {
	if base < x86.UserBase || base >= x86.UserTop {
		return fmt.Errorf("thread_set_fs: %#x: %w", base, cap.ErrInvalid)
	}
	t.ctx.FSBase = base
	return nil
}

// FutexWait is futex_wait.
func (t *thread) FutexWait(addr uint64, val uint32, deadline time.Time, block bool) error {
	if !block {
		deadline = time.Unix(0, 1) // long past: check the value only
	}
	return t.p.futex.Wait(t.p.space, addr, val, deadline)
}

// FutexWake is futex_wake.
func (t *thread) FutexWake(addr uint64, n int) (int, error) {
	if addr%4 != 0 {
		return 0, fmt.Errorf("futex_wake at %#x: %w", addr, cap.ErrInvalid)
	}
	return t.p.futex.Wake(addr, n), nil
}

// Spawn is process_spawn: the child inherits the caller's console.
func (t *thread) Spawn(image string, args []string, take func() ([]*cap.Cap, error)) (*cap.Cap, error) {
	child, err := t.p.sys.prepare(image, t.p.obj.Console())
	if err != nil {
		return nil, err
	}
	handles, err := take()
	if err != nil {
		child.space.Close()
		return nil, err
	}
	if err := child.begin(args, handles); err != nil {
		return nil, err
	}
	p := t.p
	p.mu.Lock()
	// Forget the children that have ended, so that the list stays short.
	live := p.children[:0]
	for _, c := range p.children {
		if !c.ended() {
			live = append(live, c)
		}
	}
	p.children = append(live, child)
	p.mu.Unlock()
	return cap.New(child.obj, ProcessRights), nil
}

// SetFaultEntry is fault_entry.
func (t *thread) SetFaultEntry(entry uint64) error {
	if entry != 0 && (entry < x86.UserBase || entry >= x86.UserTop) {
		return fmt.Errorf("fault_entry: %#x: %w", entry, cap.ErrInvalid)
	}
	t.p.faultEntry.Store(entry)
	return nil
}

// Info is system_info.
func (t *thread) Info() abi.SystemInfo {
	base, mult, wall := x86.ClockFactors()
	// The syscall layer's clock starts monoBase after the runtime's:
	// move the TSC base forward by as many ticks.
	ticks := uint64((uint128Div(uint64(t.p.sys.monoBase), mult)))
	return abi.SystemInfo{
		CPUs:     uint64(runtime.NumCPU()),
		TSCBase:  base + ticks,
		TSCMult:  mult,
		WallBase: wall + t.p.sys.monoBase,
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

// hwPages is Pages over the machine's page tables.
type hwPages struct{ as *x86.AddressSpace }

func (h hwPages) Map(va uint64, perm Perm) ([]byte, error) {
	b, err := h.as.Map(va, perm&PermWrite != 0, perm&PermExec != 0)
	if errors.Is(err, x86.ErrNoMemory) {
		return nil, fmt.Errorf("%w: %v", ErrNoMemory, err)
	}
	return b, err
}

func (h hwPages) Frame(va uint64) ([]byte, Perm, bool) {
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

func (h hwPages) Protect(va uint64, perm Perm) error {
	return h.as.Protect(va, perm&PermWrite != 0, perm&PermExec != 0)
}

func (h hwPages) Unmap(va, n uint64) { h.as.Unmap(va, n) }

func (h hwPages) Release() { h.as.Release() }
