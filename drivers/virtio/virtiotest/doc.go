// Package virtiotest is a fake virtio device for tests: a modern virtio
// PCI function (Virtual I/O Device (VIRTIO) Version 1.2, 4.1) written
// from the specification, for testing package virtio and the drivers
// built on it on the host.
//
// A Device has a PCI configuration space with the virtio structure
// capabilities (4.1.4), one memory BAR holding the common configuration,
// ISR status, device-specific configuration and notification structures,
// and a Memory from which the driver allocates its rings and buffers as
// DMA memory, each allocation at a made-up bus address. Device.Open is
// virtio.Open on it.
//
// On a notification the device reads the available ring, follows each
// descriptor chain into Memory and hands it to the test as a Request;
// Options.Handler serves it (an echo, a source of random bytes, a disk)
// and the device writes the used ring and notifies the driver, unless the
// driver suppressed it, counting MSI-X messages per vector or INTx
// interrupts. A handler may hold a request (Request.Hold) to complete it
// later, as a network device holds its receive buffers until packets
// come. With Options.Defer the test decides when requests are served and
// in what order (Take, Complete). Device.IRQ gives interrupt objects
// whose Wait blocks until an interrupt and latches, as the kernel's do,
// for drivers that wait on the device from their own goroutines.
//
// The device checks the driver: the order of the status bits and feature
// negotiation (3.1.1), the width of each register access (4.1.3.1), the
// queue setup (4.1.4.3.2), ring alignment (2.7.1), chains that loop, reuse
// a descriptor in flight, or put readable buffers after writable ones,
// notifications before DRIVER_OK. Each breach is recorded in Violations;
// a test passes only with none.
//
// It can also misbehave, as a broken or hostile device would: used
// entries with wrong ids or lengths (Tamper, PutUsed), a used index that
// jumps (SetUsedIdx), a FEATURES_OK it will not keep (RefuseFeatures),
// MSI-X mappings it refuses (RefuseVectors), a slow reset
// (SetResetDelay), a configuration generation that keeps changing
// (ChurnGeneration), DEVICE_NEEDS_RESET (Break); and its configuration
// space can be made malformed byte by byte (SetConfig8, SetConfig32).
//
// Lock order: Device.mu is a leaf except that Memory.mu is taken under
// it; Options.Handler runs with neither held. IRQ.Wait sleeps on a
// condition of Device.mu.
package virtiotest
