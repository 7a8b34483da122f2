package pci

import (
	"encoding/binary"
	"fmt"
)

// The fake configuration space below is written from the specifications,
// with their offsets and bits spelled out here rather than taken from the
// package's constants, so that a wrong offset in the package fails a test
// instead of agreeing with itself. PCI Local Bus Specification 3.0:
// figure 6-1 is the type 0 header (vendor ID at 0x00, device ID 0x02,
// command 0x04, status 0x06, revision 0x08, class code 0x09-0x0b as
// prog-if, subclass, base class; header type 0x0e with bit 7 for
// multi-function; BARs 0x10-0x24; capabilities pointer 0x34; interrupt
// line 0x3c and pin 0x3d). The PCI-to-PCI Bridge Architecture
// Specification 1.2, figure 3-1, is the type 1 header: two BARs at 0x10
// and 0x14, primary, secondary and subordinate bus numbers at 0x18, 0x19,
// 0x1a.

// fakeFunction is one function's configuration space.
type fakeFunction struct {
	space [4096]byte
	// barMask holds, for each BAR register, the bits a write changes:
	// the address bits the device implements (6.2.5.1). The rest are
	// read-only: the type bits, the address bits below the size.
	barMask [6]uint32
	bars    int // BAR registers of the header layout: 6 or 2
}

// fakeBus is the configuration space of a machine's functions, with a
// record of misuse.
type fakeBus struct {
	fns   map[Addr]*fakeFunction
	reads int
	// maxReads stops a walk that would not end: the fake panics past it.
	maxReads int
	// hot lists BAR registers written with all ones while the
	// function's command register had I/O or memory decoding on.
	hot []string
	// keepDecoding are the functions that may keep decoding on while
	// sized: host bridges and ISA bridges.
	keepDecoding map[Addr]bool
}

func newBus() *fakeBus {
	return &fakeBus{fns: map[Addr]*fakeFunction{}, maxReads: 1 << 20, keepDecoding: map[Addr]bool{}}
}

func (b *fakeBus) add(a Addr, f *fakeFunction) *fakeFunction {
	b.fns[a] = f
	return f
}

func (f *fakeFunction) put8(off int, v uint8)   { f.space[off] = v }
func (f *fakeFunction) put16(off int, v uint16) { binary.LittleEndian.PutUint16(f.space[off:], v) }
func (f *fakeFunction) put32(off int, v uint32) { binary.LittleEndian.PutUint32(f.space[off:], v) }
func (f *fakeFunction) get16(off int) uint16    { return binary.LittleEndian.Uint16(f.space[off:]) }
func (f *fakeFunction) get32(off int) uint32    { return binary.LittleEndian.Uint32(f.space[off:]) }

// device is a type 0 function: header type 0x00 at 0x0e (0x80 with the
// multi-function bit), the IDs at 0x00 and 0x02, the class code at 0x0b,
// 0x0a, 0x09, revision 0x08, and I/O and memory decoding on (command bits
// 0 and 1).
func device(vendor, dev uint16, class, subclass, progIF uint8, multi bool) *fakeFunction {
	f := &fakeFunction{bars: 6}
	f.put16(0x00, vendor)
	f.put16(0x02, dev)
	f.put16(0x04, 0x0003)
	f.put8(0x08, 0x02)
	f.put8(0x09, progIF)
	f.put8(0x0a, subclass)
	f.put8(0x0b, class)
	if multi {
		f.put8(0x0e, 0x80)
	}
	return f
}

// bridge is a type 1 function, a PCI-to-PCI bridge (class 06, subclass
// 04): header type 0x01, bus numbers at 0x18-0x1a.
func bridge(vendor, dev uint16, primary, secondary, subordinate uint8) *fakeFunction {
	f := device(vendor, dev, 0x06, 0x04, 0x00, false)
	f.bars = 2
	f.put8(0x0e, 0x01)
	f.put8(0x18, primary)
	f.put8(0x19, secondary)
	f.put8(0x1a, subordinate)
	return f
}

// ioBAR makes BAR i an I/O range of size bytes at addr (6.2.5.1: bit 0
// set, bit 1 reserved, the address from bit 2). Like many devices it
// decodes 16 bits of I/O address: the upper half is hardwired to zero.
func (f *fakeFunction) ioBAR(i int, addr, size uint32) *fakeFunction {
	f.put32(0x10+4*i, addr|0x1)
	f.barMask[i] = ^(size - 1) & 0xfffc
	return f
}

// memBAR32 makes BAR i a 32-bit memory range (type bits 2:1 = 00, bit 3
// prefetchable, the address from bit 4).
func (f *fakeFunction) memBAR32(i int, addr, size uint32, prefetchable bool) *fakeFunction {
	v := addr
	if prefetchable {
		v |= 0x8
	}
	f.put32(0x10+4*i, v)
	f.barMask[i] = ^(size - 1) &^ 0xf
	return f
}

// memBAR64 makes BARs i and i+1 a 64-bit memory range (type bits 2:1 =
// 10), the upper half of the address in the second register.
func (f *fakeFunction) memBAR64(i int, addr, size uint64, prefetchable bool) *fakeFunction {
	v := uint32(addr) | 0x4
	if prefetchable {
		v |= 0x8
	}
	f.put32(0x10+4*i, v)
	f.put32(0x10+4*i+4, uint32(addr>>32))
	mask := ^(size - 1)
	f.barMask[i] = uint32(mask) &^ 0xf
	f.barMask[i+1] = uint32(mask >> 32)
	return f
}

// interrupt sets the interrupt line (0x3c) and pin (0x3d, 1 = INTA#).
func (f *fakeFunction) interrupt(line, pin uint8) *fakeFunction {
	f.put8(0x3c, line)
	f.put8(0x3d, pin)
	return f
}

// capEntry is a capability structure to place: its ID, where, and the
// bytes after the ID and next pointer.
type capEntry struct {
	id   uint8
	at   uint8
	body []byte
}

// caps lays out a capability list (6.7): status bit 4 (0x06) says there
// is one, the pointer at 0x34 names the first entry, and each entry has
// its ID at +0 and the next pointer at +1 (0 ends the list).
func (f *fakeFunction) caps(list ...capEntry) *fakeFunction {
	f.put16(0x06, f.get16(0x06)|1<<4)
	if len(list) == 0 {
		return f
	}
	f.put8(0x34, list[0].at)
	for i, c := range list {
		next := uint8(0)
		if i+1 < len(list) {
			next = list[i+1].at
		}
		f.put8(int(c.at), c.id)
		f.put8(int(c.at)+1, next)
		copy(f.space[int(c.at)+2:], c.body)
	}
	return f
}

// msiCap is an MSI capability (6.8.1, ID 0x05) whose message control (+2)
// says it can send 1<<mmc vectors (bits 3:1), takes 64-bit addresses
// (bit 7) and masks per vector (bit 8).
func msiCap(at uint8, mmc uint16, addr64, mask bool) capEntry {
	ctl := mmc << 1
	if addr64 {
		ctl |= 1 << 7
	}
	if mask {
		ctl |= 1 << 8
	}
	return capEntry{id: 0x05, at: at, body: binary.LittleEndian.AppendUint16(nil, ctl)}
}

// msixCap is an MSI-X capability (6.8.2, ID 0x11): message control at +2
// with the table size minus one in bits 10:0; at +4 the table's offset
// with the BAR indicator in bits 2:0, at +8 the PBA's.
func msixCap(at uint8, vectors int, tableBIR uint8, tableOff uint32, pbaBIR uint8, pbaOff uint32) capEntry {
	b := binary.LittleEndian.AppendUint16(nil, uint16(vectors-1))
	b = binary.LittleEndian.AppendUint32(b, tableOff|uint32(tableBIR))
	b = binary.LittleEndian.AppendUint32(b, pbaOff|uint32(pbaBIR))
	return capEntry{id: 0x11, at: at, body: b}
}

// The bus as a Config: absent functions read as all ones.

func (b *fakeBus) Size() int      { return 4096 }
func (b *fakeBus) Method() string { return "fake" }

func (b *fakeBus) read(a Addr, off uint16, n int) uint32 {
	b.reads++
	if b.reads > b.maxReads {
		panic(fmt.Sprintf("more than %d configuration reads: a walk that does not end", b.maxReads))
	}
	f := b.fns[a]
	if f == nil || int(off)%n != 0 || int(off)+n > len(f.space) {
		return 0xffffffff >> (32 - 8*n)
	}
	var v uint32
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint32(f.space[int(off)+i])
	}
	return v
}

// write stores n bytes of v at off; in a BAR register only the mask's
// bits change.
func (b *fakeBus) write(a Addr, off uint16, n int, v uint32) {
	f := b.fns[a]
	if f == nil || int(off)%n != 0 || int(off)+n > len(f.space) {
		return
	}
	reg := int(off) &^ 3
	old := f.get32(reg)
	shift := 8 * (int(off) & 3)
	lanes := uint32(0xffffffff>>(32-8*n)) << shift
	nv := old&^lanes | v<<shift&lanes
	if i := (reg - 0x10) / 4; reg >= 0x10 && i < f.bars {
		if n == 4 && v == 0xffffffff && f.get16(0x04)&3 != 0 && !b.keepDecoding[a] {
			b.hot = append(b.hot, fmt.Sprintf("%v BAR%d", a, i))
		}
		nv = old&^f.barMask[i] | nv&f.barMask[i]
	}
	f.put32(reg, nv)
}

func (b *fakeBus) Read8(a Addr, off uint16) uint8     { return uint8(b.read(a, off, 1)) }
func (b *fakeBus) Read16(a Addr, off uint16) uint16   { return uint16(b.read(a, off, 2)) }
func (b *fakeBus) Read32(a Addr, off uint16) uint32   { return b.read(a, off, 4) }
func (b *fakeBus) Write8(a Addr, off uint16, v uint8) { b.write(a, off, 1, uint32(v)) }
func (b *fakeBus) Write16(a Addr, off uint16, v uint16) {
	b.write(a, off, 2, uint32(v))
}
func (b *fakeBus) Write32(a Addr, off uint16, v uint32) { b.write(a, off, 4, v) }

// snapshot copies every function's configuration space, to check that
// enumeration leaves it as it was.
func (b *fakeBus) snapshot() map[Addr][4096]byte {
	s := map[Addr][4096]byte{}
	for a, f := range b.fns {
		s[a] = f.space
	}
	return s
}
