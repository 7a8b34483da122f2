// Package device is the kernel's device broker: it holds the PCI functions
// the kernel found at boot and hands a driver process one of them as a
// device object, through which, and only through which, the driver reaches
// the hardware.
//
// Through a device handle a driver may:
//
//   - read its function's configuration space, and write the command
//     register's decode, bus-master and INTx-disable bits and the bodies of
//     vendor-specific capabilities (virtio keeps its own structures there);
//   - map its memory BARs, uncached, into its address space, except the
//     pages that hold the MSI-X table and pending bits, which only the
//     kernel writes: a driver that could write the table could make the
//     device send any interrupt vector, the scheduler's and the IPIs'
//     included;
//   - allocate DMA memory: physically contiguous frames, mapped into its
//     address space, whose physical address it learns to give the device;
//   - have an MSI-X entry (or the single MSI vector) routed to a kernel
//     vector and get an IRQ object that the interrupt fires;
//   - get I/O port ranges of its I/O BARs, which the kernel accesses for
//     it (ioport_access).
//
// Nothing else: not another function's BARs or configuration, not other
// physical memory. What a DMA-capable device reaches, though, is the
// device's business: without an IOMMU it can write all of RAM, whatever
// the driver was given. With one (Broker.SetIOMMU: VT-d, drivers/vtd) a
// function reaches only the DMA memory its driver allocated, and a
// function without a driver reaches nothing. docs/devices.md spells out
// what is and is not enforced.
//
// A function is bound to one device object at a time (Broker.Bind). When
// the object's last handle goes (the driver closed it, or died), Release
// turns the function's bus mastering and interrupts off first, so that the
// device stops reaching memory, then unmaps what the driver had mapped,
// frees the DMA memory and unbinds the function, which a new driver may
// then take: a driver can be stopped and started again.
//
// The hardware is behind Machine (machine_clk.go on the machine; a fake in
// the host tests), and configuration space behind pci.Config.
//
// # Locking
//
// Broker.mu < Device.mu; Device.mu is held while configuration space is
// written and MSI-X entries programmed, never across a mapping callback
// or an IRQ's Fire.
package device
