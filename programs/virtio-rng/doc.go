// Virtio-rng is the driver of a virtio entropy device (drivers/virtio/rng).
// The kernel's device broker starts it with the device's handle as its
// one startup handle; it feeds what the device gives into the kernel's
// random pool (random_add), a burst at start and a little at intervals
// after, for as long as it runs. Its console is the kernel log, where the
// kernel puts its name before each line.
//
// Usage (by the kernel):
//
//	virtio-rng BUS:DEV.FN
package main
