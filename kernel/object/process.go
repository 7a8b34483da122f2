package object

import (
	"io"
	"sync"
	"sync/atomic"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/wait"
)

var lastPID atomic.Uint64

// Process is a process as the object model sees it: an identity, a handle
// table and an exit status. It raises abi.Signaled when it ends. The
// goroutine that runs its code in ring 3 is not here; it owns a *Process.
type Process struct {
	wait.Source
	pid  uint64
	name string
	// Handles is the process's handle table.
	Handles *cap.Table
	// Counters count what the process did, for the metrics object.
	Counters Counters
	console  io.Writer

	mu     sync.Mutex
	exited bool
	code   int
	// ended mirrors exited for Ended, which the syscall path asks on
	// every return to ring 3.
	ended atomic.Bool
}

// NewProcess returns a running process named name with an empty handle
// table of at most maxHandles entries (0: abi.DefaultMaxHandles). console,
// which may be nil, receives what the process writes with console_write.
func NewProcess(name string, maxHandles int, console io.Writer) *Process {
	return &Process{
		pid:     lastPID.Add(1),
		name:    name,
		Handles: cap.NewTable(maxHandles),
		console: console,
	}
}

// Type returns abi.TypeProcess.
func (p *Process) Type() abi.ObjectType { return abi.TypeProcess }

// PID returns the process's identifier, unique while the kernel runs.
func (p *Process) PID() uint64 { return p.pid }

// Name returns the name the process was started with.
func (p *Process) Name() string { return p.name }

// Console returns where console_write output goes, or nil.
func (p *Process) Console() io.Writer { return p.console }

// Exit ends the process with code: it closes every handle and raises
// abi.Signaled. Only the first call has an effect; it reports whether
// this call was it.
func (p *Process) Exit(code int) bool {
	p.mu.Lock()
	if p.exited {
		p.mu.Unlock()
		return false
	}
	p.exited, p.code = true, code
	p.ended.Store(true)
	p.mu.Unlock()
	p.Handles.CloseAll()
	p.Update(0, abi.Signaled)
	return true
}

// ExitStatus returns the exit code and whether the process has ended.
func (p *Process) ExitStatus() (code int, exited bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code, p.exited
}

// Ended reports whether the process has ended, without a lock.
func (p *Process) Ended() bool { return p.ended.Load() }
