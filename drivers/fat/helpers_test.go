package fat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// testSectors is the size of most test volumes: a little over the 66,581
// sectors of 512 bytes that the smallest FAT32 volume needs.
const testSectors = 70000

// testClock is the fixed time test volumes stamp.
var testTime = time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)

func testOptions() Options {
	return Options{Clock: func() time.Time { return testTime }, Location: time.UTC}
}

// newVolume formats a fresh in-memory volume and mounts it.
func newVolume(t testing.TB) (*MemDevice, *FS) {
	t.Helper()
	dev := NewMemDevice(512, testSectors)
	if err := FormatWith(dev, FormatOptions{Label: "TEST", VolumeID: 0x12345678, Clock: func() time.Time { return testTime }}); err != nil {
		t.Fatal(err)
	}
	return dev, mount(t, dev)
}

func mount(t testing.TB, dev Device) *FS {
	t.Helper()
	fsys, err := Mount(dev, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func writeFile(t testing.TB, fsys *FS, name string, data []byte) {
	t.Helper()
	f, err := fsys.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readFile(fsys *FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func mustRead(t testing.TB, fsys *FS, name string) []byte {
	t.Helper()
	b, err := readFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tree returns every file's contents and every directory (as nil) under
// the root, by slash-separated path.
func tree(fsys *FS) (map[string][]byte, error) {
	out := make(map[string][]byte)
	var walk func(dir string) error
	walk = func(dir string) error {
		ents, err := fsys.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range ents {
			p := path.Join(dir, e.Name())
			if e.IsDir() {
				out[p+"/"] = nil
				if err := walk(p); err != nil {
					return err
				}
				continue
			}
			b, err := readFile(fsys, p)
			if err != nil {
				return err
			}
			out[p] = b
		}
		return nil
	}
	return out, walk(".")
}

// sameTree reports how two trees differ, "" if they do not.
func sameTree(got, want map[string][]byte) string {
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			return "missing " + k
		case !wok:
			return "unexpected " + k
		case !bytes.Equal(g, w):
			return "contents differ: " + k
		}
	}
	return ""
}

// saveImage writes a memory device to a sparse file in dir.
func saveImage(t testing.TB, dev *MemDevice, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "fat.img")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dev.mu.Lock()
	defer dev.mu.Unlock()
	if err := f.Truncate(dev.sectors * int64(dev.sectorSize)); err != nil {
		t.Fatal(err)
	}
	for off, chunk := range dev.chunks {
		if _, err := f.WriteAt(chunk, off*memChunk); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// loadImage reads an image file into a memory device.
func loadImage(t testing.TB, name string, sectorSize int) *MemDevice {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dev := NewMemDevice(sectorSize, int64(len(b)/sectorSize))
	if err := dev.WriteSectors(b[:len(b)/sectorSize*sectorSize], 0); err != nil {
		t.Fatal(err)
	}
	return dev
}

func isErr(err, target error) bool { return errors.Is(err, target) }

var _ fs.FileInfo = (*fileInfo)(nil)

// sameImage reports whether two devices hold the same bytes.
func sameImage(a, b *MemDevice) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if a.sectors != b.sectors || a.sectorSize != b.sectorSize {
		return false
	}
	zero := make([]byte, memChunk)
	chunk := func(d *MemDevice, k int64) []byte {
		if c := d.chunks[k]; c != nil {
			return c
		}
		return zero
	}
	for k := range a.chunks {
		if !bytes.Equal(chunk(a, k), chunk(b, k)) {
			return false
		}
	}
	for k := range b.chunks {
		if !bytes.Equal(chunk(a, k), chunk(b, k)) {
			return false
		}
	}
	return true
}

// fat1 returns FAT[1] as FAT number i holds it.
func fat1(dev *MemDevice, g *geometry, i int) uint32 {
	b := make([]byte, g.sectorSize)
	dev.ReadSectors(b, int64(g.reserved)+int64(i)*int64(g.fatSectors))
	return binary.LittleEndian.Uint32(b[4:])
}
