// Package metrics is the kernel's metrics object: a handle whose holder
// reads, with metrics_read, one record at a time of what every running
// process did since its previous read, in aisup/metrics' encoding (the
// CLKS record of docs/supervisor.md).
//
// The counters themselves live where they are counted (object.Counters:
// the syscall path adds one to a process's count of that call number,
// the channel calls count messages and bytes, the trap loop adds the time
// a thread ran in ring 3), each an atomic add. Nothing else is done while
// nobody reads: a read walks the processes once, subtracts what the same
// object saw at its previous read, and forgets the processes that have
// ended. Two objects keep separate baselines, so two readers do not steal
// each other's periods.
//
// # Locking
//
// Object.mu serializes reads of one object; the Source is called with it
// held and must not call back into the object.
package metrics
