package proc

import (
	"sync"
	"sync/atomic"
	"time"

	"clk/abi"
	"clk/kernel/limit"
	"clk/kernel/object"
)

// Limits of a process.
const (
	// StackSize is the main thread's stack, with an unmapped guard page
	// below it.
	StackSize = 1 << 20
	// threadMemory is what a thread is charged beyond its user pages:
	// the kernel's goroutine that drives it, its context and FPU area.
	threadMemory = 16 << 10
	// ProcessRights are the rights of the handle process_spawn returns.
	ProcessRights = abi.RightWait | abi.RightManage | abi.RightDuplicate | abi.RightTransfer
	// killedStatus is the exit code of a process the kernel killed.
	killedStatus = -1
)

// Process is a ring-3 program: its address space, its threads and its
// object (identity, handles, exit status).
type Process struct {
	sys    *System
	obj    *object.Process
	tables Tables
	space  *Space
	image  *Image
	futex  Futexes
	start  time.Time

	// account counts what the process uses against its limits; parent
	// is its parent's, which counts it as a child while it lives (nil for
	// a process the kernel started).
	account *limit.Account
	parent  *limit.Account

	// dying is closed when the process starts to end (see Dying), done
	// when it has ended (see Done).
	dying   chan struct{}
	endOnce sync.Once
	done    chan struct{}

	// Counters for ps.
	syscalls atomic.Uint64
	faults   atomic.Uint64

	mu      sync.Mutex
	threads int
	lastTID uint64
	report  string // why the kernel killed it, "" if it did not
	// children are the processes this one spawned, for KillTree.
	children []*Process
	// treeKilled is KillTree's reason once it has run: a child spawned
	// after it took the children is killed as it joins.
	treeKilled string
	// faultEntry is where a thread resumes after a fault the program
	// turns into a panic (fault_entry), 0 for none.
	faultEntry atomic.Uint64
}

// Object returns the process's kernel object: its identity, handle table
// and exit status.
func (p *Process) Object() *object.Process { return p.obj }

// PID returns the process's identifier.
func (p *Process) PID() uint64 { return p.obj.PID() }

// Name returns the program's name.
func (p *Process) Name() string { return p.obj.Name() }

// Dying is closed as soon as the process starts to end: killed, or
// process_exit, or its last thread gone. Every syscall that blocks must
// return at once when the process ends, so that a kill is never held up
// by a sleep or a wait: it selects on Dying (the thread's syscalls.Caller
// carries it) or watches the process object, whose Signaled rises just
// before Dying closes. The result of such a call never reaches ring 3.
func (p *Process) Dying() <-chan struct{} { return p.dying }

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
	// Memory is what the process and its children are charged for, in
	// bytes; Limits its limits.
	Memory int64
	Limits limit.Limits
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
		Memory:   p.account.Used(limit.Memory),
		Limits:   p.account.Limits(),
	}
}
