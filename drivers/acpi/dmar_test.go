package acpi

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// dmarBody is a DMAR (VT-d 8.1) after its header: the host address width
// less one, the flags, ten reserved bytes, then the remapping structures.
func dmarBody(width, flags byte, structs ...[]byte) []byte {
	b := append([]byte{width - 1, flags}, make([]byte, 10)...)
	for _, s := range structs {
		b = append(b, s...)
	}
	return b
}

// drhd is a DRHD (8.3): type 0, its length, flags, the register set's
// size, the segment, the register base, then the device scopes.
func drhd(flags byte, segment uint16, base uint64, scopes ...[]byte) []byte {
	n := 16
	for _, s := range scopes {
		n += len(s)
	}
	b := binary.LittleEndian.AppendUint16(nil, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	b = append(b, flags, 0)
	b = binary.LittleEndian.AppendUint16(b, segment)
	b = append(b, le64(base)...)
	for _, s := range scopes {
		b = append(b, s...)
	}
	return b
}

// scope is a device scope (8.3.1): type, length, two reserved bytes, the
// enumeration ID, the start bus, then (device, function) pairs.
func scope(typ, id, bus byte, path ...byte) []byte {
	return append([]byte{typ, byte(6 + len(path)), 0, 0, id, bus}, path...)
}

// rmrr is a reserved memory region structure (8.4, type 1) with no device
// scope: the parser must step over it.
func rmrr() []byte {
	b := binary.LittleEndian.AppendUint16(nil, 1)
	b = binary.LittleEndian.AppendUint16(b, 24)
	b = append(b, 0, 0, 0, 0)
	b = append(b, le64(0xe0000)...)
	return append(b, le64(0xeffff)...)
}

func dmarMachine(body []byte) (fakeMemory, []byte) {
	mem := fakeMemory{
		0x0500: table("RSDT", append(le32(0x1000), le32(0x4000)...)),
		0x1000: table("APIC", madtBody()),
		0x4000: table("DMAR", body),
	}
	return mem, rsdpV1(0x0500)
}

func parseDMAR(t *testing.T, body []byte) (*DMAR, error) {
	t.Helper()
	mem, rsdp := dmarMachine(body)
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	return tab.DMAR()
}

// QEMU's q35 with intel-iommu describes one unit at 0xfed90000 for all of
// segment 0, whose scope names the I/O APIC on the pseudo bus 0xff; a
// second unit that lists an endpoint and a bridge must come back too, and
// a reserved memory region between them is stepped over.
func TestDMARListsTheRemappingUnits(t *testing.T) {
	d, err := parseDMAR(t, dmarBody(39, DMARIntrRemap,
		drhd(1, 0, 0xfed9_0000, scope(ScopeIOAPIC, 0, 0xff, 0, 0)),
		rmrr(),
		drhd(0, 1, 0x1_0000_0000, scope(ScopeEndpoint, 0, 2, 3, 0), scope(ScopeBridge, 0, 0, 1, 0, 0, 2)),
	))
	if err != nil {
		t.Fatal(err)
	}
	want := &DMAR{HostAddressWidth: 39, Flags: DMARIntrRemap, Units: []RemappingUnit{
		{Base: 0xfed9_0000, Segment: 0, IncludeAll: true, Scopes: []DeviceScope{
			{Type: ScopeIOAPIC, StartBus: 0xff, Path: []PathHop{{0, 0}}},
		}},
		{Base: 0x1_0000_0000, Segment: 1, Scopes: []DeviceScope{
			{Type: ScopeEndpoint, StartBus: 2, Path: []PathHop{{3, 0}}},
			{Type: ScopeBridge, StartBus: 0, Path: []PathHop{{1, 0}, {0, 2}}},
		}},
	}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("DMAR = %+v\nwant %+v", d, want)
	}
}

func TestDMARMissingIsNotFound(t *testing.T) {
	mem, rsdp := machine()
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := tab.DMAR(); !errors.Is(err, ErrNotFound) {
		t.Errorf("DMAR on a machine without one = %+v, %v; want ErrNotFound", d, err)
	}
}

func TestDMARCorruptStructuresAreRefused(t *testing.T) {
	short := drhd(1, 0, 0xfed9_0000)
	binary.LittleEndian.PutUint16(short[2:], 12)
	long := drhd(1, 0, 0xfed9_0000)
	binary.LittleEndian.PutUint16(long[2:], 200)
	cases := map[string][]byte{
		"no width and flags":         {},
		"a partial structure header": append(dmarBody(39, 0), 0, 0),
		"a DRHD shorter than 16":     dmarBody(39, 0, short),
		"a DRHD past the table":      dmarBody(39, 0, long),
		"a zero-length structure":    dmarBody(39, 0, []byte{1, 0, 0, 0}),
		"an unaligned base":          dmarBody(39, 0, drhd(1, 0, 0xfed9_0100)),
		"a base beyond 52 bits":      dmarBody(39, 0, drhd(1, 0, 1<<52)),
		"a width beyond 52 bits":     dmarBody(60, 0, drhd(1, 0, 0xfed9_0000)),
		"a scope shorter than 6":     dmarBody(39, 0, drhd(1, 0, 0xfed9_0000, []byte{1, 4, 0, 0})),
		"a scope past the DRHD":      dmarBody(39, 0, drhd(1, 0, 0xfed9_0000, []byte{1, 10, 0, 0, 0, 0, 1, 0})),
		"a half path hop":            dmarBody(39, 0, drhd(1, 0, 0xfed9_0000, []byte{1, 7, 0, 0, 0, 0, 1})),
	}
	for name, body := range cases {
		if d, err := parseDMAR(t, body); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: DMAR = %+v, %v; want ErrCorrupt", name, d, err)
		}
	}
}

// FuzzDMAR feeds the body of a DMAR. What parses must be within the
// specification's bounds: a width of at most 52 bits, page-aligned unit
// bases below 2^52, and each scope's path as long as the bytes it came
// from allow; what does not parse fails with ErrCorrupt.
func FuzzDMAR(f *testing.F) {
	f.Add(dmarBody(39, 1, drhd(1, 0, 0xfed9_0000, scope(ScopeIOAPIC, 0, 0xff, 0, 0))))
	f.Add(dmarBody(48, 0, rmrr(), drhd(0, 1, 0x1_0000_0000, scope(ScopeEndpoint, 0, 2, 3, 0))))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<16 {
			return
		}
		d, err := parseDMAR(t, body)
		if err != nil {
			mustBeTyped(t, "DMAR", err)
			return
		}
		if d.HostAddressWidth < 1 || d.HostAddressWidth > 52 {
			t.Fatalf("host address width %d", d.HostAddressWidth)
		}
		hops := 0
		for _, u := range d.Units {
			if u.Base%4096 != 0 || u.Base >= 1<<52 {
				t.Fatalf("unit base %#x", u.Base)
			}
			for _, s := range u.Scopes {
				hops += len(s.Path)
			}
		}
		if 12+16*len(d.Units)+2*hops > len(body) {
			t.Fatalf("%d units with %d path hops from a %d-byte body", len(d.Units), hops, len(body))
		}
	})
}
