package x86

import "testing"

// fakeIOAPIC models the index/window register pair over 24 lines.
type fakeIOAPIC struct {
	sel  uint32
	regs map[uint32]uint32
}

func (f *fakeIOAPIC) Read32(off uintptr) uint32 {
	if off == iowin {
		return f.regs[f.sel]
	}
	return f.sel
}

func (f *fakeIOAPIC) Write32(off uintptr, v uint32) {
	if off == ioregsel {
		f.sel = v
		return
	}
	f.regs[f.sel] = v
}

func newFake() *fakeIOAPIC {
	return &fakeIOAPIC{regs: map[uint32]uint32{ioapicVer: 23 << 16}}
}

func TestIOAPICStartsMaskedAndRoutes(t *testing.T) {
	f := newFake()
	a := NewIOAPIC(f, 0)
	if a.Lines() != 24 {
		t.Fatalf("Lines = %d, want 24", a.Lines())
	}
	for i := uint32(0); i < 24; i++ {
		if f.regs[ioredtbl+2*i]&redirMasked == 0 {
			t.Fatalf("line %d not masked after reset", i)
		}
	}
	if err := a.Route(4, 52, 1, false, false); err != nil {
		t.Fatal(err)
	}
	if lo, hi := f.regs[ioredtbl+8], f.regs[ioredtbl+9]; lo != 52 || hi != 1<<24 {
		t.Errorf("line 4 = %#x/%#x, want vector 52 unmasked to APIC 1", lo, hi)
	}
	if err := a.Route(9, 53, 0, true, true); err != nil {
		t.Fatal(err)
	}
	if lo := f.regs[ioredtbl+18]; lo != 53|redirLow|redirLevel {
		t.Errorf("line 9 = %#x, want level, active low", lo)
	}
	a.Mask(4)
	if f.regs[ioredtbl+8]&redirMasked == 0 {
		t.Error("Mask left line 4 unmasked")
	}
}

func TestIOAPICRefusesBadRoutes(t *testing.T) {
	a := NewIOAPIC(newFake(), 24)
	if err := a.Route(4, 60, 0, false, false); err == nil {
		t.Error("routed a GSI below the I/O APIC's base")
	}
	if err := a.Route(30, TimerVector, 0, false, false); err == nil {
		t.Error("routed onto the runtime's timer vector")
	}
}
