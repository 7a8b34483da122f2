package virtio

// Feature bits, as masks of the 64-bit feature word.
//
// Device-independent bits (6, "Reserved Feature Bits"). The package
// implements split virtqueues with direct descriptors only, so of the
// bits 24 to 40, which change the queues and the transport, it accepts
// just these.
const (
	// FeatureEventIdx: used_event and avail_event suppress
	// notifications (2.7.7, 2.7.10). Accepted when the driver asks.
	FeatureEventIdx uint64 = 1 << 29
	// FeatureVersion1: the device follows the 1.x specification rather
	// than the legacy interface. Required.
	FeatureVersion1 uint64 = 1 << 32
	// FeatureAccessPlatform: the device reaches memory through the
	// platform's translation (an IOMMU). Accepted when offered, as 6.1
	// advises: the addresses DMA gives are bus addresses.
	FeatureAccessPlatform uint64 = 1 << 33
	// FeatureOrderPlatform: the device needs the platform's barriers
	// for hardware, not those for a software device. Accepted when
	// offered, as 6.1 advises: the package's barriers are the hardware
	// ones (see the package documentation).
	FeatureOrderPlatform uint64 = 1 << 36
)

// DeviceFeatures are the bits whose meaning depends on the device type:
// 0 to 23 and, of the first 64, 50 to 63 (2.2). Of the bits a driver
// passes to Negotiate, these and FeatureEventIdx count; the others are
// ignored, the package not implementing what they would turn on.
const DeviceFeatures uint64 = 1<<24 - 1 | (1<<64-1)&^(1<<50-1)

// acceptable is what Negotiate accepts of the bits a driver supports and
// the device offers, on top of what it always accepts.
func acceptable(supported, offered uint64) uint64 {
	always := FeatureVersion1 | FeatureAccessPlatform | FeatureOrderPlatform
	return offered & (supported&(DeviceFeatures|FeatureEventIdx) | always)
}
