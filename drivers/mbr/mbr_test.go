package mbr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"clk/drivers/fat"
)

// table returns a first sector with the given entries.
func table(parts ...Partition) []byte {
	b := make([]byte, SectorSize)
	copy(b, "boot code")
	b[sigOffset], b[sigOffset+1] = 0x55, 0xaa
	for _, p := range parts {
		e := b[tableOffset+(p.Index-1)*entrySize:]
		if p.Active {
			e[0] = statusActive
		}
		e[4] = p.Type
		binary.LittleEndian.PutUint32(e[8:], uint32(p.First))
		binary.LittleEndian.PutUint32(e[12:], uint32(p.Count))
	}
	return b
}

func TestTheFAT32PartitionIsFoundAfterABootPartition(t *testing.T) {
	boot := Partition{Index: 1, Type: 0xda, Active: true, First: 2048, Count: 4096}
	data := Partition{Index: 2, Type: TypeFAT32LBA, First: 6144, Count: 81920}
	parts, err := Parse(table(boot, data), 6144+81920)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[0] != boot || parts[1] != data {
		t.Fatalf("Parse = %+v, want %+v and %+v", parts, boot, data)
	}
	if p, ok := FAT32(parts); !ok || p != data {
		t.Errorf("FAT32 = %+v, %v; want %+v", p, ok, data)
	}
	if _, ok := FAT32(parts[:1]); ok {
		t.Errorf("FAT32 found a FAT32 partition in a table without one")
	}
}

func TestAFATBootSectorHoldsNoPartition(t *testing.T) {
	dev := fat.NewMemDevice(512, 80000)
	if err := fat.Format(dev, "CLK"); err != nil {
		t.Fatal(err)
	}
	sector := make([]byte, 512)
	if err := dev.ReadSectors(sector, 0); err != nil {
		t.Fatal(err)
	}
	// Its boot code area is zeros here, which reads as an empty table;
	// mkfs.fat's boot code makes it no table at all. Either way it holds
	// no partition.
	parts, err := Parse(sector, dev.Sectors())
	if err != nil && !errors.Is(err, ErrNoTable) {
		t.Errorf("Parse of a FAT32 boot sector: %v, want ErrNoTable or no partitions", err)
	}
	if len(parts) != 0 {
		t.Errorf("Parse found partitions in a FAT32 boot sector: %+v", parts)
	}
}

func TestBadTablesAreRefused(t *testing.T) {
	noSig := table(Partition{Index: 1, Type: TypeFAT32LBA, First: 1, Count: 10})
	noSig[sigOffset] = 0
	badStatus := table(Partition{Index: 1, Type: TypeFAT32LBA, First: 1, Count: 10})
	badStatus[tableOffset] = 0x12
	for name, c := range map[string]struct {
		sector []byte
		want   error
	}{
		"short sector":      {make([]byte, 100), ErrNoTable},
		"no signature":      {noSig, ErrNoTable},
		"bad status":        {badStatus, ErrNoTable},
		"past the disk end": {table(Partition{Index: 2, Type: TypeFAT32LBA, First: 50, Count: 51}), ErrBadTable},
		"over the MBR":      {table(Partition{Index: 3, Type: TypeFAT32LBA, First: 0, Count: 10}), ErrBadTable},
	} {
		if _, err := Parse(c.sector, 100); !errors.Is(err, c.want) {
			t.Errorf("%s: Parse error %v, want %v", name, err, c.want)
		}
	}
}

func TestAViewStaysInsideItsPartition(t *testing.T) {
	disk := fat.NewMemDevice(512, 100000)
	p := Partition{Index: 2, Type: TypeFAT32LBA, First: 1000, Count: 80000}
	v := NewView(disk, p)
	one := bytes.Repeat([]byte{0xab}, 512)
	if err := v.WriteSectors(one, 0); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 512)
	if err := disk.ReadSectors(got, p.First); err != nil || !bytes.Equal(got, one) {
		t.Errorf("the view's sector 0 is not the disk's sector %d: %v", p.First, err)
	}
	for _, first := range []int64{-1, p.Count} {
		if err := v.WriteSectors(one, first); err == nil {
			t.Errorf("a write at the view's sector %d of %d was taken", first, p.Count)
		}
	}
	if err := v.ReadSectors(make([]byte, 1024), p.Count-1); err == nil {
		t.Errorf("a read across the view's end was taken")
	}
	// A volume made on the view mounts through it, and the disk's
	// sectors outside the partition are untouched.
	if err := fat.Format(v, "DATA"); err != nil {
		t.Fatal(err)
	}
	fsys, err := fat.Mount(v, fat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := fsys.StatFS(); err != nil || u.Label != "DATA" {
		t.Errorf("StatFS = %+v, %v", u, err)
	}
	for _, s := range []int64{0, p.First - 1, p.First + p.Count} {
		if err := disk.ReadSectors(got, s); err != nil || !bytes.Equal(got, make([]byte, 512)) {
			t.Errorf("disk sector %d outside the partition changed", s)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(table(Partition{Index: 1, Type: 0xda, Active: true, First: 2048, Count: 4096}, Partition{Index: 2, Type: TypeFAT32LBA, First: 6144, Count: 8192}), int64(20000))
	f.Add(make([]byte, SectorSize), int64(1))
	f.Fuzz(func(t *testing.T, sector []byte, diskSectors int64) {
		parts, err := Parse(sector, diskSectors)
		if err != nil {
			return
		}
		for _, p := range parts {
			if p.First < 1 || p.Count < 1 || p.First+p.Count > diskSectors {
				t.Fatalf("Parse accepted %+v on a disk of %d sectors", p, diskSectors)
			}
		}
	})
}
