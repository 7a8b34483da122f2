// Package object holds the kernel objects that are not channels: the
// process, the memory region, the I/O port range, the IRQ line, the timer
// and the log, one file each. Channel endpoints live in kernel/ipc. Every
// object implements cap.Object and is reached by user code only through a
// handle (package cap).
//
// These objects carry the state the capability and syscall layers need.
// The parts that drive hardware live elsewhere: kernel/device routes a
// device's interrupts to its IRQs and hands out its I/O port ranges; the
// syscall layer does the port accesses an IOPorts allows.
//
// # Locking
//
// Each object's mu is a leaf, except Timer.mu, held while the timer
// updates its wait.Source (Timer.mu < wait.Source.mu), and IRQ.mu, held
// the same way (IRQ.mu < wait.Source.mu). Process.Exit closes
// the handle table after releasing Process.mu.
package object
