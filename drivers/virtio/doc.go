// Package virtio drives virtio 1.x devices over the modern PCI transport
// (Virtual I/O Device (VIRTIO) Version 1.2, "the specification"; section
// numbers below are its): the library the ring-3 driver processes
// (virtio-rng, virtio-blk, virtio-net) import. It is plain Go with no clk
// imports. The hardware comes through three small interfaces that the
// kernel's device handle fills: ConfigSpace (the function's PCI
// configuration space, and optionally CommandWriter for its command
// register), BARs (its BAR windows, mapped uncached) and DMA (physically
// contiguous memory and its bus addresses); the tests fill them with a
// fake device written from the specification
// (clk/drivers/virtio/virtiotest).
//
// # Initialization
//
// A driver follows 3.1.1 with these calls:
//
//	d, err := virtio.Open(cfg, bars, dma)   // 4.1.4: find the structures; reads only
//	err = d.Negotiate(supported)            // reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK
//	d.ReadConfig(func(r virtio.Registers) { ... })  // device-specific setup
//	q, err := d.SetupQueue(0, 256, 1)      // 4.1.5.1.3, on MSI-X table entry 1
//	err = d.SetConfigVector(0)              // configuration changes on entry 0
//	err = d.Ready()                         // DRIVER_OK
//
// Open walks the capability list (4.1.4) and takes, of each structure
// type, the first the device lists that lies aligned inside a BAR that
// maps. Negotiate always requires VIRTIO_F_VERSION_1 and accepts of the
// driver's supported bits only what the device offers and the package
// implements (device-type bits and VIRTIO_F_EVENT_IDX; split rings with
// direct descriptors only). On any failure the device has FAILED set and
// Negotiate, which starts with a reset, may be called again. Reset stops
// every queue; the driver then starts again from Negotiate.
//
// # Virtqueues
//
// A Queue is a split virtqueue (2.7) in one DMA allocation. Add makes a
// chain of Buffers (bus addresses and lengths: device-readable out, then
// device-writable in) available and returns its head descriptor; Notify
// tells the device, unless it suppressed notifications (2.7.10); Used
// calls back with the head and the bytes written of each chain the device
// has used. The driver keeps its own map from head to request.
//
// Nothing the device writes is trusted. The free list and each chain's
// length and writable bytes are the driver's own copies, never read back
// from DMA memory; each used entry's id, length and the used index are
// checked against them. A device that writes what no correct device
// writes makes Used fail with ErrDeviceBroken, and the queue refuses use
// until the device is reset. Capability lists that loop or leave the
// capability area, and structures outside their BAR, make Open fail with
// ErrMalformed; register windows bound every access to their structure.
//
// # Interrupts
//
// The package never waits. The kernel gives the driver an interrupt
// object per MSI-X vector it programmed (table entry i); the driver maps
// queues and configuration changes to entries with SetupQueue and
// SetConfigVector and waits on the objects itself. The interrupt object
// must latch: a Wait returns at once if an interrupt came since the
// previous one, so that no interrupt is lost between a reap and the next
// Wait. A queue's loop, with MSI-X:
//
//	for {
//		if err := irq.Wait(); err != nil {
//			return err
//		}
//		for {
//			q.DisableInterrupts()                    // optional, for busy queues
//			if _, err := q.Used(complete); err != nil {
//				return err                           // ErrDeviceBroken: reset the device
//			}
//			if !q.EnableInterrupts() {               // re-arms; true if chains came meanwhile
//				break
//			}
//		}
//	}
//
// EnableInterrupts must be called after each reap even by a driver that
// never disables them: with VIRTIO_F_EVENT_IDX it is what asks for the
// next notification (used_event), and its result closes the race of
// 2.7.14's note. Several queues may share a vector; the loop then reaps
// each of them. The configuration vector's loop rereads the configuration
// with ReadConfig and checks NeedsReset.
//
// Without MSI-X (INTx, or MSI with one vector), every event shares one
// interrupt: the driver reads ISR on each, which acknowledges it
// (4.1.4.5), reaps every queue if ISRQueue is set and rereads the
// configuration if ISRConfig is (4.1.5.5). Queues are then set up with
// NoVector.
//
// # Memory ordering
//
// The rings are ordinary write-back memory that the device reads and
// writes coherently. The 16-bit fields each side writes while the other
// reads (the rings' flags and idx, used_event, avail_event) are accessed
// as aligned 32-bit words with sync/atomic, each word written by one side
// only. On amd64 an atomic load is a plain MOV, which TSO keeps ordered
// with the loads after it; an atomic store is an XCHG, a full barrier.
// So: descriptors and ring entries are visible before the idx that
// publishes them (2.7.13.3.1); the suppression fields are read after the
// new idx is visible (2.7.13.4.1); the used index is re-read after
// used_event or the flags are visible (2.7.14); and used entries are read
// after the used idx that covers them. For the compiler, the atomics keep
// these accesses in program order. Notifications are stores to uncached
// memory, which x86 does not reorder with earlier stores. These are the
// barriers for hardware, so the package accepts VIRTIO_F_ORDER_PLATFORM.
// The package assumes a little-endian machine, as every clk machine is.
//
// A Device and its Queues are not safe for concurrent use: a driver uses
// them from one goroutine, or under one lock of its own.
package virtio
