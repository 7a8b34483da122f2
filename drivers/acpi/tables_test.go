package acpi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// The fixtures below are written from the ACPI 6.4 specification, not from
// this package's constants, so that a wrong offset or bit in the parser
// fails a test instead of agreeing with itself. Section numbers are the
// specification's.

// fakeMemory is physical memory made of tables placed at chosen addresses.
type fakeMemory map[uint64][]byte

func (m fakeMemory) read(addr uint64, n int) []byte {
	for base, b := range m {
		if addr >= base && addr-base <= uint64(len(b)) && uint64(n) <= uint64(len(b))-(addr-base) {
			return b[addr-base : addr-base+uint64(n)]
		}
	}
	return nil
}

// fixChecksum sets b[at] so that the bytes of b add up to zero, as every
// ACPI checksum requires (5.2.5.3, 5.2.6).
func fixChecksum(b []byte, at int) {
	b[at] = 0
	var s byte
	for _, c := range b {
		s += c
	}
	b[at] = -s
}

// table builds a system description table: the 36-byte header (5.2.6)
// with the signature at 0, the length at 4, revision 1 at 8 and the
// checksum at 9, followed by body.
func table(sig string, body []byte) []byte {
	b := make([]byte, 36+len(body))
	copy(b[0:4], sig)
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)))
	b[8] = 1
	copy(b[10:16], "CLKOEM")
	copy(b[36:], body)
	fixChecksum(b, 9)
	return b
}

// rsdpV1 builds an ACPI 1.0 RSDP (5.2.5.3): the signature at 0, the
// checksum of the first 20 bytes at 8, revision 0 at 15, the RSDT address
// at 16.
func rsdpV1(rsdt uint32) []byte {
	b := make([]byte, 20)
	copy(b[0:8], "RSD PTR ")
	copy(b[9:15], "CLKOEM")
	binary.LittleEndian.PutUint32(b[16:20], rsdt)
	fixChecksum(b, 8)
	return b
}

// rsdpV2 builds an ACPI 2.0 RSDP (5.2.5.3): rsdpV1's fields with revision
// 2, then the length at 20, the XSDT address at 24 and the extended
// checksum of all 36 bytes at 32.
func rsdpV2(rsdt uint32, xsdt uint64) []byte {
	b := make([]byte, 36)
	copy(b[0:8], "RSD PTR ")
	copy(b[9:15], "CLKOEM")
	b[15] = 2
	binary.LittleEndian.PutUint32(b[16:20], rsdt)
	binary.LittleEndian.PutUint32(b[20:24], 36)
	binary.LittleEndian.PutUint64(b[24:32], xsdt)
	fixChecksum(b[:20], 8)
	fixChecksum(b, 32)
	return b
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// madtBody is a MADT (5.2.12) after its header: the local APIC address and
// the flags (bit 0: PC-AT compatible 8259s present), then its entries.
func madtBody() []byte {
	b := append(le32(0xfee00000), le32(1)...)
	// Processor Local APIC (5.2.12.2): type 0, length 8, ACPI processor
	// UID, APIC ID, flags (bit 0: enabled).
	b = append(b, 0, 8, 0, 0, 1, 0, 0, 0) // UID 0, APIC 0, enabled
	b = append(b, 0, 8, 1, 1, 0, 0, 0, 0) // UID 1, APIC 1, disabled
	b = append(b, 0, 8, 7, 9, 1, 0, 0, 0) // UID 7, APIC 9, enabled
	// I/O APIC (5.2.12.3): type 1, length 12, I/O APIC ID, reserved,
	// address, global system interrupt base.
	b = append(b, 1, 12, 2, 0, 0x00, 0x00, 0xc0, 0xfe, 0x18, 0, 0, 0) // ID 2 at 0xfec00000, GSI 24
	// Interrupt Source Override (5.2.12.5): type 2, length 10, bus 0
	// (ISA), source IRQ, global system interrupt, MPS INTI flags
	// (5.2.12.5: polarity in bits 0-1, 01 high, 11 low; trigger mode in
	// bits 2-3, 01 edge, 11 level).
	b = append(b, 2, 10, 0, 0, 2, 0, 0, 0, 0x00, 0x00) // IRQ 0 -> GSI 2, bus defaults
	b = append(b, 2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0x00) // IRQ 9 -> GSI 9, level (11), active high (01)
	b = append(b, 2, 10, 0, 5, 5, 0, 0, 0, 0x07, 0x00) // IRQ 5 -> GSI 5, edge (01), active low (11)
	// An entry type this package does not read (Local APIC NMI, 5.2.12.7).
	b = append(b, 4, 6, 0xff, 0x05, 0x00, 0x01)
	return b
}

// fadtBody is the part after the header of a FADT (5.2.9) of ACPI 6.4's
// length, 276 bytes, with only the fields this package reads set: DSDT at
// offset 40, PM1a_CNT_BLK at 64, PM1b_CNT_BLK at 68, CENTURY at 108 and
// X_DSDT at 140. Offsets are from the start of the table.
func fadtBody(dsdt uint32, pm1a, pm1b uint32, xdsdt uint64) []byte {
	b := make([]byte, 276-36)
	binary.LittleEndian.PutUint32(b[40-36:], dsdt)
	binary.LittleEndian.PutUint32(b[64-36:], pm1a)
	binary.LittleEndian.PutUint32(b[68-36:], pm1b)
	b[108-36] = 0x32
	binary.LittleEndian.PutUint64(b[140-36:], xdsdt)
	return b
}

// s5AML is AML (20.2) declaring \_S4_ and \_S5_ sleep packages as
// iasl compiles Name (_S5, Package (0x04) {slpTypA, slpTypB, Zero, Zero}):
// NameOp 0x08, the name, PackageOp 0x12, PkgLength (one byte: the bytes
// from itself to the package's end), NumElements, then the elements, each
// ZeroOp 0x00, OneOp 0x01, or BytePrefix 0x0a and a byte. \_S4_ comes
// first with other values, so that a parser that took it would be caught.
func s5AML(slpTypA, slpTypB byte) []byte {
	return []byte{
		0x08, '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x06, 0x0a, 0x06, 0x00, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x09, 0x04, 0x0a, slpTypA, 0x0a, slpTypB, 0x00, 0x00,
	}
}

// machine is the memory of a machine with an ACPI 1.0 RSDP: the RSDT at
// 0x500 lists a MADT at 0x1000 and a FADT at 0x2000, whose DSDT is at
// 0x3000. S5's sleep types are 5 and 3; PM1a_CNT is port 0x604 and PM1b_CNT
// port 0x608.
func machine() (fakeMemory, []byte) {
	mem := fakeMemory{
		0x0500: table("RSDT", append(le32(0x1000), le32(0x2000)...)),
		0x1000: table("APIC", madtBody()),
		0x2000: table("FACP", fadtBody(0x3000, 0x604, 0x608, 0)),
		0x3000: table("DSDT", s5AML(5, 3)),
	}
	return mem, rsdpV1(0x0500)
}

func TestParseFindsTablesThroughTheRSDT(t *testing.T) {
	mem, rsdp := machine()
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tab.MADT()
	if err != nil {
		t.Fatal(err)
	}
	wantCPUs := []CPU{{0, 0, true}, {1, 1, false}, {7, 9, true}}
	if m.LocalAPIC != 0xfee00000 || len(m.CPUs) != len(wantCPUs) {
		t.Fatalf("MADT = %+v", m)
	}
	for i, c := range wantCPUs {
		if m.CPUs[i] != c {
			t.Errorf("CPU %d = %+v, want %+v", i, m.CPUs[i], c)
		}
	}
	if len(m.IOAPICs) != 1 || m.IOAPICs[0] != (IOAPIC{ID: 2, Addr: 0xfec00000, GSIBase: 24}) {
		t.Errorf("I/O APICs = %+v", m.IOAPICs)
	}
	if o := m.ISA(0); o.GSI != 2 || o.Level() || o.ActiveLow() {
		t.Errorf("ISA(0) = %+v, want GSI 2, edge, active high", o)
	}
	if o := m.ISA(9); o.GSI != 9 || !o.Level() || o.ActiveLow() {
		t.Errorf("ISA(9) = %+v, want level-triggered, active high", o)
	}
	if o := m.ISA(5); o.GSI != 5 || o.Level() || !o.ActiveLow() {
		t.Errorf("ISA(5) = %+v, want edge-triggered, active low", o)
	}
	if o := m.ISA(4); o.GSI != 4 || o.Flags != 0 {
		t.Errorf("ISA(4) = %+v, want identity", o)
	}
	f, err := tab.FADT()
	if err != nil {
		t.Fatal(err)
	}
	if *f != (FADT{DSDT: 0x3000, PM1aCnt: 0x604, PM1bCnt: 0x608, Century: 0x32}) {
		t.Errorf("FADT = %+v", f)
	}
	a, b, err := tab.SleepS5(f)
	if err != nil || a != 5 || b != 3 {
		t.Errorf("SleepS5 = %d, %d, %v; want 5, 3", a, b, err)
	}
}

// An ACPI 2.0 RSDP leads to the XSDT (5.2.8), whose entries are 64-bit,
// and a FADT with X_DSDT set is read through it rather than DSDT.
func TestParseFindsTablesThroughTheXSDT(t *testing.T) {
	mem := fakeMemory{
		0x0500:        table("RSDT", le32(0x9000)), // must not be used
		0x1_0000_0000: table("XSDT", append(le64(0x1_0000_1000), le64(0x1_0000_2000)...)),
		0x1_0000_1000: table("APIC", madtBody()),
		0x1_0000_2000: table("FACP", fadtBody(0x9000, 0x404, 0, 0x1_0000_3000)),
		0x1_0000_3000: table("DSDT", s5AML(7, 0)),
	}
	tab, err := Parse(rsdpV2(0x500, 0x1_0000_0000), mem.read)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.MADT(); err != nil {
		t.Fatal(err)
	}
	f, err := tab.FADT()
	if err != nil {
		t.Fatal(err)
	}
	if f.DSDT != 0x1_0000_3000 || f.PM1aCnt != 0x404 || f.PM1bCnt != 0 {
		t.Errorf("FADT = %+v, want the X_DSDT address and PM1a 0x404", f)
	}
	if a, b, err := tab.SleepS5(f); err != nil || a != 7 || b != 0 {
		t.Errorf("SleepS5 = %d, %d, %v; want 7, 0", a, b, err)
	}
}

// TestTableAddressesBeyondPhysicalMemoryAreRefused feeds root pointers
// above the 52 bits of x86-64 physical addresses, one so near the top of
// the address space that a table's end wraps to zero (found by FuzzParse).
// The parser must refuse them without reading memory there.
func TestTableAddressesBeyondPhysicalMemoryAreRefused(t *testing.T) {
	mem := fakeMemory{0x500: table("RSDT", le32(0x1000))}
	read := func(addr uint64, n int) []byte {
		if addr >= 1<<52 {
			t.Errorf("read %d bytes at %#x, beyond physical memory", n, addr)
		}
		return mem.read(addr, n)
	}
	for _, xsdt := range []uint64{0xffff_ffff_ffff_fff1, 1 << 52} {
		if _, err := Parse(rsdpV2(0x500, xsdt), read); !errors.Is(err, ErrCorrupt) {
			t.Errorf("XSDT at %#x: err = %v, want ErrCorrupt", xsdt, err)
		}
	}
}

func TestCorruptTablesAreRefused(t *testing.T) {
	mem, rsdp := machine()
	bad := append([]byte(nil), rsdp...)
	bad[10]++
	if _, err := Parse(bad, mem.read); !errors.Is(err, ErrCorrupt) {
		t.Errorf("RSDP with a bad checksum: err = %v, want ErrCorrupt", err)
	}
	mem[0x1000][40]++ // the MADT's flags: its checksum no longer holds
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.MADT(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("MADT with a bad checksum: err = %v, want ErrCorrupt", err)
	}
	if _, err := tab.Find("HPET"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing table: err = %v, want ErrNotFound", err)
	}
}

func TestMADTEntryLengthIsChecked(t *testing.T) {
	body := append(le32(0xfee00000), le32(0)...)
	body = append(body, 1, 200, 0, 0) // claims 200 bytes
	mem := fakeMemory{0x500: table("RSDT", le32(0x1000)), 0x1000: table("APIC", body)}
	tab, err := Parse(rsdpV1(0x500), mem.read)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.MADT(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
}

// PowerOff writes SLP_TYPx (bits 10-12) with SLP_EN (bit 13) to each PM1
// control register (4.8.3.2.1): 5<<10 | 1<<13 is 0x3400, 3<<10 | 1<<13 is
// 0x2c00.
func TestPowerOffWritesS5ToPM1aAndPM1b(t *testing.T) {
	mem, rsdp := machine()
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	type write struct{ port, val uint16 }
	var got []write
	if err := tab.PowerOff(func(p, v uint16) { got = append(got, write{p, v}) }); !errors.Is(err, ErrStillRunning) {
		t.Errorf("PowerOff after its writes: err = %v, want ErrStillRunning", err)
	}
	want := []write{{0x604, 0x3400}, {0x608, 0x2c00}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("PowerOff wrote %#v, want %#v", got, want)
	}
}

// SLP_TYPx is three bits wide: a \_S5 value above 7 is corrupt firmware,
// and PowerOff must not shift it into the register's other bits.
func TestSleepTypeAboveSevenIsRefused(t *testing.T) {
	for _, v := range [][2]byte{{8, 0}, {0, 8}, {0xff, 5}} {
		mem, rsdp := machine()
		mem[0x3000] = table("DSDT", s5AML(v[0], v[1]))
		tab, err := Parse(rsdp, mem.read)
		if err != nil {
			t.Fatal(err)
		}
		f, err := tab.FADT()
		if err != nil {
			t.Fatal(err)
		}
		if a, b, err := tab.SleepS5(f); !errors.Is(err, ErrCorrupt) {
			t.Errorf("\\_S5 {%d, %d}: SleepS5 = %d, %d, %v; want ErrCorrupt", v[0], v[1], a, b, err)
		}
		wrote := false
		if err := tab.PowerOff(func(p, v uint16) { wrote = true }); err == nil || wrote || errors.Is(err, ErrStillRunning) {
			t.Errorf("\\_S5 {%d, %d}: PowerOff wrote a register (%v) or returned nil (%v)", v[0], v[1], wrote, err)
		}
	}
}

// FuzzParse feeds whole tables to the parser. Each table's checksum (and
// the RSDP's) is fixed before parsing, so that a mutation reaches the code
// that reads the fields rather than stopping at the checksum. Every table
// found must lie within the input, what is parsed must agree with the
// specification's offsets in the table it came from, sleep types must fit
// their field, and what does not parse must fail with ErrCorrupt or
// ErrNotFound.
func FuzzParse(f *testing.F) {
	// The tables sit far apart, so that none can overlap the next.
	const rsdt, xsdt, apicAt, facpAt, dsdtAt = 0x500, 0x800, 1 << 24, 2 << 24, 3 << 24
	f.Add(rsdpV1(rsdt), table("APIC", madtBody()), table("FACP", fadtBody(dsdtAt, 0x604, 0x608, 0)), table("DSDT", s5AML(5, 3)))
	f.Add(rsdpV2(rsdt, xsdt), table("APIC", nil), table("FACP", fadtBody(0, 0x404, 0, dsdtAt)), table("DSDT", nil))
	f.Fuzz(func(t *testing.T, rsdp, apic, facp, dsdt []byte) {
		if len(apic) >= 1<<24 || len(facp) >= 1<<24 || len(dsdt) >= 1<<24 {
			return
		}
		rsdp, apic, facp, dsdt = fixed(rsdp, 8, 20), fixed(apic, 9, 0), fixed(facp, 9, 0), fixed(dsdt, 9, 0)
		if len(rsdp) >= 36 {
			fixChecksum(rsdp[:36], 32)
		}
		mem := fakeMemory{
			rsdt:   table("RSDT", append(le32(apicAt), le32(facpAt)...)),
			xsdt:   table("XSDT", append(le64(apicAt), le64(facpAt)...)),
			apicAt: apic,
			facpAt: facp,
			dsdtAt: dsdt,
		}
		tab, err := Parse(rsdp, mem.read)
		if err != nil {
			mustBeTyped(t, "Parse", err)
			return
		}
		if madt, err := tab.MADT(); err != nil {
			mustBeTyped(t, "MADT", err)
		} else {
			checkMADT(t, madt, found(t, mem, tab, "APIC"))
		}
		fadt, err := tab.FADT()
		if err != nil {
			mustBeTyped(t, "FADT", err)
			return
		}
		checkFADT(t, fadt, found(t, mem, tab, "FACP"))
		a, b, err := tab.SleepS5(fadt)
		if err != nil {
			mustBeTyped(t, "SleepS5", err)
		} else if a > 7 || b > 7 {
			t.Fatalf("SleepS5 = %d, %d: SLP_TYP has three bits", a, b)
		}
		err = tab.PowerOff(func(p, v uint16) {
			if uint32(p) != fadt.PM1aCnt && uint32(p) != fadt.PM1bCnt {
				t.Fatalf("PowerOff wrote port %#x, neither PM1a_CNT %#x nor PM1b_CNT %#x", p, fadt.PM1aCnt, fadt.PM1bCnt)
			}
			if v&^0x3c00 != 0 || v&0x2000 == 0 {
				t.Fatalf("PowerOff wrote %#x: want SLP_EN and SLP_TYP only", v)
			}
		})
		if err == nil {
			t.Fatal("PowerOff returned nil")
		}
	})
}

// fixed returns a copy of b with the checksum byte at fixed for its first
// n bytes (n = 0: as many as the table's length field at offset 4 says),
// when b holds them; otherwise the copy is left as it is.
func fixed(b []byte, at, n int) []byte {
	b = bytes.Clone(b)
	if n == 0 && len(b) >= 8 {
		n = int(binary.LittleEndian.Uint32(b[4:8]))
	}
	if n > at && n <= len(b) {
		fixChecksum(b[:n], at)
	}
	return b
}

func mustBeTyped(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound) {
		t.Fatalf("%s: error %v is neither ErrCorrupt nor ErrNotFound", what, err)
	}
}

// found returns the table Find gives for sig, after checking that it lies
// within one of the memory's regions and is as long as its length field.
func found(t *testing.T, mem fakeMemory, tab *Tables, sig string) []byte {
	t.Helper()
	b, err := tab.Find(sig)
	if err != nil {
		t.Fatalf("Find(%q) after a successful parse: %v", sig, err)
	}
	if len(b) < 36 || string(b[0:4]) != sig || int(binary.LittleEndian.Uint32(b[4:8])) != len(b) {
		t.Fatalf("Find(%q) = %d bytes starting %q", sig, len(b), b[:min(len(b), 8)])
	}
	for _, r := range mem {
		if bytes.Contains(r, b) {
			return b
		}
	}
	t.Fatalf("Find(%q) returned bytes from outside the memory", sig)
	return nil
}

// checkMADT checks a parsed MADT against the table it came from (5.2.12):
// the local APIC address is at offset 36, entries start at 44 and take 8
// bytes or more each, and every entry read is in the table with the
// fields at the specification's offsets.
func checkMADT(t *testing.T, m *MADT, b []byte) {
	t.Helper()
	if m.LocalAPIC != binary.LittleEndian.Uint32(b[36:40]) {
		t.Fatalf("local APIC address %#x is not the table's %x", m.LocalAPIC, b[36:40])
	}
	if entries := len(m.CPUs) + len(m.IOAPICs) + len(m.Overrides); 44+8*entries > len(b) {
		t.Fatalf("%d entries read from a %d-byte MADT", entries, len(b))
	}
	body := b[44:]
	for _, c := range m.CPUs {
		if !hasEntry(body, 0, 8, func(e []byte) bool {
			return e[2] == c.ProcessorID && e[3] == c.APICID && (e[4]&1 == 1) == c.Enabled
		}) {
			t.Fatalf("CPU %+v is in no local APIC entry of the table", c)
		}
	}
	for _, io := range m.IOAPICs {
		if !hasEntry(body, 1, 12, func(e []byte) bool {
			return e[2] == io.ID && binary.LittleEndian.Uint32(e[4:8]) == io.Addr && binary.LittleEndian.Uint32(e[8:12]) == io.GSIBase
		}) {
			t.Fatalf("I/O APIC %+v is in no I/O APIC entry of the table", io)
		}
	}
	for _, o := range m.Overrides {
		if !hasEntry(body, 2, 10, func(e []byte) bool {
			return e[3] == o.Source && binary.LittleEndian.Uint32(e[4:8]) == o.GSI && binary.LittleEndian.Uint16(e[8:10]) == o.Flags
		}) {
			t.Fatalf("override %+v is in no interrupt source override of the table", o)
		}
	}
}

// hasEntry reports whether body holds, at any offset, an entry of type typ
// whose length byte (at 1) is at least minLen and fits in body, and for
// which match is true.
func hasEntry(body []byte, typ byte, minLen int, match func(e []byte) bool) bool {
	for i := 0; i+2 <= len(body); i++ {
		n := int(body[i+1])
		if body[i] == typ && n >= minLen && i+n <= len(body) && match(body[i:i+n]) {
			return true
		}
	}
	return false
}

// checkFADT checks a parsed FADT against the specification's offsets in
// the table it came from (5.2.9): DSDT at 40, PM1a_CNT_BLK at 64,
// PM1b_CNT_BLK at 68, CENTURY at 108, and X_DSDT at 140, which wins when
// present and not zero.
func checkFADT(t *testing.T, f *FADT, b []byte) {
	t.Helper()
	want := FADT{
		DSDT:    uint64(binary.LittleEndian.Uint32(b[40:44])),
		PM1aCnt: binary.LittleEndian.Uint32(b[64:68]),
		PM1bCnt: binary.LittleEndian.Uint32(b[68:72]),
	}
	if len(b) > 108 {
		want.Century = b[108]
	}
	if len(b) >= 148 {
		if x := binary.LittleEndian.Uint64(b[140:148]); x != 0 {
			want.DSDT = x
		}
	}
	if *f != want {
		t.Fatalf("FADT = %+v, the table says %+v", *f, want)
	}
}

// FuzzParseS5 feeds AML to the \_S5 reader: it finds a sleep package only
// where the input names one, returns sleep types that fit SLP_TYP's three
// bits, and fails otherwise with ErrCorrupt or ErrNotFound.
func FuzzParseS5(f *testing.F) {
	f.Add(s5AML(5, 3))
	f.Add([]byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00})
	f.Add([]byte{0x5c, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x04, 0x01, 0x0a, 0x07})
	f.Fuzz(func(t *testing.T, aml []byte) {
		a, b, err := parseS5(aml)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrNotFound", err)
			}
			if !bytes.Contains(aml, []byte("_S5_\x12")) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("AML without a _S5_ package: error %v, want ErrNotFound", err)
			}
			return
		}
		if a > 7 || b > 7 {
			t.Fatalf("sleep types %d, %d: SLP_TYP has three bits", a, b)
		}
		if !bytes.Contains(aml, []byte("_S5_\x12")) {
			t.Fatalf("sleep types %d, %d from AML that names no _S5_ package", a, b)
		}
	})
}
