// Package vtd programs an Intel VT-d DMA remapping unit so that each PCI
// function's DMA reaches only the memory the kernel mapped for it.
//
// The unit translates every DMA request by its source (bus, device,
// function) through a root table (one entry per bus) to a context table
// (one entry per device and function) to the second-level page tables of
// the function's domain. The kernel keeps them in legacy mode (root table
// address type 00):
//
//   - a function with no context entry has no domain: all of its DMA is
//     blocked and recorded as a fault;
//   - Attach gives a function a domain of its own (one domain ID per
//     function) with empty page tables: its DMA still reaches nothing;
//   - Map makes pages reachable at the same bus address as their physical
//     address (IOVA == physical address), read and write; Unmap and Detach
//     take them away and invalidate the unit's caches (context cache and
//     IOTLB, through the registers) before returning, so that the caller
//     may then reuse the memory.
//
// The page tables have four levels (48-bit addresses) when CAP.SAGAW
// offers them, else three (39 bits), and map 4 KiB pages only.
// Intermediate tables stay until the domain is detached.
//
// InScope says which functions a unit translates for, from the DMAR's
// device scope (QEMU lists each device of its root bus there).
//
// Faults the unit records (source, address, reason, read or write) are
// read and cleared by Faults; SetFaultInterrupt has the unit raise an MSI
// when it records one.
//
// What it does not do: interrupt remapping (interrupts pass through
// untranslated), queued invalidation, scalable mode, more than one PCI
// segment, and flushing the CPU's caches after a table write, which a unit
// that does not snoop them (ECAP.C clear) would need; QEMU's emulated unit
// reads guest memory directly.
//
// The hardware is behind Registers (32-bit loads and stores of the
// register set; 64-bit registers are written low half first, as the
// specification allows) and Memory (page frames the unit reads by
// physical address); the host tests use a fake of both that walks the
// tables as the unit does. Section numbers are those of Intel's
// Virtualization Technology for Directed I/O Architecture Specification.
//
// # Locking
//
// Unit.mu is held across every table change and the invalidations that
// follow it.
package vtd
