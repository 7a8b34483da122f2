package proc

import (
	"bytes"
	"io/fs"
	"sync"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/syscalls"
)

// The scripted machine of the host tests: address spaces in MemPages and
// threads that play a script of traps (a syscall, a page fault at an
// address, a #GP ...) instead of running code.

// step is one return of a scripted thread from ring 3.
type step struct {
	// after, if not nil, keeps the thread in ring 3 (returning on
	// ticks) until it is closed.
	after <-chan struct{}
	// see, if not nil, sees the registers as the kernel left them (the
	// last syscall's result in RAX and RDX, a fault entry's arguments),
	// before the thread waits for after.
	see func(r Regs)
	// trap sets the registers the trap carries and returns it.
	trap func(r *Regs) Trap
}

// sys is a syscall step.
func sys(num uint64, args ...uint64) step {
	return step{trap: func(r *Regs) Trap {
		var a [6]uint64
		copy(a[:], args)
		r.RAX = num
		r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
		return Trap{Kind: TrapSyscall, Vector: 256}
	}}
}

// fault is a page fault step at rip.
func fault(rip, addr uint64, access Access) step {
	return step{trap: func(r *Regs) Trap {
		r.RIP = rip
		return Trap{Kind: TrapPageFault, Vector: 14, Addr: addr, Access: access}
	}}
}

// exception is a step that takes CPU exception vector at rip.
func exception(rip, vector uint64) step {
	return step{trap: func(r *Regs) Trap {
		r.RIP = rip
		return Trap{Kind: TrapException, Vector: vector, ErrCode: 0x10}
	}}
}

// tick is how long a scripted thread with nothing left to do, or waiting
// for a step's after, stays in ring 3 before it returns on an interrupt.
const tick = 100 * time.Microsecond

// fakeCPU is a scripted thread. When its script is done it computes
// forever, returning on every tick as a thread under the timer does.
type fakeCPU struct {
	steps []step
	// seen is set once the first step's see has run.
	seen bool
}

func (c *fakeCPU) Run(r *Regs) Trap {
	if len(c.steps) > 0 && c.steps[0].see != nil && !c.seen {
		c.steps[0].see(*r)
		c.seen = true
	}
	if len(c.steps) == 0 || c.steps[0].after != nil && !closed(c.steps[0].after) {
		time.Sleep(tick)
		return Trap{Kind: TrapInterrupt, Vector: 32}
	}
	s := c.steps[0]
	c.steps, c.seen = c.steps[1:], false
	return s.trap(r)
}

// exitStep ends the process with code.
func exitStep(code uint64) step { return sys(abi.SysProcessExit, code) }

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// fakeMachine is a Machine of MemPages and scripted threads.
type fakeMachine struct {
	mu sync.Mutex
	// script returns the steps of the n-th thread started on the
	// machine (0 first), which starts with regs.
	script func(n int, regs Regs) []step
	// limit bounds the pages of each new address space; tablesErr, if
	// set, fails NewTables.
	limit     int
	tablesErr error
	tables    []*fakeTables
	threads   int
}

func (m *fakeMachine) NewTables() (Tables, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tablesErr != nil {
		return nil, m.tablesErr
	}
	t := &fakeTables{MemPages: &MemPages{Limit: m.limit}, m: m}
	m.tables = append(m.tables, t)
	return t, nil
}

func (m *fakeMachine) SystemInfo() abi.SystemInfo {
	return abi.SystemInfo{CPUs: 1, PageSize: abi.PageSize}
}

// set changes the machine's failures for the next address spaces.
func (m *fakeMachine) set(limit int, tablesErr error) {
	m.mu.Lock()
	m.limit, m.tablesErr = limit, tablesErr
	m.mu.Unlock()
}

// allTables returns every address space made so far, oldest first.
func (m *fakeMachine) allTables() []*fakeTables {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*fakeTables(nil), m.tables...)
}

// fakeTables are MemPages that start scripted threads.
type fakeTables struct {
	*MemPages
	m *fakeMachine
}

func (t *fakeTables) NewContext(regs Regs) Context {
	m := t.m
	m.mu.Lock()
	n := m.threads
	m.threads++
	script := m.script
	m.mu.Unlock()
	var steps []step
	if script != nil {
		steps = script(n, regs)
	}
	return &fakeCPU{steps: steps}
}

// The test program: testELF with its name at dataVA, which the scripts
// pass to process_spawn, and scratch memory in its bss.
const (
	progName = "prog"
	nameVA   = dataVA
	// scratchVA is zero-filled, writable memory for syscall arguments.
	scratchVA = dataVA + 0x100
	// bssPage is a page of the bss no copy has touched.
	bssPage = textVA + 3*abi.PageSize
)

func progELF() []byte {
	b := testELF()
	copy(b[dataOff:], progName)
	return b
}

// loadProgram finds progName, and "junk", a file that is no program.
func loadProgram(name string) ([]byte, error) {
	switch name {
	case progName:
		return progELF(), nil
	case "junk":
		return []byte("#!/bin/sh\n"), nil
	}
	return nil, fs.ErrNotExist
}

// newSystem returns a process table over a scripted machine.
func newSystem(t *testing.T, script func(n int, regs Regs) []step) (*System, *fakeMachine) {
	t.Helper()
	m := &fakeMachine{script: script}
	return NewSystem(syscalls.NewDispatcher(), m, loadProgram), m
}

// spawn starts progName with opt.
func spawn(t *testing.T, s *System, opt SpawnOptions) *Process {
	t.Helper()
	p, err := s.Spawn(progName, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stuck bounds the waits for what must happen promptly: a loaded machine
// can be slow, but not this slow.
const stuck = 10 * time.Second

// waitEnd waits for p to end and returns Wait's results.
func waitEnd(t *testing.T, p *Process) (int, string) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(stuck):
		t.Fatalf("process %d did not end: %+v", p.PID(), p.Info())
	}
	return p.Wait()
}

// syncBuffer is a console that tests read while processes write to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// checkFreed checks that every address space of m was released, used as
// the Pages contract says, and that s lists no process.
func checkFreed(t *testing.T, s *System, m *fakeMachine) {
	t.Helper()
	if ps := s.List(); len(ps) != 0 {
		t.Errorf("%d processes left in the table", len(ps))
	}
	for i, tb := range m.allTables() {
		if !tb.Released() {
			t.Errorf("address space %d not released (%d pages mapped)", i, tb.Mapped())
		}
		if err := tb.Misuse(); err != nil {
			t.Errorf("address space %d: %v", i, err)
		}
	}
}
