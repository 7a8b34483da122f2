// Probe tests the isolation of ring-3 processes: each subcommand prints
// what it is about to do, then does something the kernel must not allow,
// for which it must kill the process. A line printed after the act means
// isolation failed; the probe then exits with status 1.
//
// Usage:
//
//	probe readkernel    read a byte of the kernel image at 0x100000
//	probe writekernel   write a byte there
//	probe jumpkernel    call the kernel image at 0x100000
//	probe cli           disable interrupts (CLI)
//	probe hlt           halt the CPU (HLT)
//	probe wrmsr         write a model-specific register (WRMSR)
//	probe nil           dereference a nil pointer
//	probe divzero       divide by zero with DIV
//	probe writeother    write to another process's variable
//	probe g0guard       write just below the stack of a thread other than
//	                    the first (its guard page)
//
// writeother spawns "probe child" with a channel. The child sends the
// address of a live heap variable holding a magic value and waits; the
// parent writes to that address, which it does not own, in its own
// address space, and must be killed for it. The child then sees its peer
// gone, checks its variable and prints "child: intact" (or "child:
// CORRUPTED"), which shows that the parent's write did not reach it.
package main
