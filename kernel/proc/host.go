package proc

import (
	"errors"
	"fmt"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/syscalls"
)

// The machine side of the syscalls (syscalls.Host), for the calling thread.

var _ syscalls.Host = (*thread)(nil)

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

// userAddr reports whether a is a user address a register may be loaded
// with: ring 0 loads the FS base by WRMSR and RIP by IRETQ, and a
// non-canonical value would fault in the kernel.
func userAddr(a uint64) bool { return a >= abi.UserBase && a < abi.UserTop }

// NewThread starts a thread of the process.
func (t *thread) NewThread(entry, stack, fsbase, arg uint64) (uint64, error) {
	p := t.p
	if !userAddr(entry) || stack < abi.UserBase || stack > abi.UserTop || fsbase != 0 && !userAddr(fsbase) {
		return 0, fmt.Errorf("thread_create: entry %#x stack %#x FS base %#x: %w", entry, stack, fsbase, cap.ErrInvalid)
	}
	if err := p.chargeThread(); err != nil {
		return 0, fmt.Errorf("thread_create: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startThread(Regs{RIP: entry, RSP: stack, FSBase: fsbase, RDI: arg}).id, nil
}

// ExitThread ends the calling thread after its syscall.
func (t *thread) ExitThread(wait uint64) {
	t.exiting = true
	t.exitWait = wait
}

// SetFS sets the thread's FS base.
func (t *thread) SetFS(base uint64) error {
	if !userAddr(base) {
		return fmt.Errorf("thread_set_fs: %#x: %w", base, cap.ErrInvalid)
	}
	t.regs.FSBase = base
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

// Spawn is process_spawn.
func (t *thread) Spawn(image string, args []string, take func() ([]*cap.Cap, error)) (*cap.Cap, error) {
	child, err := t.p.sys.spawnChild(t.p, image, args, take)
	if err != nil {
		return nil, err
	}
	return cap.New(child.obj, ProcessRights), nil
}

// SetFaultEntry is fault_entry.
func (t *thread) SetFaultEntry(entry uint64) error {
	if entry != 0 && !userAddr(entry) {
		return fmt.Errorf("fault_entry: %#x: %w", entry, cap.ErrInvalid)
	}
	t.p.faultEntry.Store(entry)
	return nil
}

// Info is system_info.
func (t *thread) Info() abi.SystemInfo { return t.p.sys.machine.SystemInfo() }

// MapPhys maps physical memory the process does not own into its space.
func (t *thread) MapPhys(pa, n uint64, uncached bool, skip func(off uint64) bool, name string) (uint64, func(), error) {
	space := t.p.space
	va, err := space.MapPhys(pa, n, PermRead|PermWrite, uncached, skip, name)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", abi.ENOMEM, err)
	}
	return va, func() { space.UnmapPhys(va, n) }, nil
}
