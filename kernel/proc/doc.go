// Package proc runs clk's ring-3 processes. Most of it is machine
// independent, plain Go tested on the host: the address space of a
// process, the loader of its ELF image, its initial stack, its futexes and
// the walk of its stack for crash reports. The files built for clk
// (process_clk.go) hold the rest: System, the process table and
// process_spawn; Process, a program in its own address space over
// arch/x86_64's page tables (hwPages implements Pages); and one goroutine
// per thread that enters ring 3 and turns what brings it back into calls
// here: syscalls go to kernel/syscalls' Dispatch with the thread as its
// syscalls.Host, page faults in a region get a zero page, a divide error or a
// touch of the nil page goes back to the program's fault entry as a Go
// panic, and any other fault kills the process with a report.
//
// # Address space
//
// User code lives in [UserBase, UserTop). The last page below the
// canonical boundary at 1<<47 is never mapped, so that SYSRET never
// returns to a non-canonical address.
//
// A Space is a sorted list of non-overlapping regions, each with
// permissions (never both writable and executable), a kind (image, stack,
// anonymous) and a name for reports. Pages are demand-zero: Reserve maps
// nothing, and the first touch of a page (Fault, or a copy by the kernel)
// maps a zeroed frame. Discard drops a region's pages but keeps the region,
// so that the next touch gives zero pages again; Release removes the
// region as well; Protect changes permissions. Space implements
// syscalls.AddressSpace: a copy checks its whole range against the regions
// before it touches a page, and fails with an error wrapping
// abi.EFAULT. MemPages is a Pages in Go memory for host tests, here and
// in the packages above.
//
// # Images and stacks
//
// LoadELF loads a static little-endian x86-64 executable linked inside the
// user range, one image region per PT_LOAD segment, and keeps its function
// symbols for Image.Symbolize. SetupStack reserves a stack with an
// unreserved guard page below it and lays out argc, argv, envp and an
// empty auxiliary vector as the System V AMD64 ABI does for a static
// program. StackTrace follows the frame-pointer chain that Go code on
// amd64 maintains. Futexes are a process's futex wait queues.
//
// # Locking
//
// Process.mu guards a process's thread count, report and children, and
// System.mu the process table; no other lock is taken while either is
// held.
//
// Space.mu guards the regions and the set of resident pages; it is held
// across every call into Pages, so a Pages implementation must not call
// back into its Space. Futexes.mu is taken before the Space's lock (Wait
// reads the futex word with the futex lock held): Futexes.mu < Space.mu <
// the Pages implementation's own locks.
package proc
