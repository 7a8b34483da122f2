package pci

import "fmt"

// BAR is a base address register as decoded and sized (PCI Local Bus
// Specification 3.0, 6.2.5.1). A 64-bit memory BAR takes two registers
// and is one BAR, at the index of the lower.
type BAR struct {
	Index        int  // register number, 0 to 5
	IO           bool // an I/O range; otherwise memory
	Is64         bool // memory decoded anywhere in 64 bits (two registers)
	Prefetchable bool // memory without read side effects
	Addr         uint64
	Size         uint64
}

// String describes the BAR as lspci -v shows it.
func (b BAR) String() string {
	if b.IO {
		return fmt.Sprintf("BAR%d I/O at %#x, %s", b.Index, b.Addr, sizeString(b.Size))
	}
	kind := "32-bit"
	if b.Is64 {
		kind = "64-bit"
	}
	if b.Prefetchable {
		kind += " prefetchable"
	}
	return fmt.Sprintf("BAR%d memory %s at %#x, %s", b.Index, kind, b.Addr, sizeString(b.Size))
}

// sizeString gives a power-of-two size in the largest unit that divides
// it.
func sizeString(n uint64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// BAR register bits (6.2.5.1): bit 0 says I/O; a memory BAR's bits 1-2
// are its type and bit 3 says prefetchable; the address takes the bits
// above bit 1 (I/O) or bit 3 (memory).
const (
	barIO           = 1 << 0
	barTypeMask     = 3 << 1
	barType32       = 0 << 1
	barType64       = 2 << 1
	barPrefetchable = 1 << 3
	barIOAddrMask   = ^uint32(3)
	barMemAddrMask  = ^uint32(0xf)
)

// barCount is the number of BARs of each header layout: six in a type 0
// header, two in a bridge's, one in a CardBus bridge's.
func barCount(layout uint8) int {
	switch layout {
	case headerNormal:
		return 6
	case headerBridge:
		return 2
	case headerCardBus:
		return 1
	}
	return 0
}

// sizeBARs decodes and sizes the n BARs of function a: it writes all ones
// to each register and reads back which address bits the device
// implements; the lowest such bit is the size. Decoding is off meanwhile,
// unless keepDecode, and the registers and the command register are
// restored. Unimplemented BARs (no writable address bit) are left out.
func sizeBARs(cfg Config, a Addr, n int, keepDecode bool) ([]BAR, error) {
	cmd := cfg.Read16(a, regCommand)
	if !keepDecode && cmd&(cmdIO|cmdMemory) != 0 {
		cfg.Write16(a, regCommand, cmd&^(cmdIO|cmdMemory))
		defer cfg.Write16(a, regCommand, cmd)
	}
	var bars []BAR
	for i := 0; i < n; i++ {
		off := uint16(regBAR0 + 4*i)
		orig, probe := sizeRegister(cfg, a, off)
		if orig&barIO != 0 {
			mask := probe & barIOAddrMask
			if mask == 0 {
				continue
			}
			bars = append(bars, BAR{Index: i, IO: true, Addr: uint64(orig & barIOAddrMask), Size: uint64(mask & -mask)})
			continue
		}
		b := BAR{Index: i, Prefetchable: orig&barPrefetchable != 0, Addr: uint64(orig & barMemAddrMask)}
		mask := uint64(probe & barMemAddrMask)
		switch orig & barTypeMask {
		case barType32:
		case barType64:
			if i == n-1 {
				return bars, fmt.Errorf("%v: BAR%d is 64-bit but the last register: %w", a, i, ErrMalformed)
			}
			i++
			hiOrig, hiProbe := sizeRegister(cfg, a, off+4)
			b.Is64 = true
			b.Addr |= uint64(hiOrig) << 32
			mask |= uint64(hiProbe) << 32
		default:
			return bars, fmt.Errorf("%v: BAR%d has the reserved memory type %d: %w", a, i, orig&barTypeMask>>1, ErrMalformed)
		}
		if mask == 0 {
			continue
		}
		b.Size = mask & -mask
		bars = append(bars, b)
	}
	return bars, nil
}

// sizeRegister writes all ones to the register at off and returns what it
// held and what it read back after, having put the old value back.
func sizeRegister(cfg Config, a Addr, off uint16) (orig, probe uint32) {
	orig = cfg.Read32(a, off)
	cfg.Write32(a, off, 0xffffffff)
	probe = cfg.Read32(a, off)
	cfg.Write32(a, off, orig)
	return orig, probe
}
