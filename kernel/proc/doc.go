// Package proc runs clk's ring-3 processes. It is plain Go, tested on the
// host, except for one thin seam to the machine (machine.go):
//
//   - Machine makes the page tables of a new address space (NewTables)
//     and reports what system_info returns.
//   - Tables are those page tables: a Pages, which the process's Space
//     drives, that also makes the Context of each new thread.
//   - Context.Run enters ring 3 with a thread's Regs and returns when the
//     thread leaves it, with a Trap: a syscall, an interrupt, a page
//     fault at an address, or another exception by vector.
//
// machine_clk.go implements the seam over arch/x86_64 (Hardware); host
// tests implement it with MemPages and a scripted CPU whose threads
// return a sequence of traps.
//
// Over the seam: System is the process table (table.go); Process is a
// program in its own address space with its threads and its object
// (process.go); Spawn loads a program, lays out its stack and moves the
// startup handles in, all or, on an error, none (spawn.go); Kill and
// KillTree end a process or a job (kill.go); one goroutine per thread
// enters ring 3 and turns what brings it back into calls here (thread.go):
// syscalls go to kernel/syscalls' Dispatch with the thread as its
// syscalls.Host
// (host.go), page faults in a region get a zero page, a divide error or a
// touch of the nil page goes back to the program's fault entry as a Go
// panic, and any other fault kills the process with a report naming the
// fault, the address and the function (report.go).
//
// # The end of a process
//
// A process ends when it is killed, calls process_exit, or its last
// thread exits. Its object ends first (object.Process.Exit: the exit
// status is set, every handle closes, waiters on the object see
// Signaled); then Dying closes and every futex wait ends. Threads in ring
// 3 stop at their next return to the kernel, a tick at the latest. A
// thread in a syscall stops when the call returns, so every call that
// blocks must end promptly once the process is dying: it selects on
// Dying, which the thread's syscalls.Caller carries, or, in a wait.Many, also
// watches the caller's process object for Signaled, which rises at the
// same time. The last thread out frees the address space, takes the
// process out of the table and closes Done; Wait returns then.
//
// console_write watches the end when its console has WriteUntil (see
// SharedConsole); one that has only Write is assumed never to block long.
// channel_call hands Dying to kernel/ipc, whose waits for room and for
// the reply end when it closes.
//
// # Address space
//
// User code lives in [abi.UserBase, abi.UserTop). The last page below the
// canonical boundary at 1<<47 is never mapped, so that SYSRET never
// returns to a non-canonical address.
//
// A Space is a sorted list of non-overlapping regions, each with
// permissions (never both writable and executable), a kind (image, stack,
// guard, anonymous) and a name for reports. Pages are demand-zero: Reserve maps
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
// symbols for Image.Symbolize. SetupStack reserves a stack with a guard
// page below it, a region of its own without permissions (KindGuard) that
// no other mapping can take, and lays out argc, argv, envp and an empty
// auxiliary vector as the System V AMD64 ABI does for a static program. StackTrace follows the frame-pointer chain that Go code on
// amd64 maintains. Futexes are a process's futex wait queues.
//
// # Locking
//
// Process.mu guards a process's thread count, report and children, and
// System.mu the process table. Kill holds Process.mu across the object's
// Exit, which closes the handles (Process.mu < the object's and the
// handle table's locks, and what releasing an object takes); no other
// lock is taken while either is held.
//
// Space.mu guards the regions and the set of resident pages; it is held
// across every call into Pages, so a Pages implementation must not call
// back into its Space. Futexes.mu is taken before the Space's lock (Wait
// reads the futex word with the futex lock held): Futexes.mu < Space.mu <
// the Pages implementation's own locks.
package proc
