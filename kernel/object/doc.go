// Package object holds the kernel objects that are not channels: the
// process, the memory region, the I/O port range, the IRQ line, the timer
// and the log, one file each. Channel endpoints live in kernel/ipc. Every
// object implements cap.Object and is reached by user code only through a
// handle (package cap).
//
// These objects carry the state the capability and syscall layers need
// today. The parts that drive hardware or address spaces (mapping a
// region, granting port access in the TSS bitmap, routing an IRQ) plug in
// behind them when the ring-3 process side lands; docs/abi.md says which
// syscalls reach working code.
//
// # Locking
//
// Each object's mu is a leaf, except Timer.mu, held while the timer
// updates its wait.Source (Timer.mu < wait.Source.mu). Process.Exit closes
// the handle table after releasing Process.mu.
package object
