package proc

import (
	"fmt"
	"runtime/debug"
	"time"

	"clk/kernel/limit"
	"clk/kernel/syscalls"
)

// thread is one user thread and the goroutine that drives it.
type thread struct {
	p      *Process
	id     uint64
	ctx    Context
	regs   Regs
	caller syscalls.Caller
	// exitWait is thread_exit's word; exiting ends the loop after the
	// syscall.
	exitWait uint64
	exiting  bool
}

// chargeThread counts one more thread, and the kernel memory it takes,
// against the process's limits; startThread's thread gives it back when it
// stops.
func (p *Process) chargeThread() error {
	if err := p.account.Charge(limit.Threads, 1); err != nil {
		return err
	}
	if err := p.account.Charge(limit.Memory, threadMemory); err != nil {
		p.account.Uncharge(limit.Threads, 1)
		return err
	}
	return nil
}

// returnMemoryAbove is the peak memory of a process above which its end
// makes the kernel return its free heap to the frame allocator.
const returnMemoryAbove = 16 << 20

// unchargeThread gives back what chargeThread counted.
func (p *Process) unchargeThread() {
	p.account.Uncharge(limit.Threads, 1)
	p.account.Uncharge(limit.Memory, threadMemory)
}

// startThread starts a thread with regs, which chargeThread has counted.
// Preconditions: p.mu is held.
func (p *Process) startThread(regs Regs) *thread {
	p.lastTID++
	p.threads++
	t := &thread{p: p, id: p.lastTID, ctx: p.tables.NewContext(regs), regs: regs}
	t.caller = syscalls.Caller{Proc: p.obj, Mem: p.space, Host: t, Dying: p.dying}
	go t.run()
	return t
}

// run is the thread's driver: enter ring 3, serve what brought it back,
// enter again, until the thread or the process ends.
func (t *thread) run() {
	p := t.p
	defer t.stopped()
	for !p.ended() {
		began := time.Now()
		tr := t.ctx.Run(&t.regs)
		p.obj.Counters.CPU.Add(uint64(time.Since(began)))
		switch tr.Kind {
		case TrapSyscall:
			t.syscall()
			if t.exiting {
				return
			}
		case TrapInterrupt:
			// The runtime has already let the goroutines the
			// interrupt woke run; the loop checks for an end.
		case TrapPageFault:
			p.faults.Add(1)
			if err := p.space.Fault(tr.Addr, tr.Access); err != nil {
				if tr.Addr < NilPageLimit && t.redirect(tr.Vector, tr.Addr) {
					continue
				}
				t.die(fmt.Sprintf("page fault: %v", err), tr)
				return
			}
		default:
			if tr.Vector == vecDivide && t.redirect(tr.Vector, 0) {
				continue
			}
			t.die(exceptionName(tr.Vector), tr)
			return
		}
	}
}

func (t *thread) syscall() {
	r := &t.regs
	t.p.syscalls.Add(1)
	t.p.obj.Counters.Call(r.RAX)
	res := t.p.sys.kernel.Dispatch(&t.caller, r.RAX, syscalls.Args{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9})
	r.RAX, r.RDX = uint64(res.Errno), res.Value
	if res.Exited {
		// process_exit: the other threads stop at their next return
		// to the kernel; those in a blocking call return now.
		t.p.beginEnd()
	}
}

// NilPageLimit bounds the addresses whose faults go to the program's
// fault entry: the nil page, where Go reports a nil dereference.
const NilPageLimit = 4096

// faultEntrySize is how much code at the fault entry counts as the entry
// itself: a fault there is not sent back to it.
const faultEntrySize = 256

// redirect resumes the thread at its process's fault entry for a fault
// the program turns into a panic, and reports whether it did. The entry
// gets the vector, the address and the faulting RIP as its arguments.
func (t *thread) redirect(vector, addr uint64) bool {
	entry := t.p.faultEntry.Load()
	r := &t.regs
	if entry == 0 || r.RIP >= entry && r.RIP < entry+faultEntrySize {
		return false
	}
	r.RDI, r.RSI, r.RDX = vector, addr, r.RIP
	r.RIP = entry
	return true
}

// stopped ends the thread's part in the process: the last thread out
// ends the process if nothing else has, frees the address space and
// takes the process out of the table.
func (t *thread) stopped() {
	p := t.p
	if t.exitWait != 0 && !p.ended() {
		var zero [4]byte
		p.space.CopyOut(t.exitWait, zero[:])
		p.futex.Wake(t.exitWait, 1<<30)
	}
	// Give the thread back before counting it out, so that once the last
	// thread ends the process no thread is counted any more.
	p.unchargeThread()
	p.mu.Lock()
	p.threads--
	last := p.threads == 0
	p.mu.Unlock()
	if !last {
		return
	}
	p.obj.Exit(0) // no effect if it already ended
	p.beginEnd()
	p.space.Close()
	// A child no longer counts against its parent's limit on children.
	p.parent.Uncharge(limit.Children, 1)
	p.sys.remove(p)
	if p.account.PeakMemory() >= returnMemoryAbove {
		// What a large process left behind in the kernel's heap (the
		// messages it had queued, its tables) is garbage now: collect
		// it and give its pages back to the frame allocator rather than
		// keep them for a heap that may never need them again.
		go debug.FreeOSMemory()
	}
	close(p.done)
	if c, ok := p.obj.Console().(SharedConsole); ok {
		c.Detach()
	}
}
