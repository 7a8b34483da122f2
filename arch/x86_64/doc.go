// Package x86 is clk's x86-64 architecture layer.
//
// It holds what the kernel needs from the processor and its interrupt
// controllers beyond what the runtime port (rt/) already does at boot:
// port I/O, the I/O APIC, CPU identification, the exception report, and the
// kernel's view of the runtime's boot record, interrupt delivery and memory
// counters.
//
// The runtime owns the CPU tables (GDT, IDT, TSS), the local APIC, the page
// tables and physical memory; see rt/README.md. For ring 3 this package
// gives the kernel typed handles on the runtime's work: AddressSpace, a
// user address space (map, look up, protect and unmap pages), and
// UserContext, a user thread's registers, whose Run enters ring 3 and
// returns with the reason the thread came back (a syscall, an exception or
// an interrupt). Its interface to this
// package is a handful of functions pulled with //go:linkname in
// runtime_clk.go. Everything that needs the clk runtime carries the clk build
// constraint; the rest is plain Go and tested on the host.
//
// Interrupts: the runtime's stubs latch a vector and return. A goroutine
// that serves a device calls WaitIRQ(vector) in a loop; the scheduler wakes it
// when the vector fires. Device interrupts reach a vector through the I/O
// APIC (IOAPIC.Route).
package x86
