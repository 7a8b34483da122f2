package fat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// setFAT sets the entry of cluster c in the given FATs, on the device.
func setFAT(dev *MemDevice, g *geometry, c, v uint32, fats ...int) {
	for _, i := range fats {
		off := (int64(g.reserved)+int64(i)*int64(g.fatSectors))*int64(g.sectorSize) + int64(c)*4
		dev.writeAt(binary.LittleEndian.AppendUint32(nil, v), off)
	}
}

// markClean sets FAT[1]'s clean-shutdown bit in both FATs, or clears
// it, as a crash in the middle of a change leaves it.
func markClean(dev *MemDevice, g *geometry, clean bool) {
	v := uint32(fat1Clean)
	if !clean {
		v &^= fat1CleanShutdown
	}
	setFAT(dev, g, 1, v, 0, 1)
}

// freeClusters returns n clusters free in the first FAT, from c on.
func freeClusters(t *testing.T, fsys *FS, c uint32, n int) []uint32 {
	t.Helper()
	var got []uint32
	for ; len(got) < n; c++ {
		v, err := fsys.t.get(c)
		if err != nil {
			t.Fatal(err)
		}
		if v == fatFree {
			got = append(got, c)
		}
	}
	return got
}

// chainOn writes clusters as a chain of their own into the given FATs.
func chainOn(dev *MemDevice, g *geometry, clusters []uint32, fats ...int) {
	for i, c := range clusters {
		next := uint32(fatEOC)
		if i+1 < len(clusters) {
			next = clusters[i+1]
		}
		setFAT(dev, g, c, next, fats...)
	}
}

func firstCluster(t *testing.T, fsys *FS, name string) uint32 {
	t.Helper()
	info, err := fsys.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*EntryInfo).Cluster
}

// damagedVolume makes a synced volume and then leaves on it, by hand,
// every kind of damage Repair fixes: lost clusters, a cluster allocated
// in the first FAT alone and one in the second alone, a chain two
// clusters longer than its file, an empty file with a chain, a long name
// whose first of four entries is gone, and entries past a directory's
// end mark. FAT[1] says the volume is clean or not, as asked. It returns
// the device and the tree Repair must leave.
func damagedVolume(t *testing.T, clean bool) (*MemDevice, map[string][]byte) {
	dev, fsys := newVolume(t)
	g := &fsys.g
	want := map[string][]byte{
		"kept.txt":           bytes.Repeat([]byte("kept "), 700),
		"dir/":               nil,
		"dir/inner file.bin": bytes.Repeat([]byte{1, 2, 3}, 1000),
		"long chain.txt":     bytes.Repeat([]byte("L"), 1000),
		"empty":              {},
		"tail/":              nil,
	}
	fsys.Mkdir("dir")
	fsys.Mkdir("tail")
	for name, data := range want {
		if data != nil {
			writeFile(t, fsys, name, data)
		}
	}
	const longName = "A name long enough for three entries.txt"
	writeFile(t, fsys, longName, []byte("long"))
	writeFile(t, fsys, "tail/A", []byte("a"))
	writeFile(t, fsys, "tail/B", []byte("b"))
	fsys.Sync()

	spare := freeClusters(t, fsys, 3000, 7)
	chainOn(dev, g, spare[0:3], 0, 1) // lost clusters
	chainOn(dev, g, spare[3:4], 0)    // in the first FAT alone
	far := freeClusters(t, fsys, 20000, 1)
	chainOn(dev, g, far, 1) // in the second FAT alone
	last := firstCluster(t, fsys, "long chain.txt") + 1
	chainOn(dev, g, spare[4:6], 0, 1)
	setFAT(dev, g, last, spare[4], 0, 1)
	chainOn(dev, g, spare[6:7], 0, 1)
	ent := fsys.root.lookup("empty")
	setEntryFirst(fsys.root.entry(ent.slot), spare[6])
	fsys.writeSlots(fsys.root, ent.slot, ent.slot+1, false)
	long := fsys.root.lookup(longName)
	fsys.root.entry(long.slot - long.lfn)[0] = slotDeleted
	fsys.writeSlots(fsys.root, long.slot-long.lfn, long.slot+1, false)
	want[long.short.String()] = []byte("long")
	tail, _ := fsys.loadDir(firstCluster(t, fsys, "tail"))
	tail.entry(tail.lookup("A").slot)[0] = slotEnd
	fsys.writeSlots(tail, 0, tail.slots(), false)
	markClean(dev, g, clean)
	return dev, want
}

// wantDamagedRepair is what Repair reports for damagedVolume: the lost
// chain, the cluster in the first FAT alone, the long chain's tail, the
// empty file's chain and the clusters of A and B, past the end, are
// freed; the sector of the cluster in the second FAT alone is copied.
var wantDamagedRepair = Report{
	Directories:   3,
	Files:         5,
	FreedClusters: 3 + 1 + 2 + 1 + 2,
	CutChains:     2,
	Fragments:     3,
	PastEnd:       1,
	FATSectors:    1,
	FreeCount:     true,
}

// Mount repairs a volume not cleanly unmounted; one marked clean is
// repaired when asked.
func TestRepairFixesWhatAnInterruptedWriteLeaves(t *testing.T) {
	for _, atMount := range []bool{true, false} {
		dev, want := damagedVolume(t, !atMount)
		fsys := mount(t, dev)
		rep := fsys.MountReport()
		if rep.WasClean == atMount || rep.Repaired != atMount || rep.RepairErr != nil {
			t.Fatalf("MountReport %+v of a volume marked clean %v", rep, !atMount)
		}
		r := rep.Repair
		if !atMount {
			var err error
			if r, err = fsys.Repair(); err != nil {
				t.Fatal(err)
			}
		}
		if r != wantDamagedRepair {
			t.Fatalf("at mount %v: Repair = %+v\nwant     %+v", atMount, r, wantDamagedRepair)
		}
		got, err := tree(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameTree(got, want); diff != "" {
			t.Fatalf("at mount %v: after Repair: %s", atMount, diff)
		}
		fsckClean(t, dev)
		after := dev.Clone()
		fsys = mount(t, dev)
		if rep := fsys.MountReport(); !rep.WasClean || rep.Repaired {
			t.Fatalf("at mount %v: MountReport %+v after Repair", atMount, rep)
		}
		if r, err := fsys.Repair(); err != nil || r.Changed() {
			t.Fatalf("at mount %v: a second Repair = %+v, %v; want nothing changed", atMount, r, err)
		}
		if !sameImage(dev, after) {
			t.Fatalf("at mount %v: a second Repair wrote to the volume", atMount)
		}
	}
}

func TestRepairChangesNothingOnACleanBusyVolume(t *testing.T) {
	dev := NewMemDevice(512, testSectors)
	if err := FormatWith(dev, FormatOptions{VolumeID: 1}); err != nil {
		t.Fatal(err)
	}
	randomOps(t, dev, 3, 400)
	before := dev.Clone()
	fsys := mount(t, dev)
	r, err := fsys.Repair()
	if err != nil || r.Changed() {
		t.Fatalf("Repair = %+v, %v; want nothing changed", r, err)
	}
	if r.Directories < 3 || r.Files < 10 {
		t.Fatalf("Repair walked %d directories and %d files; the workload left more", r.Directories, r.Files)
	}
	if !sameImage(dev, before) {
		t.Fatal("Repair wrote to a clean volume")
	}
}

func TestRepairKeepsTheClustersOfARemovedFileStillOpen(t *testing.T) {
	dev, fsys := newVolume(t)
	data := bytes.Repeat([]byte("held"), 1000)
	writeFile(t, fsys, "f", data)
	f, _ := fsys.Open("f")
	fsys.Remove("f")
	if r, err := fsys.Repair(); err != nil || r.FreedClusters != 0 {
		t.Fatalf("Repair = %+v, %v; want no cluster freed", r, err)
	}
	if got, err := io.ReadAll(f); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the removed file reads %d bytes, %v after Repair", len(got), err)
	}
	f.Close()
	fsys.Sync()
	fsckClean(t, dev)
}

// Damage no interrupted write of this package leaves is refused, at
// Mount or when asked, with nothing written, and the volume turns
// read-only.
func TestRepairRefusesOtherDamageAndWritesNothing(t *testing.T) {
	for _, c := range []struct {
		what string
		poke func(dev *MemDevice, fsys *FS, f, g uint32)
	}{
		{"a loop", func(dev *MemDevice, fsys *FS, f, _ uint32) { setFAT(dev, &fsys.g, f+3, f+1, 0, 1) }},
		{"a free cluster inside a chain", func(dev *MemDevice, fsys *FS, f, _ uint32) { setFAT(dev, &fsys.g, f+2, fatFree, 0, 1) }},
		{"a bad cluster inside a chain", func(dev *MemDevice, fsys *FS, f, _ uint32) { setFAT(dev, &fsys.g, f+2, fatBad, 0, 1) }},
		{"a chain shorter than its file", func(dev *MemDevice, fsys *FS, f, _ uint32) { setFAT(dev, &fsys.g, f+2, fatEOC, 0, 1) }},
		{"a link past the volume", func(dev *MemDevice, fsys *FS, f, _ uint32) { setFAT(dev, &fsys.g, f+1, 0x0FFFFFF0, 0, 1) }},
		{"two files sharing a cluster", func(dev *MemDevice, fsys *FS, f, g uint32) { setFAT(dev, &fsys.g, f+1, g, 0, 1) }},
		{"an entry past the volume", func(dev *MemDevice, fsys *FS, _, _ uint32) {
			ent := fsys.root.lookup("f")
			setEntryFirst(fsys.root.entry(ent.slot), 0x0FFFFFF0)
			fsys.writeSlots(fsys.root, ent.slot, ent.slot+1, false)
		}},
		{"a directory naming the root", func(dev *MemDevice, fsys *FS, _, _ uint32) {
			ent := fsys.root.lookup("d")
			setEntryFirst(fsys.root.entry(ent.slot), fsys.g.rootCluster)
			fsys.writeSlots(fsys.root, ent.slot, ent.slot+1, false)
		}},
		{"a directory inside itself", func(dev *MemDevice, fsys *FS, _, _ uint32) {
			d, _ := fsys.loadDir(firstCluster(t, fsys, "d"))
			s, _ := fsys.placeRun(d, 1, -1, nil)
			e := newShortEntry(shortName([]byte("LOOP       ")), attrDirectory, d.first, testTime)
			d.put(s, [][entrySize]byte{e})
			fsys.writeSlots(d, s, s+1, false)
		}},
		{"a file on a directory's cluster", func(dev *MemDevice, fsys *FS, _, _ uint32) {
			ent := fsys.root.lookup("g")
			setEntryFirst(fsys.root.entry(ent.slot), firstCluster(t, fsys, "d"))
			fsys.writeSlots(fsys.root, ent.slot, ent.slot+1, false)
		}},
	} {
		for _, atMount := range []bool{true, false} {
			dev, fsys := newVolume(t)
			writeFile(t, fsys, "f", make([]byte, 5*512))
			writeFile(t, fsys, "g", make([]byte, 2*512))
			fsys.Mkdir("d")
			fsys.Sync()
			c.poke(dev, fsys, firstCluster(t, fsys, "f"), firstCluster(t, fsys, "g"))
			markClean(dev, &fsys.g, !atMount)
			before := dev.Clone()
			fsys = mount(t, dev)
			err := fsys.MountReport().RepairErr
			if !atMount {
				_, err = fsys.Repair()
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s, at mount %v: Repair = %v, want ErrCorrupt", c.what, atMount, err)
				continue
			}
			if !sameImage(dev, before) {
				t.Errorf("%s, at mount %v: Repair refused, yet wrote to the volume", c.what, atMount)
			}
			if _, err := fsys.Create("new"); !errors.Is(err, ErrReadOnly) || !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s, at mount %v: Create after Repair refused = %v, want ErrReadOnly and the ErrCorrupt behind it", c.what, atMount, err)
			}
		}
	}
}

func TestAReadOnlyMountNeverRepairs(t *testing.T) {
	dev, _ := damagedVolume(t, false)
	before := dev.Clone()
	opts := testOptions()
	opts.ReadOnly = true
	fsys, err := Mount(dev, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep := fsys.MountReport(); rep.WasClean || rep.Repaired {
		t.Fatalf("MountReport %+v of a damaged volume mounted read-only", rep)
	}
	if _, err := fsys.Repair(); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Repair of a read-only mount = %v, want ErrReadOnly", err)
	}
	if !sameImage(dev, before) {
		t.Fatal("a read-only mount wrote to a damaged volume")
	}
}
