// Package limit accounts for what each process uses and bounds it, so that
// no program, however hostile or buggy, can take the machine's memory or
// the kernel's tables from the rest of the system.
//
// Every process has an Account with Limits: bytes of memory (user frames,
// its page tables, the kernel memory of its threads, the data of the
// messages it has sent that still wait in a queue), threads and live child
// processes. Limits also sizes the process's handle table, which refuses
// a handle beyond it itself (abi.ENOSPACE) rather than through the
// Account. A parent sets its child's limits at spawn, never
// above its own; later a module's manifest will. Accounts nest: a charge
// counts against the process and every ancestor, so a parent cannot escape
// its limits by spreading work over children.
//
// Beside the per-process limits the kernel keeps a reserve of physical
// memory for itself (SetMachine). A charge that would dip into it fails with
// abi.ENOMEM even when the process is within its own limit; a charge over a
// process's limit fails with abi.ELIMIT. Either way the caller gets a clean
// error (or, for a page fault, the process is killed with a report naming
// the limit) and the kernel never runs out of memory on a program's
// behalf.
//
// # Locking
//
// Accounts are lock-free: usage counters are atomic, and a charge that
// fails part way up the chain of ancestors gives back what it took.
package limit
