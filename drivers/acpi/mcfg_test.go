package acpi

import (
	"encoding/binary"
	"errors"
	"testing"
)

// mcfgEntry is a Memory Mapped Enhanced Configuration Space Base Address
// Allocation Structure (PCI Firmware Specification 3.0, table 4-3): the
// 64-bit base address at 0, the PCI segment group number at 8, the start
// bus at 10, the end bus at 11, four reserved bytes at 12.
func mcfgEntry(base uint64, segment uint16, start, end byte) []byte {
	b := le64(base)
	b = binary.LittleEndian.AppendUint16(b, segment)
	return append(b, start, end, 0, 0, 0, 0)
}

// mcfgBody is an MCFG (table 4-2) after its header: eight reserved bytes,
// then the allocation structures.
func mcfgBody(entries ...[]byte) []byte {
	b := make([]byte, 8)
	for _, e := range entries {
		b = append(b, e...)
	}
	return b
}

// mcfgMachine is an ACPI 1.0 machine whose RSDT lists a MADT and an MCFG
// at 0x4000.
func mcfgMachine(body []byte) (fakeMemory, []byte) {
	mem := fakeMemory{
		0x0500: table("RSDT", append(le32(0x1000), le32(0x4000)...)),
		0x1000: table("APIC", madtBody()),
		0x4000: table("MCFG", body),
	}
	return mem, rsdpV1(0x0500)
}

// QEMU's q35 describes one region: segment 0, buses 0 to 255, at
// 0xb0000000. A second region of another segment, with buses 0x10 to 0x1f,
// must come back too, in the table's order.
func TestMCFGListsTheECAMRegions(t *testing.T) {
	mem, rsdp := mcfgMachine(mcfgBody(
		mcfgEntry(0xb000_0000, 0, 0, 0xff),
		mcfgEntry(0x8_0000_0000, 1, 0x10, 0x1f),
	))
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := tab.MCFG()
	if err != nil {
		t.Fatal(err)
	}
	want := []ECAMRegion{
		{Base: 0xb000_0000, Segment: 0, StartBus: 0, EndBus: 0xff},
		{Base: 0x8_0000_0000, Segment: 1, StartBus: 0x10, EndBus: 0x1f},
	}
	if len(rs) != len(want) {
		t.Fatalf("MCFG = %+v, want %+v", rs, want)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("region %d = %+v, want %+v", i, rs[i], want[i])
		}
	}
}

func TestMCFGMissingIsNotFound(t *testing.T) {
	mem, rsdp := machine()
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	if rs, err := tab.MCFG(); !errors.Is(err, ErrNotFound) {
		t.Errorf("MCFG on a machine without one = %+v, %v; want ErrNotFound", rs, err)
	}
}

func TestMCFGCorruptEntriesAreRefused(t *testing.T) {
	cases := map[string][]byte{
		"a partial entry":         append(mcfgBody(mcfgEntry(0xb000_0000, 0, 0, 0xff)), 1, 2, 3),
		"no reserved bytes":       {0, 0, 0, 0},
		"end bus below start":     mcfgBody(mcfgEntry(0xb000_0000, 0, 8, 7)),
		"base beyond 52 bits":     mcfgBody(mcfgEntry(1<<52, 0, 0, 0xff)),
		"region wraps 52 bits":    mcfgBody(mcfgEntry(1<<52-1<<20, 0, 0, 0xff)),
		"base not 1 MiB aligned":  mcfgBody(mcfgEntry(0xb000_1000, 0, 0, 0xff)),
		"a good and a bad region": mcfgBody(mcfgEntry(0xb000_0000, 0, 0, 0xff), mcfgEntry(0xc000_0000, 1, 3, 2)),
	}
	for name, body := range cases {
		mem, rsdp := mcfgMachine(body)
		tab, err := Parse(rsdp, mem.read)
		if err != nil {
			t.Fatal(err)
		}
		if rs, err := tab.MCFG(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: MCFG = %+v, %v; want ErrCorrupt", name, rs, err)
		}
	}
}

// FuzzMCFG feeds the body of an MCFG. Each region returned must be an
// allocation structure of the table at the specification's offsets, with
// its buses in order and its addresses within 52 bits; what does not parse
// fails with ErrCorrupt.
func FuzzMCFG(f *testing.F) {
	f.Add(mcfgBody(mcfgEntry(0xb000_0000, 0, 0, 0xff)))
	f.Add(mcfgBody(mcfgEntry(0xb000_0000, 0, 0, 0xff), mcfgEntry(0x8_0000_0000, 1, 0x10, 0x1f)))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<16 {
			return
		}
		mem, rsdp := mcfgMachine(body)
		tab, err := Parse(rsdp, mem.read)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := tab.MCFG()
		if err != nil {
			mustBeTyped(t, "MCFG", err)
			return
		}
		if 8+16*len(rs) != len(body) {
			t.Fatalf("%d regions from a %d-byte body", len(rs), len(body))
		}
		for i, r := range rs {
			e := body[8+16*i:]
			want := ECAMRegion{
				Base:     binary.LittleEndian.Uint64(e[0:8]),
				Segment:  binary.LittleEndian.Uint16(e[8:10]),
				StartBus: e[10],
				EndBus:   e[11],
			}
			if r != want {
				t.Fatalf("region %d = %+v, the table says %+v", i, r, want)
			}
			if r.EndBus < r.StartBus || r.Base+(uint64(r.EndBus)+1)<<20 > 1<<52 {
				t.Fatalf("region %d = %+v: buses out of order or beyond 52 bits", i, r)
			}
		}
	})
}
