// Package metrics is what the kernel will publish to the supervisor each
// period: a Record of Samples, one per process or module instance (CPU
// time, resident pages, heap growth, threads, handles, messages and bytes
// in and out, syscalls by number, faults, restarts, heartbeat latency and
// misses), in a compact binary encoding with one form per record, so a
// record can travel as one channel message and be fuzzed as one input.
//
// Detectors name metrics by the strings of Names (and "syscall.N");
// Lookup turns a name into a Metric that reads its value from a Sample,
// and Vector lays metrics out as a classifier's feature vector.
//
// The package imports only the standard library and holds no state.
package metrics
