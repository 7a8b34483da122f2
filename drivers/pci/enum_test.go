package pci

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// pcLike is a machine like QEMU's -M pc with a bridge added: an i440FX
// host bridge, the PIIX3 as a multi-function device (ISA bridge, IDE, ACPI
// function 3, functions 2 and 4 to 7 absent), a VGA card, a PCI-to-PCI
// bridge to bus 1, and on bus 1 a device with a 64-bit BAR above 4 GiB
// and MSI-X, and a second bridge whose secondary bus points back to bus 0.
func pcLike() *fakeBus {
	b := newBus()
	b.add(Addr{0, 0, 0}, device(0x8086, 0x1237, 0x06, 0x00, 0x00, false))
	b.keepDecoding[Addr{0, 0, 0}] = true
	b.add(Addr{0, 1, 0}, device(0x8086, 0x7000, 0x06, 0x01, 0x00, true))
	b.keepDecoding[Addr{0, 1, 0}] = true
	b.add(Addr{0, 1, 1}, device(0x8086, 0x7010, 0x01, 0x01, 0x80, false).ioBAR(4, 0xc040, 16))
	b.add(Addr{0, 1, 3}, device(0x8086, 0x7113, 0x06, 0x80, 0x00, false).interrupt(9, 1))
	b.add(Addr{0, 2, 0}, device(0x1234, 0x1111, 0x03, 0x00, 0x00, false).
		memBAR32(0, 0xfd000000, 16<<20, true).memBAR32(2, 0xfebf0000, 4<<10, false))
	b.add(Addr{0, 3, 0}, bridge(0x1b36, 0x0001, 0, 1, 2).memBAR32(0, 0xfeb00000, 256, false))
	b.add(Addr{1, 0, 0}, device(0x1af4, 0x1041, 0x02, 0x00, 0x00, false).
		ioBAR(0, 0xe000, 32).
		memBAR32(1, 0xfe800000, 4<<10, false).
		memBAR64(4, 0x8_0000_0000, 16<<10, true).
		interrupt(11, 1).
		caps(msixCap(0x98, 4, 1, 0x0, 1, 0x800), capEntry{id: 0x09, at: 0x84}))
	// Not multi-function: a device that answers on every function
	// number must be listed once.
	b.add(Addr{1, 0, 1}, device(0x1af4, 0x1041, 0x02, 0x00, 0x00, false))
	b.add(Addr{1, 1, 0}, bridge(0x1b36, 0x0001, 1, 0, 0))
	return b
}

func addrs(fns []Function) []string {
	var s []string
	for _, f := range fns {
		s = append(s, f.Addr.String())
	}
	return s
}

func TestEnumerateWalksFunctionsAndBridges(t *testing.T) {
	b := pcLike()
	before := b.snapshot()
	fns := Enumerate(b)
	want := []string{"00:00.0", "00:01.0", "00:01.1", "00:01.3", "00:02.0", "00:03.0", "01:00.0", "01:01.0"}
	if got := addrs(fns); !reflect.DeepEqual(got, want) {
		t.Fatalf("functions %v, want %v", got, want)
	}
	for _, f := range fns {
		if f.Err != nil {
			t.Errorf("%v: %v", f.Addr, f.Err)
		}
	}
	if fns[0].VendorID != 0x8086 || fns[0].DeviceID != 0x1237 || fns[0].ClassName() != "host bridge" {
		t.Errorf("00:00.0 = %04x:%04x %s", fns[0].VendorID, fns[0].DeviceID, fns[0].ClassName())
	}
	isa := fns[1]
	if !isa.MultiFunction || isa.ClassName() != "ISA bridge" || isa.Revision != 0x02 {
		t.Errorf("00:01.0 = %+v, want a multi-function ISA bridge, revision 2", isa)
	}
	if ide := fns[2]; ide.ClassName() != "IDE" || ide.ProgIF != 0x80 {
		t.Errorf("00:01.1 = %s prog-if %#x", ide.ClassName(), ide.ProgIF)
	}
	if acpi := fns[3]; acpi.IRQPin != 1 || acpi.IRQLine != 9 || acpi.ClassName() != "other 0680" {
		t.Errorf("00:01.3 = pin %d line %d class %s", acpi.IRQPin, acpi.IRQLine, acpi.ClassName())
	}
	br := fns[5]
	if !br.IsBridge() || br.SecondaryBus != 1 || br.SubordinateBus != 2 {
		t.Errorf("00:03.0 = %+v, want a bridge to buses 1 to 2", br)
	}
	if len(b.hot) != 0 {
		t.Errorf("BARs sized with decoding on: %v", b.hot)
	}
	if after := b.snapshot(); !reflect.DeepEqual(before, after) {
		for a := range before {
			if before[a] != after[a] {
				t.Errorf("%v: configuration space changed by enumeration", a)
			}
		}
	}
}

func TestBARsAreDecodedAndSized(t *testing.T) {
	fns := Enumerate(pcLike())
	cases := map[string][]BAR{
		"00:01.1": {{Index: 4, IO: true, Addr: 0xc040, Size: 16}},
		"00:02.0": {
			{Index: 0, Prefetchable: true, Addr: 0xfd000000, Size: 16 << 20},
			{Index: 2, Addr: 0xfebf0000, Size: 4 << 10},
		},
		// A bridge has two BARs: its bus numbers at 0x18 are not a
		// third.
		"00:03.0": {{Index: 0, Addr: 0xfeb00000, Size: 256}},
		"01:00.0": {
			{Index: 0, IO: true, Addr: 0xe000, Size: 32},
			{Index: 1, Addr: 0xfe800000, Size: 4 << 10},
			{Index: 4, Is64: true, Prefetchable: true, Addr: 0x8_0000_0000, Size: 16 << 10},
		},
	}
	for _, f := range fns {
		want, ok := cases[f.Addr.String()]
		if !ok {
			if len(f.BARs) != 0 {
				t.Errorf("%v: BARs %+v, want none", f.Addr, f.BARs)
			}
			continue
		}
		if !reflect.DeepEqual(f.BARs, want) {
			t.Errorf("%v: BARs %+v, want %+v", f.Addr, f.BARs, want)
		}
	}
}

func TestBARSizingCases(t *testing.T) {
	a := Addr{0, 4, 0}
	cases := []struct {
		name string
		fn   *fakeFunction
		want []BAR
		bad  bool
	}{
		{"a 64-bit BAR of 8 GiB, the low register's address bits all fixed",
			device(1, 2, 0x03, 0x00, 0, false).memBAR64(0, 0x40_0000_0000, 8<<30, true),
			[]BAR{{Index: 0, Is64: true, Prefetchable: true, Addr: 0x40_0000_0000, Size: 8 << 30}}, false},
		{"a 64-bit BAR below 4 GiB, in registers 2 and 3",
			device(1, 2, 0x02, 0x00, 0, false).memBAR64(2, 0xc000_0000, 1<<20, false),
			[]BAR{{Index: 2, Is64: true, Addr: 0xc000_0000, Size: 1 << 20}}, false},
		{"an I/O BAR of 4 bytes at 0x3f8",
			device(1, 2, 0x07, 0x00, 0, false).ioBAR(5, 0x3f8, 4),
			[]BAR{{Index: 5, IO: true, Addr: 0x3f8, Size: 4}}, false},
		{"a 64-bit BAR in the last register",
			lastIs64(device(1, 2, 0x02, 0x00, 0, false).memBAR32(0, 0xfe000000, 4096, false)),
			[]BAR{{Index: 0, Addr: 0xfe000000, Size: 4096}}, true},
	}
	for _, c := range cases {
		b := newBus()
		b.add(a, c.fn)
		fns := Enumerate(b)
		if len(fns) != 1 {
			t.Fatalf("%s: %d functions", c.name, len(fns))
		}
		if !reflect.DeepEqual(fns[0].BARs, c.want) {
			t.Errorf("%s: BARs %+v, want %+v", c.name, fns[0].BARs, c.want)
		}
		if got := errors.Is(fns[0].Err, ErrMalformed); got != c.bad {
			t.Errorf("%s: error %v, want malformed: %v", c.name, fns[0].Err, c.bad)
		}
	}
}

// lastIs64 makes register 5 claim a 64-bit BAR (type bits 2:1 = 10),
// whose upper half would be past the last register.
func lastIs64(f *fakeFunction) *fakeFunction {
	f.put32(0x24, 0x4)
	f.barMask[5] = 0xfffff000
	return f
}

func TestReservedBARTypeIsMalformed(t *testing.T) {
	b := newBus()
	f := b.add(Addr{0, 5, 0}, device(1, 2, 0x02, 0x00, 0, false))
	f.put32(0x10, 0x6) // type bits 2:1 = 11, reserved
	f.barMask[0] = 0xfffff000
	fns := Enumerate(b)
	if !errors.Is(fns[0].Err, ErrMalformed) || len(fns[0].BARs) != 0 {
		t.Errorf("BARs %+v, error %v; want none and ErrMalformed", fns[0].BARs, fns[0].Err)
	}
}

// A host bridge and an ISA bridge keep decoding while their BARs are
// sized; every other function has I/O and memory decoding off until its
// BARs are back.
func TestBridgesKeepDecoding(t *testing.T) {
	b := newBus()
	b.add(Addr{0, 0, 0}, device(0x8086, 0x29c0, 0x06, 0x00, 0, false).memBAR32(0, 0xfed1c000, 16<<10, false))
	b.add(Addr{0, 1, 0}, device(0x1234, 0x1111, 0x03, 0x00, 0, false).memBAR32(0, 0xfd000000, 16<<20, true))
	b.add(Addr{0, 0x1f, 0}, device(0x8086, 0x2918, 0x06, 0x01, 0, false).ioBAR(4, 0x0600, 128))
	b.keepDecoding[Addr{0, 0, 0}] = true
	b.keepDecoding[Addr{0, 0x1f, 0}] = true
	var cmdWrites []string
	spy := &commandSpy{fakeBus: b, writes: &cmdWrites}
	Enumerate(spy)
	want := []string{"00:01.0 0000", "00:01.0 0003"}
	if !reflect.DeepEqual(cmdWrites, want) {
		t.Errorf("command register writes %v, want %v", cmdWrites, want)
	}
	if len(b.hot) != 0 {
		t.Errorf("sized with decoding on: %v", b.hot)
	}
}

type commandSpy struct {
	*fakeBus
	writes *[]string
}

func (s *commandSpy) Write16(a Addr, off uint16, v uint16) {
	if off == 0x04 {
		*s.writes = append(*s.writes, a.String()+" "+strings.ToLower(hex16(v)))
	}
	s.fakeBus.Write16(a, off, v)
}

func hex16(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// Each bus is scanned once: a bridge whose secondary bus is one already
// scanned (bus 0 here, or a second bridge to bus 1) does not make the walk
// go round.
func TestBridgeLoopsAreScannedOnce(t *testing.T) {
	b := newBus()
	b.add(Addr{0, 0, 0}, device(0x8086, 0x1237, 0x06, 0x00, 0, false))
	b.add(Addr{0, 1, 0}, bridge(0x1b36, 1, 0, 1, 1))
	b.add(Addr{0, 2, 0}, bridge(0x1b36, 1, 0, 1, 1))
	b.add(Addr{1, 0, 0}, bridge(0x1b36, 1, 1, 2, 2))
	b.add(Addr{2, 0, 0}, bridge(0x1b36, 1, 2, 1, 1))
	b.add(Addr{2, 3, 0}, device(0x1af4, 0x1044, 0x00, 0xff, 0, false))
	want := []string{"00:00.0", "00:01.0", "00:02.0", "01:00.0", "02:00.0", "02:03.0"}
	if got := addrs(Enumerate(b)); !reflect.DeepEqual(got, want) {
		t.Errorf("functions %v, want %v", got, want)
	}
}

func TestCapabilitiesAreDecoded(t *testing.T) {
	b := newBus()
	a := Addr{0, 3, 0}
	b.add(a, device(0x1af4, 0x1041, 0x02, 0x00, 0, false).
		memBAR32(1, 0xfebd1000, 4096, false).
		memBAR64(4, 0xfe000000, 16<<10, true).
		caps(
			capEntry{id: 0x01, at: 0x40, body: []byte{0x03, 0x00}},
			msiCap(0x50, 3, true, true),
			msixCap(0x70, 3, 1, 0x0, 1, 0x800),
			capEntry{id: 0x09, at: 0x84},
		))
	f := Enumerate(b)[0]
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	wantCaps := []Capability{{0x01, 0x40}, {0x05, 0x50}, {0x11, 0x70}, {0x09, 0x84}}
	if !reflect.DeepEqual(f.Capabilities, wantCaps) {
		t.Errorf("capabilities %+v, want %+v", f.Capabilities, wantCaps)
	}
	if want := (MSI{Offset: 0x50, Vectors: 8, Addr64: true, PerVectorMask: true}); f.MSI == nil || *f.MSI != want {
		t.Errorf("MSI %+v, want %+v", f.MSI, want)
	}
	if want := (MSIX{Offset: 0x70, TableSize: 3, TableBIR: 1, TableOffset: 0, PBABIR: 1, PBAOffset: 0x800}); f.MSIX == nil || *f.MSIX != want {
		t.Errorf("MSI-X %+v, want %+v", f.MSIX, want)
	}
	details := strings.Join(f.Details(), "\n")
	for _, want := range []string{
		"BAR1 memory 32-bit at 0xfebd1000, 4 KiB",
		"BAR4 memory 64-bit prefetchable at 0xfe000000, 16 KiB",
		"MSI: 8 vectors, 64-bit, per-vector mask",
		"MSI-X: 3 vectors, table BAR1+0x0, PBA BAR1+0x800",
		"capabilities: 0x01@0x40 0x05@0x50 0x11@0x70 0x09@0x84",
	} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
}

// Malformed capability lists end with ErrMalformed and what was read
// before the fault; none hangs or reads outside the capability area.
func TestMalformedCapabilityLists(t *testing.T) {
	cases := []struct {
		name  string
		setup func(f *fakeFunction)
		want  []Capability
		bad   bool
	}{
		{"a loop of two", func(f *fakeFunction) {
			f.caps(capEntry{id: 0x01, at: 0x40}, capEntry{id: 0x09, at: 0x48})
			f.put8(0x49, 0x40) // 0x48's next points back at 0x40
		}, []Capability{{0x01, 0x40}, {0x09, 0x48}}, true},
		{"an entry pointing at itself", func(f *fakeFunction) {
			f.caps(capEntry{id: 0x09, at: 0xfc})
			f.put8(0xfd, 0xfc)
		}, []Capability{{0x09, 0xfc}}, true},
		{"a pointer into the header", func(f *fakeFunction) {
			f.caps(capEntry{id: 0x01, at: 0x40})
			f.put8(0x41, 0x10)
		}, []Capability{{0x01, 0x40}}, true},
		{"a first pointer into the header", func(f *fakeFunction) {
			f.caps()
			f.put8(0x34, 0x3c)
		}, nil, true},
		// The bottom two bits of a pointer are reserved and must be
		// masked off (6.7).
		{"pointers with the reserved low bits set", func(f *fakeFunction) {
			f.caps(capEntry{id: 0x01, at: 0x40}, capEntry{id: 0x09, at: 0x60})
			f.put8(0x34, 0x43)
			f.put8(0x41, 0x62)
		}, []Capability{{0x01, 0x40}, {0x09, 0x60}}, false},
		{"a pointer without the status bit", func(f *fakeFunction) {
			f.put8(0x34, 0x40)
			f.put8(0x40, 0x05)
		}, nil, false},
		{"an MSI capability that runs past 256 bytes", func(f *fakeFunction) {
			f.caps(msiCap(0xf0, 0, true, true)) // 24 bytes from 0xf0
		}, []Capability{{0x05, 0xf0}}, true},
		{"an MSI capability with a reserved vector count", func(f *fakeFunction) {
			f.caps(msiCap(0x50, 6, false, false))
		}, []Capability{{0x05, 0x50}}, true},
		{"an MSI-X capability that runs past 256 bytes", func(f *fakeFunction) {
			f.caps(msixCap(0xf8, 1, 0, 0, 0, 0x800)) // 12 bytes from 0xf8
		}, []Capability{{0x11, 0xf8}}, true},
		{"an MSI-X table behind a reserved BAR indicator", func(f *fakeFunction) {
			f.caps(msixCap(0x70, 1, 7, 0, 0, 0x800))
		}, []Capability{{0x11, 0x70}}, true},
		{"an MSI-X table larger than its BAR", func(f *fakeFunction) {
			f.caps(msixCap(0x70, 2048, 0, 0, 0, 0x800)) // 32 KiB of table in 4 KiB
		}, []Capability{{0x11, 0x70}}, true},
	}
	for _, c := range cases {
		b := newBus()
		b.maxReads = 10000
		f := b.add(Addr{0, 7, 0}, device(0x1af4, 0x1041, 0x02, 0x00, 0, false).memBAR32(0, 0xfebd0000, 4096, false))
		c.setup(f)
		fn := Enumerate(b)[0]
		if !reflect.DeepEqual(fn.Capabilities, c.want) {
			t.Errorf("%s: capabilities %+v, want %+v", c.name, fn.Capabilities, c.want)
		}
		if got := errors.Is(fn.Err, ErrMalformed); got != c.bad {
			t.Errorf("%s: error %v, want malformed: %v", c.name, fn.Err, c.bad)
		}
		if c.bad && !strings.Contains(strings.Join(fn.Details(), "\n"), "malformed: ") {
			t.Errorf("%s: details do not say what is malformed: %q", c.name, fn.Details())
		}
	}
}

func TestClassNames(t *testing.T) {
	// Base class, subclass (PCI Code and ID Assignment Specification).
	cases := map[[2]uint8]string{
		{0x06, 0x00}: "host bridge",
		{0x06, 0x01}: "ISA bridge",
		{0x01, 0x01}: "IDE",
		{0x01, 0x06}: "SATA",
		{0x02, 0x00}: "Ethernet",
		{0x03, 0x00}: "VGA",
		{0x01, 0x00}: "SCSI/virtio block",
		{0x00, 0xff}: "other 00ff",
		{0x06, 0x80}: "other 0680",
	}
	for c, want := range cases {
		if got := ClassName(c[0], c[1]); got != want {
			t.Errorf("ClassName(%#02x, %#02x) = %q, want %q", c[0], c[1], got, want)
		}
	}
}
