// Virtio-blk is the driver of a virtio block device
// (drivers/virtio/blk). The kernel's device broker starts it with two
// startup handles: the device, and the channel it serves the block
// protocol on (services/block, abi/block.go), whose other end the kernel
// gives the file system service. Requests are served one at a time
// through a DMA bounce buffer of one request's size.
//
// Usage (by the kernel):
//
//	virtio-blk BUS:DEV.FN
package main
