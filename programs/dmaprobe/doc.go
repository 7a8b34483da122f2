// Dmaprobe checks that a device's DMA is confined to the memory its
// driver allocated. Bound in place of a virtio entropy device's driver
// (the shell's "driver start ADDR dmaprobe", once the device's own driver
// is stopped), it sets the device's request queue up in its own DMA
// memory, as virtio-rng does, then posts one request whose buffer is at
// physical address 0x100000, where the kernel's code is loaded, and not
// in its DMA memory. With DMA remapping on, the IOMMU blocks the device's
// write there and the kernel logs the fault. It prints what it asked for
// and what the device answered, then waits to be stopped. The device's
// answer is no verdict: QEMU's virtio devices write through a bounce
// buffer when the IOMMU refuses a mapping and complete the request even
// though the copy out of it was blocked. The verdict is the fault the
// kernel logs and, in the system test, the memory at 0x100000 read
// through QEMU's monitor before and after.
//
// On a machine without an IOMMU the device does write there: it
// overwrites kernel code, which is what the IOMMU is there to prevent.
// Run it only to check the IOMMU.
//
// Usage (by the kernel):
//
//	dmaprobe BUS:DEV.FN
package main
