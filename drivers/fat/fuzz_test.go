package fat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"testing"
)

// The fuzz targets take small inputs that change a real image rather
// than whole images: the fuzzer minimises every input that finds new
// code, and the time that takes grows with the input's length.

// patch is a place a fuzz input may write to: a byte range of a device,
// mirrored to a second range when mirror is set (the second FAT).
type patch struct {
	off, size, mirror int64
}

// applyPatches writes the patches an input describes: each is a byte
// choosing the place, a little-endian 16-bit offset into it, a byte
// giving a length of 1 to 64, and that many bytes (fewer if the input
// ends).
func applyPatches(dev *MemDevice, places []patch, in []byte) {
	for len(in) >= 4 {
		pl := places[int(in[0])%len(places)]
		off := int64(binary.LittleEndian.Uint16(in[1:])) % pl.size
		n := min(int(in[3])%64+1, len(in)-4)
		b := in[4 : 4+n]
		in = in[4+n:]
		b = b[:min(int64(len(b)), pl.size-off)]
		dev.writeAt(b, pl.off+off)
		if pl.mirror != 0 {
			dev.writeAt(b, pl.mirror+off)
		}
	}
}

// placesOf returns where FuzzMount's patches go on an image: the first
// eight sectors (boot sector, FSInfo, backup boot sector), the start of
// each FAT and of both at once, and the start of the data region.
func placesOf(fsys *FS) []patch {
	g, ss := &fsys.g, int64(fsys.g.sectorSize)
	fat0 := int64(g.reserved) * ss
	fat1 := fat0 + int64(g.fatSectors)*ss
	fatBytes := min(int64(g.fatSectors)*ss, 8192)
	return []patch{
		{off: 0, size: 8 * ss},
		{off: fat0, size: fatBytes, mirror: fat1},
		{off: fat0, size: fatBytes},
		{off: fat1, size: fatBytes},
		{off: int64(g.dataStart) * ss, size: 64 << 10},
	}
}

// fuzzBPBBytes is how much of the boot sector FuzzMount's input gives
// whole: the jump, the OEM name and the BPB up to the boot code.
const fuzzBPBBytes = bsBootCode

// seedVolume is a small volume with some of everything: long and short
// names, nested directories, a file of many clusters, an empty file, a
// removed file and a directory of more than one cluster.
var seedVolume = sync.OnceValue(func() *MemDevice {
	dev := NewMemDevice(512, testSectors)
	if err := FormatWith(dev, FormatOptions{Label: "SEED", VolumeID: 7}); err != nil {
		panic(err)
	}
	fsys, err := Mount(dev, Options{})
	if err != nil {
		panic(err)
	}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	write := func(name string, n int) {
		f, err := fsys.Create(name)
		must(err)
		_, err = f.Write(bytes.Repeat([]byte(name), n/len(name)+1)[:n])
		must(err)
		must(f.Close())
	}
	must(fsys.Mkdir("Dir One"))
	must(fsys.Mkdir("Dir One/sub"))
	write("README.TXT", 100)
	write("A longer name.text", 3000)
	write("Dir One/sub/deep file", 700)
	write("gone", 600)
	write("empty", 0)
	for i := range 12 {
		write(fmt.Sprintf("Dir One/member %d with a long name", i), 10)
	}
	must(fsys.Remove("gone"))
	must(fsys.Sync())
	return dev
})

// exercise uses a mounted volume every way that only reads: it walks the
// tree, each directory once, stats and reads every file (the first 64
// KiB, and the last byte), and counts free space. It must not panic or
// hang, whatever the image.
func exercise(t *testing.T, fsys *FS) {
	seen := map[uint32]bool{}
	budget := 2000
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		ents, err := fsys.ReadDir(dir)
		if err != nil || depth > 16 {
			return
		}
		for _, e := range ents {
			if budget--; budget < 0 {
				return
			}
			p := path.Join(dir, e.Name())
			info, err := e.Info()
			if err != nil {
				t.Fatalf("Info of %q: %v", p, err)
			}
			if _, err := fsys.Stat(p); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotDir) && !errors.Is(err, ErrBadName) {
				t.Fatalf("Stat of listed %q: %v", p, err)
			}
			if e.IsDir() {
				c := info.Sys().(*EntryInfo).Cluster
				if !seen[c] {
					seen[c] = true
					walk(p, depth+1)
				}
				continue
			}
			f, err := fsys.Open(p)
			if err != nil {
				continue
			}
			io.Copy(io.Discard, io.LimitReader(f, 64<<10))
			if info.Size() > 0 {
				f.ReadAt(make([]byte, 1), info.Size()-1)
			}
			f.Close()
		}
	}
	walk(".", 0)
	fsys.StatFS()
}

// checkRepair mounts dev read-write, which repairs it if it was not
// cleanly unmounted, and repairs it when asked if it was. Repair must not
// panic or hang, whatever the image. When it fails it must have written
// nothing; when it finishes the volume must read without an
// inconsistency, mount as clean, and hold nothing for another Repair to
// change.
func checkRepair(t *testing.T, dev *MemDevice) {
	fsys, err := Mount(dev, Options{})
	if err != nil {
		return
	}
	rep := fsys.MountReport()
	err = rep.RepairErr
	if !rep.Repaired {
		_, err = fsys.Repair()
	}
	if err != nil {
		if fsys.d.writes != 0 {
			t.Fatalf("Repair failed (%v), yet wrote %d times to the volume", err, fsys.d.writes)
		}
		return
	}
	exercise(t, fsys)
	if err := fsys.writable(); err != nil {
		t.Fatalf("reading the repaired volume: %v", err)
	}
	again, err := Mount(dev, Options{})
	if err != nil {
		t.Fatalf("the repaired volume does not mount: %v", err)
	}
	if rep := again.MountReport(); !rep.WasClean {
		t.Fatalf("the repaired volume mounts as not clean: %+v", rep)
	}
	if r, err := again.Repair(); err != nil || r.Changed() || again.d.writes != 0 {
		t.Fatalf("a second Repair = %v, %v, with %d writes; want nothing changed", r, err, again.d.writes)
	}
}

// FuzzMount fuzzes the boot sector and what it points at. Its input is
// a byte choosing an image (the seed volume, a volume of 4096-byte
// sectors, and, where dosfstools and mtools are installed, a volume they
// made and filled), the image's first fuzzBPBBytes bytes, and patches
// (applyPatches) anywhere in its reserved sectors, FATs and first data
// clusters. The volume is mounted read-only and every part of it read,
// then mounted read-write and repaired (checkRepair).
func FuzzMount(f *testing.F) {
	big := NewMemDevice(4096, 70000)
	if err := Format(big, "BIG"); err != nil {
		f.Fatal(err)
	}
	if fsys, err := Mount(big, Options{}); err == nil {
		writeFile(f, fsys, "on big sectors.txt", bytes.Repeat([]byte("x"), 10000))
	}
	images := append([]*MemDevice{seedVolume(), big}, toolImages(f)...)
	places := make([][]patch, len(images))
	for i, dev := range images {
		fsys, err := Mount(dev, Options{ReadOnly: true})
		if err != nil {
			f.Fatal(err)
		}
		places[i] = placesOf(fsys)
		bpb := make([]byte, fuzzBPBBytes)
		dev.readAt(bpb, 0)
		f.Add(append([]byte{byte(i)}, bpb...))
	}
	// A FAT entry that loops, and a root entry pointing past the volume.
	loop := []byte{1, 8, 0, 3, 3, 0, 0, 0}
	wild := []byte{4, 26 + 64, 0, 1, 0xFF, 4, 20 + 64, 0, 1, 0xFF}
	bpb := make([]byte, fuzzBPBBytes)
	images[0].readAt(bpb, 0)
	f.Add(append(append([]byte{0}, bpb...), loop...))
	f.Add(append(append([]byte{0}, bpb...), wild...))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 1+fuzzBPBBytes {
			return
		}
		i := int(in[0]) % len(images)
		dev := images[i].Clone()
		dev.writeAt(in[1:1+fuzzBPBBytes], 0)
		applyPatches(dev, places[i], in[1+fuzzBPBBytes:])
		fsys, err := Mount(dev, Options{ReadOnly: true})
		if err != nil {
			return
		}
		exercise(t, fsys)
		checkRepair(t, dev)
	})
}

// change makes changes of every kind to a volume and checks what can be
// checked on a volume that may be damaged: a change that succeeds while
// the volume stays writable reads back.
func change(t *testing.T, fsys *FS) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 200)
	check := func(name string, want []byte) {
		got, err := readFile(fsys, name)
		if err == nil && !bytes.Equal(got, want) && !fsys.ReadOnly() {
			t.Fatalf("%s reads back %d bytes, not the %d written", name, len(got), len(want))
		}
	}
	if f, err := fsys.OpenFile("A longer name.text", os.O_WRONLY|os.O_APPEND, 0); err == nil {
		f.Write(data)
		f.Close()
	}
	fsys.Truncate("README.TXT", 5000)
	fsys.Truncate("Dir One/sub/deep file", 10)
	fsys.Remove("empty")
	fsys.Rename("Dir One/sub", "moved sub")
	fsys.Rename("README.TXT", "Dir One/readme moved.txt")
	fsys.Mkdir("Dir One/new dir")
	if f, err := fsys.Create("Dir One/new dir/fresh file with a long name"); err == nil {
		if _, err := f.Write(data); err == nil {
			f.Close()
			check("Dir One/new dir/fresh file with a long name", data)
		} else {
			f.Close()
		}
	}
	if f, err := fsys.Create("Dir One/another fresh one"); err == nil {
		_, err := f.Write(data[:700])
		f.Close()
		if err == nil {
			check("Dir One/another fresh one", data[:700])
		}
	}
	fsys.Remove("Dir One/member 3 with a long name")
	fsys.Sync()
}

// FuzzFATChain fuzzes the FAT under the seed volume. Its input is a run
// of 6-byte changes: a little-endian 16-bit entry number (below 1024;
// with the top bit set only the first FAT changes, so that the FATs also
// differ) and a 32-bit value. It repairs a copy of the volume
// (checkRepair), follows the chain from every entry changed, then reads
// and changes the volume.
func FuzzFATChain(f *testing.F) {
	seed := seedVolume()
	fsys, err := Mount(seed, Options{})
	if err != nil {
		f.Fatal(err)
	}
	entry := func(n uint16, v uint32) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint16(nil, n), v)
	}
	f.Add([]byte{})
	f.Add(entry(5, 3))                                       // a loop back into a file's chain
	f.Add(append(entry(4, 0x0FFFFFF0), entry(6, fatBad)...)) // out of range, bad
	f.Add(append(entry(7, 1), entry(0x8003, fatFree)...))    // reserved value; a hole in the first FAT only
	f.Add(entry(2, 2))                                       // the root directory loops on itself
	f.Fuzz(func(t *testing.T, in []byte) {
		dev := seed.Clone()
		var changed []uint32
		for ; len(in) >= 6; in = in[6:] {
			n := binary.LittleEndian.Uint16(in)
			c := uint32(n&0x7FFF) % 1024
			copies := []uint32{0, 1}
			if n&0x8000 != 0 {
				copies = copies[:1]
			}
			for _, i := range copies {
				dev.writeAt(in[2:6], int64(fsys.g.reserved+i*fsys.g.fatSectors)*512+int64(c)*4)
			}
			changed = append(changed, c)
		}
		checkRepair(t, dev.Clone())
		v, err := Mount(dev, Options{})
		if err != nil {
			return
		}
		for _, start := range changed {
			ch, err := v.t.chain(start, v.g.clusters)
			if err != nil {
				continue
			}
			if ch.n == 0 || ch.n > v.g.clusters {
				t.Fatalf("chain from %d has %d clusters", start, ch.n)
			}
			for _, c := range ch.clusters(0) {
				if !v.g.validCluster(c) {
					t.Fatalf("chain from %d holds cluster %d", start, c)
				}
			}
		}
		exercise(t, v)
		change(t, v)
		exercise(t, v)
	})
}

// FuzzDirectory fuzzes the two clusters of a directory of the seed
// volume ("Dir One"): long-name sequences, checksums, deleted and end
// marks, dot entries, attributes, first clusters and sizes. Its input is
// patches (applyPatches) to those 1024 bytes. It repairs a copy of the
// volume (checkRepair), then lists, opens, reads and changes the
// directory, and a name created in it must then be found.
func FuzzDirectory(f *testing.F) {
	seed := seedVolume()
	fsys, err := Mount(seed, Options{})
	if err != nil {
		f.Fatal(err)
	}
	d, ent, err := fsys.lookup("Dir One")
	if err != nil {
		f.Fatal(err)
	}
	sub, err := fsys.subdir(d, ent)
	if err != nil {
		f.Fatal(err)
	}
	var places []patch
	for _, c := range sub.ch.clusters(0)[:2] {
		places = append(places, patch{off: fsys.g.clusterSector(c) * 512, size: 512})
	}
	if len(places) < 2 {
		f.Fatal("Dir One has one cluster, want two or more")
	}
	// slots returns the patches that write whole entries from slot i of
	// the first cluster on.
	slots := func(i int, ents ...[entrySize]byte) []byte {
		var in []byte
		for k, e := range ents {
			off := uint16((i + k) * entrySize)
			in = append(in, 0, byte(off), byte(off>>8), entrySize-1)
			in = append(in, e[:]...)
		}
		return in
	}
	lfn := lfnEntries("A long name that comes in three parts", 0)
	short := newShortEntry(shortName([]byte("ANAMEI~1   ")), attrArchive, 0, testTime)
	f.Add([]byte{})
	f.Add(slots(2, lfn[1], lfn[0], lfn[2], short))                              // parts out of order
	f.Add(slots(2, lfn[0], lfn[1], lfn[2], short))                              // checksum of another name
	f.Add(slots(3, lfn[1], lfn[2], short))                                      // start missing
	f.Add(slots(0, short, short))                                               // no dot entries, a name twice
	f.Add([]byte{0, 0, 1, 0, slotEnd, 0, 64, 0, 0, 'X'})                        // an end mark with entries after it
	f.Add([]byte{1, 26, 0, 1, 0xFF, 0xFF, 1, 28, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF}) // a wild first cluster and size
	f.Fuzz(func(t *testing.T, in []byte) {
		dev := seed.Clone()
		applyPatches(dev, places, in)
		checkRepair(t, dev.Clone())
		v, err := Mount(dev, Options{})
		if err != nil {
			t.Fatalf("the root is intact, yet Mount = %v", err)
		}
		ents, err := v.ReadDir("Dir One")
		if err != nil {
			return
		}
		names := map[string]bool{}
		for _, e := range ents {
			k := fold(e.Name())
			if names[k] || !usableName(e.Name()) {
				t.Fatalf("listing holds %q twice or unusable", e.Name())
			}
			names[k] = true
		}
		exercise(t, v)
		const fresh = "Dir One/A New Entry With A Long Name.txt"
		created := false
		if f, err := v.Create(fresh); err == nil {
			created = f.Close() == nil
		}
		change(t, v)
		if created && !v.ReadOnly() {
			if _, err := v.Stat(fresh); err != nil {
				t.Fatalf("created %q, then Stat = %v", fresh, err)
			}
		}
	})
}

func TestFuzzSeedImagesMountAndHoldFiles(t *testing.T) {
	for i, dev := range append([]*MemDevice{seedVolume()}, toolImages(t)...) {
		fsys, err := Mount(dev, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		tr, err := tree(fsys)
		if err != nil || len(tr) < 4 {
			t.Fatalf("seed %d: tree of %d entries, %v", i, len(tr), err)
		}
	}
}
