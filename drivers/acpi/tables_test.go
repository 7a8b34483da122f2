package acpi

import (
	"encoding/binary"
	"errors"
	"testing"
)

// fakeMemory is physical memory made of tables placed at chosen addresses.
type fakeMemory map[uint64][]byte

func (m fakeMemory) read(addr uint64, n int) []byte {
	for base, b := range m {
		if addr >= base && addr+uint64(n) <= base+uint64(len(b)) {
			return b[addr-base : addr-base+uint64(n)]
		}
	}
	return nil
}

func table(sig string, body []byte) []byte {
	b := make([]byte, headerLen+len(body))
	copy(b, sig)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
	copy(b[headerLen:], body)
	b[9] = -sum(b)
	return b
}

func rsdpV1(rsdt uint32) []byte {
	b := make([]byte, rsdpV1Len)
	copy(b, "RSD PTR ")
	binary.LittleEndian.PutUint32(b[16:], rsdt)
	b[8] = -sum(b)
	return b
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func machine() (fakeMemory, []byte) {
	madt := append(le32(0xfee00000), le32(1)...)
	madt = append(madt, 0, 8, 0, 0, 1, 0, 0, 0) // CPU 0, APIC 0, enabled
	madt = append(madt, 0, 8, 1, 1, 0, 0, 0, 0) // CPU 1, disabled
	madt = append(madt, 1, 12, 2, 0)            // I/O APIC 2
	madt = append(madt, le32(0xfec00000)...)
	madt = append(madt, le32(0)...)
	madt = append(madt, 2, 10, 0, 0) // ISA IRQ 0 -> GSI 2
	madt = append(madt, le32(2)...)
	madt = append(madt, 0, 0)
	madt = append(madt, 2, 10, 0, 9) // ISA IRQ 9 -> GSI 9, level, active high
	madt = append(madt, le32(9)...)
	madt = append(madt, 0x0d, 0)

	dsdt := table("DSDT", []byte{0x10, 0x08, '_', 'S', '4', '_', amlNameOp, '_', 'S', '5', '_', amlPackageOp, 0x06, 0x04, amlBytePref, 5, amlZeroOp, 0, 0})
	fadt := make([]byte, fadtCentury+1-headerLen)
	binary.LittleEndian.PutUint32(fadt[fadtDSDT-headerLen:], 0x3000)
	binary.LittleEndian.PutUint32(fadt[fadtPM1aCnt-headerLen:], 0x604)
	fadt[fadtCentury-headerLen] = 0x32

	rsdt := table("RSDT", append(le32(0x1000), le32(0x2000)...))
	mem := fakeMemory{
		0x0500: rsdt,
		0x1000: table("APIC", madt),
		0x2000: table("FACP", fadt),
		0x3000: dsdt,
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
	if m.LocalAPIC != 0xfee00000 || len(m.CPUs) != 2 || !m.CPUs[0].Enabled || m.CPUs[1].Enabled {
		t.Errorf("MADT = %+v", m)
	}
	if len(m.IOAPICs) != 1 || m.IOAPICs[0].Addr != 0xfec00000 || m.IOAPICs[0].ID != 2 {
		t.Errorf("I/O APICs = %+v", m.IOAPICs)
	}
	if o := m.ISA(0); o.GSI != 2 {
		t.Errorf("ISA(0) = %+v, want GSI 2", o)
	}
	if o := m.ISA(9); !o.Level() || o.ActiveLow() {
		t.Errorf("ISA(9) = %+v, want level-triggered, active high", o)
	}
	if o := m.ISA(4); o.GSI != 4 || o.Flags != 0 {
		t.Errorf("ISA(4) = %+v, want identity", o)
	}
	f, err := tab.FADT()
	if err != nil {
		t.Fatal(err)
	}
	if f.PM1aCnt != 0x604 || f.DSDT != 0x3000 || f.Century != 0x32 {
		t.Errorf("FADT = %+v", f)
	}
	a, b, err := tab.SleepS5(f)
	if err != nil || a != 5 || b != 0 {
		t.Errorf("SleepS5 = %d, %d, %v; want 5, 0", a, b, err)
	}
}

func TestCorruptTablesAreRefused(t *testing.T) {
	mem, rsdp := machine()
	bad := append([]byte(nil), rsdp...)
	bad[10]++
	if _, err := Parse(bad, mem.read); !errors.Is(err, ErrCorrupt) {
		t.Errorf("RSDP with a bad checksum: err = %v, want ErrCorrupt", err)
	}
	mem[0x1000][40]++ // break the MADT checksum
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

func FuzzParse(f *testing.F) {
	mem, rsdp := machine()
	f.Add(rsdp, mem[0x1000])
	f.Fuzz(func(t *testing.T, rsdp, apic []byte) {
		m := fakeMemory{0x500: table("RSDT", le32(0x1000)), 0x1000: apic}
		tab, err := Parse(rsdp, m.read)
		if err != nil {
			return
		}
		tab.MADT()
		if f, err := tab.FADT(); err == nil {
			tab.SleepS5(f)
		}
	})
}

func TestPowerOffWritesS5ToPM1a(t *testing.T) {
	mem, rsdp := machine()
	tab, err := Parse(rsdp, mem.read)
	if err != nil {
		t.Fatal(err)
	}
	var port, val uint16
	tab.PowerOff(func(p, v uint16) { port, val = p, v })
	if port != 0x604 || val != 5<<slpTypShift|slpEn {
		t.Errorf("wrote %#x to port %#x, want %#x to 0x604", val, port, 5<<slpTypShift|slpEn)
	}
}

func FuzzParseS5(f *testing.F) {
	f.Add([]byte{amlNameOp, '_', 'S', '5', '_', amlPackageOp, 0x06, 0x04, amlBytePref, 5, amlZeroOp, 0, 0})
	f.Fuzz(func(t *testing.T, aml []byte) {
		parseS5(aml)
	})
}
