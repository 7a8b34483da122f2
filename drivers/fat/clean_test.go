package fat

import (
	"encoding/binary"
	"testing"
)

// cleanBits returns FAT[1] of both FATs.
func cleanBits(dev *MemDevice, fsys *FS) [2]uint32 {
	return [2]uint32{fat1(dev, &fsys.g, 0), fat1(dev, &fsys.g, 1)}
}

func TestTheCleanBitIsClearFromTheFirstChangeUntilSync(t *testing.T) {
	dev, fsys := newVolume(t)
	clean, dirty := [2]uint32{fat1Clean, fat1Clean}, [2]uint32{fat1Clean &^ fat1CleanShutdown, fat1Clean &^ fat1CleanShutdown}
	if !fsys.MountReport().WasClean || cleanBits(dev, fsys) != clean {
		t.Fatalf("a formatted volume: WasClean %v, FAT[1] %#x; want clean", fsys.MountReport().WasClean, cleanBits(dev, fsys))
	}
	before := dev.Clone()
	if err := fsys.Sync(); err != nil {
		t.Fatal(err)
	}
	if !sameImage(dev, before) {
		t.Fatal("Sync with nothing changed wrote to the volume")
	}
	writeFile(t, fsys, "f", []byte("data"))
	if got := cleanBits(dev, fsys); got != dirty {
		t.Fatalf("FAT[1] %#x after a change, want %#x", got, dirty)
	}
	if mount(t, dev.Clone()).MountReport().WasClean {
		t.Fatal("a volume changed since its last Sync mounts as clean")
	}
	fsys.Sync()
	if got := cleanBits(dev, fsys); got != clean {
		t.Fatalf("FAT[1] %#x after Sync, want %#x", got, clean)
	}
	fsys.Sync()
	if got := cleanBits(dev, fsys); got != clean {
		t.Fatalf("FAT[1] %#x after a second Sync, want %#x", got, clean)
	}
	fsys = mount(t, dev)
	if !fsys.MountReport().WasClean {
		t.Fatal("a synced volume mounts as not clean")
	}
	fsys.Remove("f")
	if got := cleanBits(dev, fsys); got != dirty {
		t.Fatalf("FAT[1] %#x after a change following Sync, want %#x", got, dirty)
	}
}

func TestAReadOnlyMountLeavesADirtyVolumeAsItIs(t *testing.T) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "f", []byte("data"))
	before := dev.Clone()
	opts := testOptions()
	opts.ReadOnly = true
	ro, err := Mount(dev, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ro.MountReport().WasClean {
		t.Fatal("a dirty volume mounts read-only as clean")
	}
	if got := mustRead(t, ro, "f"); string(got) != "data" {
		t.Fatalf("read %q", got)
	}
	if err := ro.Sync(); err != nil {
		t.Fatal(err)
	}
	if !sameImage(dev, before) {
		t.Fatal("a read-only mount wrote to the volume")
	}
}

func TestTheHardErrorBitIsReportedAndKept(t *testing.T) {
	dev, fsys := newVolume(t)
	for i := range int64(2) {
		off := (int64(fsys.g.reserved)+i*int64(fsys.g.fatSectors))*512 + 4
		dev.writeAt(binary.LittleEndian.AppendUint32(nil, fat1Clean&^fat1NoHardError), off)
	}
	fsys = mount(t, dev)
	if r := fsys.MountReport(); !r.HardError || !r.WasClean {
		t.Fatalf("MountReport %+v, want a clean volume that saw a hard error", r)
	}
	writeFile(t, fsys, "f", []byte("data"))
	fsys.Sync()
	want := uint32(fat1Clean &^ fat1NoHardError)
	if got := cleanBits(dev, fsys); got != [2]uint32{want, want} {
		t.Fatalf("FAT[1] %#x after a change and Sync, want %#x in both", got, want)
	}
}

// A removed file still open holds clusters no entry names; were the
// system to stop before its last Close they would be lost, so the volume
// is not clean until then.
func TestTheVolumeIsNotCleanWhileARemovedFileIsOpen(t *testing.T) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "f", make([]byte, 3000))
	f, _ := fsys.Open("f")
	fsys.Remove("f")
	fsys.Sync()
	if got := cleanBits(dev, fsys); got[0]&fat1CleanShutdown != 0 {
		t.Fatalf("FAT[1] %#x with a removed file open, want the clean bit clear", got)
	}
	f.Close()
	fsys.Sync()
	if got := cleanBits(dev, fsys); got[0]&fat1CleanShutdown == 0 || got[0] != got[1] {
		t.Fatalf("FAT[1] %#x after the last Close and Sync, want clean in both", got)
	}
}
