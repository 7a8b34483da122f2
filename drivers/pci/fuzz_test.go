package pci

import (
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzCapabilities enumerates a bus holding one function whose first 256
// bytes of configuration space, and the writable bits of its BAR
// registers, are the fuzzer's. Enumeration must end (the fake panics past
// a bound of reads) without a panic, find that one function, leave its
// configuration space as it was, and report only what lies within it:
// capabilities inside the capability area at the offsets the list names,
// MSI and MSI-X structures that end by byte 256, BARs within the header's
// registers with power-of-two sizes. Errors must wrap ErrMalformed.
func FuzzCapabilities(f *testing.F) {
	for _, fn := range pcLike().fns {
		f.Add(fn.space[:256], masks(fn.barMask))
	}
	loop := device(0x1af4, 0x1041, 0x02, 0x00, 0, false).caps(msiCap(0x40, 5, true, true), msixCap(0x60, 8, 0, 0, 0, 0x100))
	loop.put8(0x61, 0x40)
	f.Add(loop.space[:256], masks([6]uint32{0xfffff000}))
	f.Fuzz(func(t *testing.T, space, barMasks []byte) {
		fn := &fakeFunction{}
		copy(fn.space[:256], space)
		if fn.get16(0x00) == 0xffff {
			fn.put16(0x00, 0x1af4)
		}
		for i := range fn.barMask {
			if len(barMasks) >= 4*(i+1) {
				fn.barMask[i] = binary.LittleEndian.Uint32(barMasks[4*i:])
			}
		}
		layout := fn.space[0x0e] & 0x7f
		fn.bars = map[uint8]int{0: 6, 1: 2, 2: 1}[layout]
		b := newBus()
		b.maxReads = 100000
		a := Addr{0, 0, 0}
		b.add(a, fn)
		b.keepDecoding[a] = fn.space[0x0b] == 0x06 && (fn.space[0x0a] == 0x00 || fn.space[0x0a] == 0x01)
		before := fn.space

		fns := Enumerate(b)
		if len(fns) != 1 || fns[0].Addr != a {
			t.Fatalf("found %d functions, want the one at %v", len(fns), a)
		}
		if fn.space != before {
			t.Fatal("enumeration left the configuration space changed")
		}
		if len(b.hot) != 0 {
			t.Fatalf("BARs sized with decoding on: %v", b.hot)
		}
		got := fns[0]
		if got.Err != nil && !errors.Is(got.Err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", got.Err)
		}
		var seen [256]bool
		for _, c := range got.Capabilities {
			if c.Offset < 0x40 || c.Offset%4 != 0 || seen[c.Offset] {
				t.Fatalf("capability %+v outside the capability area, unaligned or repeated", c)
			}
			seen[c.Offset] = true
			if c.ID != fn.space[c.Offset] {
				t.Fatalf("capability %+v: the space has ID %#x there", c, fn.space[c.Offset])
			}
		}
		if m := got.MSI; m != nil {
			n := 10
			if m.Addr64 {
				n += 4
			}
			if m.PerVectorMask {
				n += 10
			}
			if !seen[m.Offset] || fn.space[m.Offset] != 0x05 || int(m.Offset)+n > 256 {
				t.Fatalf("MSI %+v is not a whole MSI capability of the list", m)
			}
			if m.Vectors < 1 || m.Vectors > 32 || m.Vectors&(m.Vectors-1) != 0 {
				t.Fatalf("MSI %+v: vectors not a power of two up to 32", m)
			}
		}
		if m := got.MSIX; m != nil {
			if !seen[m.Offset] || fn.space[m.Offset] != 0x11 || int(m.Offset)+12 > 256 {
				t.Fatalf("MSI-X %+v is not a whole MSI-X capability of the list", m)
			}
			if m.TableBIR > 5 || m.PBABIR > 5 || m.TableSize < 1 || m.TableSize > 2048 {
				t.Fatalf("MSI-X %+v: BAR indicator or table size out of range", m)
			}
		}
		last := -1
		for _, bar := range got.BARs {
			regs := 1
			if bar.Is64 {
				regs = 2
			}
			if bar.Index <= last || bar.Index+regs > fn.bars {
				t.Fatalf("BAR %+v outside the %d registers of layout %d, or out of order", bar, fn.bars, layout)
			}
			last = bar.Index + regs - 1
			if bar.Size == 0 || bar.Size&(bar.Size-1) != 0 {
				t.Fatalf("BAR %+v: size not a power of two", bar)
			}
			if bar.IO && (bar.Is64 || bar.Prefetchable || bar.Size > 1<<31) {
				t.Fatalf("I/O BAR %+v with memory attributes or a size beyond 32 bits", bar)
			}
		}
		got.Details()
	})
}

func masks(m [6]uint32) []byte {
	var b []byte
	for _, v := range m {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}
