package fat

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestMountRefusesBrokenBootSectorsSayingWhy(t *testing.T) {
	le := binary.LittleEndian
	for _, c := range []struct {
		what  string
		poke  func(b []byte)
		cause error
	}{
		{"signature", func(b []byte) { b[510] = 0 }, ErrCorrupt},
		{"jump instruction", func(b []byte) { b[0] = 0 }, ErrCorrupt},
		{"bytes per sector 1000", func(b []byte) { le.PutUint16(b[bpbBytsPerSec:], 1000) }, ErrCorrupt},
		{"bytes per sector 1024", func(b []byte) { le.PutUint16(b[bpbBytsPerSec:], 1024) }, ErrCorrupt},
		{"sectors per cluster 3", func(b []byte) { b[bpbSecPerClus] = 3 }, ErrCorrupt},
		{"sectors per cluster 0", func(b []byte) { b[bpbSecPerClus] = 0 }, ErrCorrupt},
		{"no reserved sectors", func(b []byte) { le.PutUint16(b[bpbRsvdSecCnt:], 0) }, ErrCorrupt},
		{"no FATs", func(b []byte) { b[bpbNumFATs] = 0 }, ErrCorrupt},
		{"three FATs", func(b []byte) { b[bpbNumFATs] = 3 }, ErrCorrupt},
		{"FAT16 size field", func(b []byte) { le.PutUint16(b[bpbFATSz16:], 200) }, ErrUnsupported},
		{"fixed root directory", func(b []byte) { le.PutUint16(b[bpbRootEntCnt:], 512) }, ErrUnsupported},
		{"media byte", func(b []byte) { b[bpbMedia] = 0x12 }, ErrCorrupt},
		{"FAT32 version 1.0", func(b []byte) { le.PutUint16(b[bpbFSVer:], 0x0100) }, ErrUnsupported},
		{"more sectors than the device", func(b []byte) { le.PutUint32(b[bpbTotSec32:], testSectors+1) }, ErrCorrupt},
		{"FAT size zero", func(b []byte) { le.PutUint32(b[bpbFATSz32:], 0) }, ErrCorrupt},
		{"FATs past the end", func(b []byte) { le.PutUint32(b[bpbFATSz32:], 0x7FFFFFFF) }, ErrCorrupt},
		{"FAT too small", func(b []byte) { le.PutUint32(b[bpbFATSz32:], 100) }, ErrCorrupt},
		{"too few clusters", func(b []byte) { le.PutUint32(b[bpbTotSec32:], 40000) }, ErrUnsupported},
		{"root cluster 1", func(b []byte) { le.PutUint32(b[bpbRootClus:], 1) }, ErrCorrupt},
		{"root cluster past the end", func(b []byte) { le.PutUint32(b[bpbRootClus:], 0x0FFFFFF0) }, ErrCorrupt},
		{"active FAT 5", func(b []byte) { le.PutUint16(b[bpbExtFlags:], extFlagsNoMirror|5) }, ErrCorrupt},
	} {
		dev, _ := newVolume(t)
		b := make([]byte, 512)
		dev.ReadSectors(b, 0)
		c.poke(b)
		dev.WriteSectors(b, 0)
		_, err := Mount(dev, Options{})
		if !errors.Is(err, c.cause) {
			t.Errorf("%s: Mount = %v, want %v", c.what, err, c.cause)
			continue
		}
		if !strings.HasPrefix(err.Error(), "fat: mount: boot sector: ") {
			t.Errorf("%s: %q does not say the boot sector is at fault", c.what, err)
		}
	}
}

// corruptVolume makes a volume with a file "f" of five clusters and a
// directory "d", and returns its device, the file's first cluster and
// the byte offset of entry c in the first FAT. The volume is synced, so
// that it mounts as clean and the damage a test then makes is found by
// the operations that meet it, not by Repair.
func corruptVolume(t *testing.T) (dev *MemDevice, first uint32, fatEntry func(c uint32) int64) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "f", make([]byte, 5*512))
	fsys.Mkdir("d")
	fsys.Sync()
	info, _ := fsys.Stat("f")
	fat0 := int64(fsys.g.reserved) * 512
	return dev, info.Sys().(*EntryInfo).Cluster, func(c uint32) int64 { return fat0 + int64(c)*4 }
}

func putUint32(dev *MemDevice, off int64, v uint32) {
	dev.writeAt(binary.LittleEndian.AppendUint32(nil, v), off)
}

func TestBrokenChainsAreCorruptAndTurnTheVolumeReadOnly(t *testing.T) {
	for _, c := range []struct {
		what string
		poke func(dev *MemDevice, first uint32, fat func(uint32) int64)
	}{
		{"a loop", func(dev *MemDevice, first uint32, fat func(uint32) int64) { putUint32(dev, fat(first+3), first+1) }},
		{"a link past the last cluster", func(dev *MemDevice, first uint32, fat func(uint32) int64) {
			putUint32(dev, fat(first+1), 0x0FFFFFF0)
		}},
		{"a free cluster inside", func(dev *MemDevice, first uint32, fat func(uint32) int64) { putUint32(dev, fat(first+2), 0) }},
		{"a bad cluster inside", func(dev *MemDevice, first uint32, fat func(uint32) int64) { putUint32(dev, fat(first+2), fatBad) }},
		{"a chain shorter than the size", func(dev *MemDevice, first uint32, fat func(uint32) int64) {
			putUint32(dev, fat(first+2), fatEOC)
		}},
	} {
		dev, first, fat := corruptVolume(t)
		c.poke(dev, first, fat)
		fsys := mount(t, dev)
		f, err := fsys.Open("f")
		if err != nil {
			t.Fatalf("%s: Open = %v", c.what, err)
		}
		_, err = io.ReadAll(f)
		f.Close()
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: reading = %v, want ErrCorrupt", c.what, err)
			continue
		}
		if !fsys.ReadOnly() {
			t.Errorf("%s: the volume stays writable", c.what)
		}
		if _, err := fsys.Create("new"); !errors.Is(err, ErrReadOnly) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Create after the damage = %v, want ErrReadOnly and the ErrCorrupt behind it", c.what, err)
		}
	}
}

func TestAChainLongerThanItsFileReadsAsTheSizeAndIsReused(t *testing.T) {
	dev, _, _ := corruptVolume(t)
	fsys := mount(t, dev)
	// Shorten the entry's size behind the FAT's back: the chain keeps
	// five clusters.
	d, ent, _ := fsys.lookup("f")
	e := d.entry(ent.slot)
	setEntrySize(e, 100)
	fsys.writeSlots(d, ent.slot, ent.slot+1, false)
	fsys.Sync()
	fsys = mount(t, dev)
	if got := mustRead(t, fsys, "f"); len(got) != 100 {
		t.Fatalf("read %d bytes, want the entry's 100", len(got))
	}
	before, _ := fsys.StatFS()
	f, _ := fsys.OpenFile("f", os.O_RDWR, 0)
	f.WriteAt([]byte("x"), 4*512)
	f.Close()
	if after, _ := fsys.StatFS(); after.FreeClusters != before.FreeClusters {
		t.Fatalf("growing into the chain's own clusters took %d more", before.FreeClusters-after.FreeClusters)
	}
}

func TestEntriesPointingAnywhereAreCorrupt(t *testing.T) {
	dev, _, _ := corruptVolume(t)
	fsys := mount(t, dev)
	root := fsys.root
	fe := root.entry(root.lookup("f").slot)
	de := root.entry(root.lookup("d").slot)
	setEntryFirst(fe, 0x0FFFFFF0)
	setEntryFirst(de, fsys.g.rootCluster) // a directory that is the root again
	fsys.writeSlots(root, 0, root.slots(), false)
	fsys.Sync()
	fsys = mount(t, dev)
	if _, err := readFile(fsys, "f"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a file starting past the volume reads with %v, want ErrCorrupt", err)
	}
	fsys = mount(t, dev)
	if _, err := fsys.ReadDir("d"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a directory naming the root lists with %v, want ErrCorrupt", err)
	}
}

func TestLongNamesThatDoNotAddUpFallBackToTheShortName(t *testing.T) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "A Long Name.txt", []byte("x"))
	ent := fsys.root.lookup("A Long Name.txt")
	lfn := fsys.root.entry(ent.slot - 1)
	lfn[lfnChksum]++ // the checksum of some other short name
	fsys.writeSlots(fsys.root, ent.slot-1, ent.slot, false)
	fsys.Sync()
	fsys = mount(t, dev)
	if _, err := fsys.Stat("A Long Name.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a long name with a wrong checksum still finds its file: %v", err)
	}
	if got, err := readFile(fsys, ent.short.String()); err != nil || string(got) != "x" {
		t.Errorf("the short name %s reads %q, %v", ent.short, got, err)
	}
}

func TestFSInfoHintsAreNotTrusted(t *testing.T) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "f", make([]byte, 2000))
	fsys.Sync()
	want, _ := fsys.StatFS()
	info := int64(fsys.g.fsInfo) * 512
	putUint32(dev, info+fsiFreeCount, 12345)
	putUint32(dev, info+fsiNxtFree, 0x0FFFFFFE)
	fsys = mount(t, dev)
	if got, _ := fsys.StatFS(); got.FreeClusters != want.FreeClusters {
		t.Fatalf("StatFS says %d free, believing FSInfo; want %d", got.FreeClusters, want.FreeClusters)
	}
	writeFile(t, fsys, "g", make([]byte, 2000))
	if got := mustRead(t, fsys, "f"); len(got) != 2000 {
		t.Fatal("allocating from a wild hint damaged another file")
	}
}

func TestOnlyTheActiveFATIsWrittenWhenMirroringIsOff(t *testing.T) {
	dev := NewMemDevice(512, testSectors)
	Format(dev, "")
	b := make([]byte, 512)
	dev.ReadSectors(b, 0)
	binary.LittleEndian.PutUint16(b[bpbExtFlags:], extFlagsNoMirror|1)
	dev.WriteSectors(b, 0)
	fsys := mount(t, dev)
	writeFile(t, fsys, "f", []byte("data"))
	g := fsys.g
	fat := func(i int) []byte {
		p := make([]byte, 512)
		dev.ReadSectors(p, int64(g.reserved)+int64(i)*int64(g.fatSectors))
		return p
	}
	if string(fat(0)[12:16]) != "\x00\x00\x00\x00" || string(fat(1)[12:16]) == "\x00\x00\x00\x00" {
		t.Fatal("the new file's cluster is not allocated in FAT 1 alone")
	}
	if got := mustRead(t, mount(t, dev), "f"); string(got) != "data" {
		t.Fatalf("read %q through the active FAT", got)
	}
}

// failingDevice fails every write after the first n.
type failingDevice struct {
	*MemDevice
	n int
}

func (d *failingDevice) WriteSectors(p []byte, first int64) error {
	if d.n--; d.n < 0 {
		return errors.New("the disk is on fire")
	}
	return d.MemDevice.WriteSectors(p, first)
}

func TestAFailedWriteTurnsTheVolumeReadOnly(t *testing.T) {
	dev, _ := newVolume(t)
	// Three writes mark the volume as changing; the Create takes a few.
	fsys := mount(t, &failingDevice{dev, 6})
	if _, err := fsys.Create("a"); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; err == nil && i < 10; i++ {
		err = fsys.Mkdir(strings.Repeat("d", i+1))
	}
	if err == nil || !fsys.ReadOnly() {
		t.Fatalf("after failed writes: %v, ReadOnly %v", err, fsys.ReadOnly())
	}
	if err := fsys.Remove("a"); !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "on fire") {
		t.Fatalf("Remove after a failed write = %v, want ErrReadOnly with the cause", err)
	}
}
