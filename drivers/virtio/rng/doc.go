// Package rng drives a virtio entropy device (Virtual I/O Device (VIRTIO)
// Version 1.2, 5.4): device type 4, one request queue into which the
// driver puts device-writable buffers that the device fills with random
// bytes.
//
// New takes a virtio.Device that virtio.Open found, negotiates (the
// device has no feature bits of its own, 5.4.3), sets the queue up and
// makes the device live. Read fills a byte slice through one page of DMA
// memory, a request at a time, taking only the bytes the device says it
// wrote (5.4.6.1), and clears the page after each copy so that no random
// bytes linger in it.
//
// The package does not wait on its own: Config.Wait blocks until the
// device's next interrupt, through the interrupt object the driver holds
// for the queue's MSI-X vector (or the device's INTx line, in which case
// the package reads the ISR status after each wait to acknowledge it,
// 4.1.5.5). A Wait that fails ends the device: the request in flight is
// abandoned, and every later Read fails.
//
// A Device is safe for concurrent use: Reads take turns.
package rng
