//go:build clk

package pci

import (
	"testing"

	x86 "clk/arch/x86_64"
)

// The test binaries boot on QEMU's -M pc: the i440FX host bridge
// (8086:1237) at 00:00.0 and the PIIX3 at 00:01, a multi-function device
// whose function 0 is the ISA bridge (8086:7000) and function 1 the IDE
// controller (8086:7010), whose bus master registers are a 16-byte I/O
// BAR, BAR4 (Intel 82371 datasheet, BMIBA).
func TestEnumerateThePCMachine(t *testing.T) {
	cfg := NewPortConfig(x86.Ports{})
	if cfg == nil {
		t.Fatal("no host bridge answers on port 0xcf8")
	}
	type want struct {
		addr           Addr
		vendor, device uint16
		class          string
		multi          bool
	}
	fns := Enumerate(cfg)
	for _, f := range fns {
		t.Logf("%v %04x:%04x %s %q", f.Addr, f.VendorID, f.DeviceID, f.ClassName(), f.Details())
	}
	for _, w := range []want{
		{Addr{0, 0, 0}, 0x8086, 0x1237, "host bridge", false},
		{Addr{0, 1, 0}, 0x8086, 0x7000, "ISA bridge", true},
		{Addr{0, 1, 1}, 0x8086, 0x7010, "IDE", false},
	} {
		var got *Function
		for i := range fns {
			if fns[i].Addr == w.addr {
				got = &fns[i]
			}
		}
		if got == nil {
			t.Errorf("no function at %v", w.addr)
			continue
		}
		if got.VendorID != w.vendor || got.DeviceID != w.device || got.ClassName() != w.class || got.MultiFunction != w.multi {
			t.Errorf("%v = %04x:%04x %s multi-function %v; want %04x:%04x %s %v", w.addr, got.VendorID, got.DeviceID, got.ClassName(), got.MultiFunction, w.vendor, w.device, w.class, w.multi)
		}
		if got.Err != nil {
			t.Errorf("%v: %v", w.addr, got.Err)
		}
		if w.addr == (Addr{0, 1, 1}) {
			var bm *BAR
			for i := range got.BARs {
				if got.BARs[i].Index == 4 {
					bm = &got.BARs[i]
				}
			}
			if bm == nil || !bm.IO || bm.Size != 16 {
				t.Errorf("IDE BAR4 = %+v, want 16 bytes of I/O", bm)
			}
		}
	}
}

// Enumeration puts back every register it sizes: the headers read the
// same before and after.
func TestEnumerateRestoresTheHeaders(t *testing.T) {
	cfg := NewPortConfig(x86.Ports{})
	if cfg == nil {
		t.Fatal("no host bridge answers on port 0xcf8")
	}
	// The functions of bus 0, found without Enumerate, which would size
	// their BARs before the first look.
	headers := func() map[Addr][16]uint32 {
		m := map[Addr][16]uint32{}
		for d := uint8(0); d < 32; d++ {
			for fn := uint8(0); fn < 8; fn++ {
				a := Addr{Device: d, Function: fn}
				if cfg.Read16(a, 0) == 0xffff {
					continue
				}
				var h [16]uint32
				for i := range h {
					h[i] = cfg.Read32(a, uint16(4*i))
				}
				m[a] = h
			}
		}
		return m
	}
	before := headers()
	if n := len(Enumerate(cfg)); n == 0 {
		t.Fatal("no functions")
	}
	after := headers()
	if len(before) == 0 || len(after) != len(before) {
		t.Fatalf("%d functions before, %d after", len(before), len(after))
	}
	for a, h := range before {
		if after[a] != h {
			t.Errorf("%v: header %x before, %x after", a, h, after[a])
		}
	}
}
