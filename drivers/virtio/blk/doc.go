// Package blk drives a virtio block device (Virtual I/O Device (VIRTIO)
// Version 1.2, 5.2): device type 2, a disk of 512-byte sectors read and
// written through one request queue.
//
// New takes a virtio.Device that virtio.Open found, negotiates the
// features the package understands (SIZE_MAX, SEG_MAX, RO, BLK_SIZE,
// FLUSH, and EVENT_IDX), reads the configuration (capacity, and the limits
// those features give), sets the queue up and makes the device live.
//
// A request (5.2.6) is a chain of a 16-byte header the device reads (type
// IN 0, OUT 1 or FLUSH 4, a reserved word, the first sector), the data
// buffers, and a status byte the device writes. ReadSectors, WriteSectors
// and Flush build one, check it against the disk first (sectors within the
// capacity, data a multiple of 512 bytes, no more segments than seg_max,
// none longer than size_max, no writes to a read-only disk) and return
// when the device has completed it, with the device's status as a typed
// error. Data buffers are the caller's DMA memory (virtio.Buffer: bus
// address and length), so that nothing is copied; headers and status
// bytes live in one page of the package's own.
//
// Many goroutines may have requests in flight at once, up to what the
// queue holds; a request that finds the queue full waits for room. The
// package does not wait on its own: Config.Wait blocks until the device's
// next interrupt, through the interrupt object the driver holds for the
// queue's MSI-X vector (for INTx, the package reads the ISR status after
// each wait to acknowledge it, 4.1.5.5). One caller at a time waits in
// Config.Wait; it reaps every completion, and the others sleep until it
// does. Wait must latch: return at once for an interrupt that came since
// its previous return.
//
// A failed Wait, or a device that breaks the queue's protocol, ends the
// disk: the device is reset, so that it touches no buffer any more, and
// every call in flight or after fails with that error. The driver starts
// again with New.
//
// Lock order: Disk.mu is held while the queue and device are used, and
// released during Config.Wait.
package blk
