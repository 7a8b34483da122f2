package x86

import "testing"

// fakeIOAPIC is an I/O APIC written from the 82093AA data sheet rather
// than from the driver's constants. Two memory-mapped registers (3.0):
// IOREGSEL at offset 0x00 selects an indirect register and IOWIN at 0x10
// reads or writes it. Indirect registers (3.1): IOAPICVER at 0x01 (bits
// 16-23: the highest redirection entry; bits 0-7: version 0x11), and the
// redirection table from 0x10, entry n being two registers, the low half
// at 0x10+2n and the high half at 0x11+2n. Any other offset is an error.
type fakeIOAPIC struct {
	sel    uint32
	regs   map[uint32]uint32
	badOff []uintptr
}

func (f *fakeIOAPIC) Read32(off uintptr) uint32 {
	switch off {
	case 0x10:
		return f.regs[f.sel]
	case 0x00:
		return f.sel
	}
	f.badOff = append(f.badOff, off)
	return 0
}

func (f *fakeIOAPIC) Write32(off uintptr, v uint32) {
	switch off {
	case 0x00:
		f.sel = v
	case 0x10:
		if f.sel == 0x01 { // IOAPICVER is read-only
			return
		}
		f.regs[f.sel] = v
	default:
		f.badOff = append(f.badOff, off)
	}
}

// newFake returns an I/O APIC with lines inputs and redirection entries
// full of junk, as after firmware that left them set.
func newFake(lines uint32) *fakeIOAPIC {
	f := &fakeIOAPIC{regs: map[uint32]uint32{0x01: (lines-1)<<16 | 0x11}}
	for n := range lines {
		f.regs[0x10+2*n] = 0x0000a0ff
		f.regs[0x11+2*n] = 0xff000000
	}
	return f
}

// A redirection entry's low half (3.2.4): bits 0-7 the vector, 8-10 the
// delivery mode (000 fixed), 11 the destination mode (0 physical), 13 the
// polarity (1 active low), 15 the trigger mode (1 level), 16 the mask.
// The high half holds the destination APIC ID in bits 24-31.
func TestIOAPICStartsMaskedAndRoutes(t *testing.T) {
	f := newFake(24)
	a := NewIOAPIC(Direct{f}, 0)
	if a.Lines() != 24 {
		t.Fatalf("Lines = %d, want 24", a.Lines())
	}
	for n := uint32(0); n < 24; n++ {
		if lo, hi := f.regs[0x10+2*n], f.regs[0x11+2*n]; lo != 0x00010000 || hi != 0 {
			t.Fatalf("entry %d = %#x/%#x after NewIOAPIC, want masked (0x10000/0)", n, lo, hi)
		}
	}
	if err := a.Route(4, 52, 1, false, false); err != nil {
		t.Fatal(err)
	}
	if lo, hi := f.regs[0x18], f.regs[0x19]; lo != 0x00000034 || hi != 0x01000000 {
		t.Errorf("entry 4 = %#x/%#x, want 0x34/0x1000000: vector 52, fixed, physical, edge, active high, unmasked, APIC 1", lo, hi)
	}
	if err := a.Route(9, 53, 0, true, true); err != nil {
		t.Fatal(err)
	}
	if lo, hi := f.regs[0x22], f.regs[0x23]; lo != 0x0000a035 || hi != 0 {
		t.Errorf("entry 9 = %#x/%#x, want 0xa035/0: vector 53, level, active low, APIC 0", lo, hi)
	}
	a.Mask(4)
	if lo := f.regs[0x18]; lo != 0x00010034 {
		t.Errorf("entry 4 = %#x after Mask, want 0x10034", lo)
	}
	if lo := f.regs[0x22]; lo != 0x0000a035 {
		t.Errorf("entry 9 = %#x after Mask(4), want it unchanged", lo)
	}
	a.Mask(9)
	a.Unmask(9)
	if lo := f.regs[0x22]; lo != 0x0000a035 {
		t.Errorf("entry 9 = %#x after Mask and Unmask, want 0xa035", lo)
	}
	a.Unmask(40) // not a line of this I/O APIC: nothing to do
	if len(f.badOff) != 0 {
		t.Errorf("accessed offsets %#x, which are no I/O APIC register", f.badOff)
	}
}

// The number of lines comes from IOAPICVER; a GSI is on this I/O APIC from
// its base to base+lines-1.
func TestIOAPICRefusesBadRoutes(t *testing.T) {
	f := newFake(16)
	a := NewIOAPIC(Direct{f}, 24)
	if a.Lines() != 16 {
		t.Fatalf("Lines = %d, want 16", a.Lines())
	}
	if err := a.Route(4, 60, 0, false, false); err == nil {
		t.Error("routed a GSI below the I/O APIC's base")
	}
	if err := a.Route(40, 60, 0, false, false); err == nil {
		t.Error("routed a GSI past the I/O APIC's last line")
	}
	if err := a.Route(30, TimerVector, 0, false, false); err == nil {
		t.Error("routed onto the runtime's timer vector")
	}
	if err := a.Route(39, 60, 2, false, false); err != nil {
		t.Fatalf("routing the last line: %v", err)
	}
	if lo, hi := f.regs[0x10+2*15], f.regs[0x11+2*15]; lo != 60 || hi != 0x02000000 {
		t.Errorf("entry 15 = %#x/%#x, want 60/0x2000000", lo, hi)
	}
}
