package proc

import (
	"sort"
	"sync"

	"clk/kernel/syscalls"
)

// System is the kernel's table of ring-3 processes and what they share:
// the syscall layer, the machine they run on and where program images
// come from.
type System struct {
	kernel  *syscalls.Dispatcher
	machine Machine
	load    func(name string) ([]byte, error)

	mu    sync.Mutex
	procs map[uint64]*Process
}

// NewSystem returns a process table whose syscalls run in k, whose
// processes run on m (Hardware on clk) and whose programs load finds by
// name (process_spawn's image argument).
func NewSystem(k *syscalls.Dispatcher, m Machine, load func(name string) ([]byte, error)) *System {
	return &System{
		kernel:  k,
		machine: m,
		load:    load,
		procs:   make(map[uint64]*Process),
	}
}

// add puts a process that has started into the table.
func (sys *System) add(p *Process) {
	sys.mu.Lock()
	sys.procs[p.PID()] = p
	sys.mu.Unlock()
}

// remove takes a process that has ended out of the table.
func (sys *System) remove(p *Process) {
	sys.mu.Lock()
	delete(sys.procs, p.PID())
	sys.mu.Unlock()
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
