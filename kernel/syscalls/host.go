package syscalls

import (
	"time"

	"clk/abi"
	"clk/kernel/cap"
)

// Host is the machine side of a process, which the calls on threads,
// memory and new processes need: kernel/proc implements it over page
// tables and ring-3 threads. A Caller without one (the host tests) gets
// abi.ENOSYS from those calls.
type Host interface {
	// MapAnon reserves demand-zero memory (vm_map).
	MapAnon(addr, n uint64, write bool) (uint64, error)
	// Unmap removes anonymous memory (vm_unmap); keep leaves the range
	// reserved and only drops its contents.
	Unmap(addr, n uint64, keep bool) error
	// NewThread starts a thread (thread_create).
	NewThread(entry, stack, fsbase, arg uint64) (uint64, error)
	// ExitThread ends the calling thread once its syscall returns
	// (thread_exit); wait is stored to 0 when it has stopped.
	ExitThread(wait uint64)
	// SetFS sets the calling thread's FS base (thread_set_fs).
	SetFS(base uint64) error
	// FutexWait and FutexWake are futex_wait and futex_wake.
	FutexWait(addr uint64, val uint32, deadline time.Time, block bool) error
	FutexWake(addr uint64, n int) (int, error)
	// Spawn starts a program of the initrd (process_spawn). Once the
	// program is loaded and nothing else can fail, it calls take, which
	// moves the handles to pass out of the caller's table (all or none),
	// and starts the process with them. It returns the new process's
	// handle, to install in the caller's table.
	Spawn(image string, args []string, take func() ([]*cap.Cap, error)) (*cap.Cap, error)
	// Info returns what system_info reports.
	Info() abi.SystemInfo
	// SetFaultEntry sets where faulting threads resume (fault_entry).
	SetFaultEntry(entry uint64) error
	// MapPhys maps n bytes of physical memory at pa, which the process
	// does not own, read-write into its address space (device_map,
	// device_dma_alloc), leaving out the pages at offsets skip (if not
	// nil) reports, and returns where and how to unmap it.
	MapPhys(pa, n uint64, uncached bool, skip func(off uint64) bool, name string) (va uint64, unmap func(), err error)
}

func (c *Caller) host() (Host, error) {
	if c.Host == nil {
		return nil, abi.ENOSYS
	}
	return c.Host, nil
}
