package vtd

import "errors"

// Registers is a remapping unit's register set: single 32-bit loads and
// stores.
type Registers interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// Register offsets (10.4).
const (
	regCAP    = 0x08
	regECAP   = 0x10
	regGCMD   = 0x18
	regGSTS   = 0x1c
	regRTADDR = 0x20
	regCCMD   = 0x28
	regFSTS   = 0x34
	regFECTL  = 0x38
	regFEDATA = 0x3c
	regFEADDR = 0x40
	regFEUADR = 0x44
)

// Capability register fields (10.4.2).
const (
	capRWBF       = 1 << 4 // write buffers must be flushed after table writes
	capCM         = 1 << 7 // caching mode: not-present entries may be cached
	capSAGAWShift = 8
	capSAGAW39    = 1 << 1 // 3-level tables
	capSAGAW48    = 1 << 2 // 4-level tables
	capFROShift   = 24     // fault recording registers' offset, in 16 bytes
	capNFRShift   = 40     // their number, less one
)

// Extended capability register fields (10.4.3).
const (
	ecapIROShift = 8 // IOTLB registers' offset, in 16 bytes
)

// Global command and status bits (10.4.4, 10.4.5). gcmdKeep are the
// status bits that stand for a persistent command: each write of GCMD
// repeats them, and only them, so that it changes just the one command.
const (
	gcmdTE   = 1 << 31
	gcmdSRTP = 1 << 30
	gcmdWBF  = 1 << 27
	gcmdKeep = 0x96800000 // TE, EAFL, QIE, IRE, CFI
)

// Context command register (10.4.7).
const (
	ccmdICC    = 1 << 63
	ccmdGlobal = 1 << 61
	ccmdDevice = 3 << 61
)

// IOTLB invalidate register, at the IOTLB registers' offset plus 8
// (10.4.8.1).
const (
	iotlbIVT    = 1 << 63
	iotlbGlobal = 1 << 60
	iotlbDomain = 2 << 60
	iotlbDrainR = 1 << 49
	iotlbDrainW = 1 << 48
)

// Fault status and control (10.4.9, 10.4.10).
const (
	fstsPFO = 1 << 0
	fectlIM = 1 << 31
)

// pollLimit bounds the wait for a command the unit must finish: QEMU's
// finishes before the write returns, hardware in microseconds.
const pollLimit = 1 << 22

// ErrTimeout: the unit did not finish a command.
var ErrTimeout = errors.New("vtd: the remapping unit did not finish a command")

func read64(r Registers, off uintptr) uint64 {
	return uint64(r.Read32(off)) | uint64(r.Read32(off+4))<<32
}

// write64 writes the low half, then the high half: a command register
// acts on the write of its high half, which holds its go bit.
func write64(r Registers, off uintptr, v uint64) {
	r.Write32(off, uint32(v))
	r.Write32(off+4, uint32(v>>32))
}

// wait polls the register at off until done reports true of it.
func wait(r Registers, off uintptr, done func(uint64) bool, wide bool) error {
	for range pollLimit {
		var v uint64
		if wide {
			v = read64(r, off)
		} else {
			v = uint64(r.Read32(off))
		}
		if done(v) {
			return nil
		}
	}
	return ErrTimeout
}
