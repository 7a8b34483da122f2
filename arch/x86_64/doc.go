// Package x86 is clk's x86-64 architecture layer.
//
// It holds what the kernel needs from the processor and its interrupt
// controllers beyond what the runtime port (rt/) already does at boot:
// port I/O, the I/O APIC, CPU identification, the disassembler of the
// exception report, and the kernel's view of the runtime's boot record,
// interrupt delivery and memory counters.
//
// The runtime owns the CPU tables (GDT, IDT, TSS), the interrupt stubs, the
// local APIC, the other CPUs, the page tables and physical memory, because
// every GOOS=clk program needs them before its first package runs, and the
// scheduler and allocator need them where ordinary Go cannot run;
// docs/architecture.md ("Where the CPU code lives") gives the reasons and
// the rule for new code. This package reaches the runtime's work through a
// handful of functions pulled with //go:linkname (runtime_clk.go,
// user_clk.go).
//
// For ring 3 it gives the kernel typed handles: AddressSpace, a user
// address space (map, look up, protect and unmap pages), and UserContext, a
// user thread's registers, whose Run enters ring 3 and returns with the
// reason the thread came back (a syscall, an exception or an interrupt).
// TrapFrame and UserContext mirror the runtime's clkTrapFrame and
// clkUserCtx, which define the layout; mirror_test.go fails on the host when
// the two drift. Everything that needs the clk runtime carries the clk
// build constraint; the rest is plain Go and tested on the host.
//
// Interrupts: the runtime's stubs latch a vector and return. A goroutine
// that serves a device calls WaitIRQ(vector) in a loop; the scheduler wakes it
// when the vector fires. Device interrupts reach a vector through the I/O
// APIC (IOAPIC.Route). A level-triggered line (PCI INTx) would interrupt
// again as soon as the stub returned, its device still asserting it: for
// such a vector the stub masks the line first (MaskOnInterrupt), and the
// kernel unmasks it once a driver has acknowledged the device. The stub and
// the kernel share a lock around the I/O APIC's index and data registers
// (IOAPICAt).
package x86
