package virtio

import "errors"

// The causes of the package's errors, for errors.Is. Every error the
// package returns wraps one of these, or an error from the ConfigSpace,
// BARs or DMA it was given, with what it was doing.
var (
	// ErrNotVirtio: the function's vendor and device IDs are not those
	// of a virtio device (4.1.2).
	ErrNotVirtio = errors.New("virtio: not a virtio device")

	// ErrLegacyOnly: the device offers only the legacy interface: no
	// virtio structure capabilities (4.1.5.1.1) or no VIRTIO_F_VERSION_1
	// (6). The package drives modern devices only.
	ErrLegacyOnly = errors.New("virtio: device offers only the legacy interface")

	// ErrMalformed: the device's configuration space or registers break
	// the specification: a capability list that loops or leaves the
	// capability area, a structure outside its BAR or misaligned, a
	// queue size that is not a power of two.
	ErrMalformed = errors.New("virtio: malformed device")

	// ErrResetTimeout: device_status did not read 0 after a reset
	// (4.1.4.3.2) within the package's bound.
	ErrResetTimeout = errors.New("virtio: device did not finish its reset")

	// ErrFeaturesRefused: the device cleared FEATURES_OK: it does not
	// support the features the driver accepted (3.1.1 step 6).
	ErrFeaturesRefused = errors.New("virtio: device refused the features")

	// ErrNoQueue: the device has no virtqueue at that index, or its size
	// reads 0 (4.1.5.1.3).
	ErrNoQueue = errors.New("virtio: no such virtqueue")

	// ErrVectorRefused: the device read back NO_VECTOR, or another
	// vector, for an MSI-X vector written to it (4.1.5.1.2).
	ErrVectorRefused = errors.New("virtio: device refused the MSI-X vector")

	// ErrState: a call out of the order of 3.1.1, such as setting up a
	// queue before negotiating features or after DRIVER_OK.
	ErrState = errors.New("virtio: call out of order")

	// ErrDMA: the DMA allocator gave memory too small or misaligned.
	ErrDMA = errors.New("virtio: unusable DMA memory")

	// ErrConfigUnstable: the configuration generation kept changing
	// while the device-specific configuration was read (2.5.1).
	ErrConfigUnstable = errors.New("virtio: device configuration kept changing")

	// ErrQueueFull: not enough free descriptors for the chain; more
	// become free as the device uses buffers.
	ErrQueueFull = errors.New("virtio: virtqueue full")

	// ErrInvalid: an argument the specification forbids: a buffer chain
	// that is empty, has a zero-length or address-wrapping buffer, more
	// than 2^32 bytes in total (2.7.5.2) or more descriptors than the
	// queue has; a queue size below 2; an MSI-X vector above 0x7ff
	// (4.1.5.1.2).
	ErrInvalid = errors.New("virtio: invalid argument")

	// ErrDeviceBroken: the device wrote something to a used ring that no
	// correct device writes: an id that is not the head of a chain in
	// flight, a length beyond the chain's device-writable bytes, an
	// index running ahead of the chains in flight. The queue refuses
	// further use until the device is reset.
	ErrDeviceBroken = errors.New("virtio: device broke the virtqueue protocol")

	// ErrStopped: the queue's device was reset or failed since the queue
	// was set up; set it up again.
	ErrStopped = errors.New("virtio: virtqueue stopped")
)
