package fat

import (
	"fmt"
	"io"
	"testing"
)

// benchFileBytes is the file the sequential benchmarks write and read, in
// benchChunk writes or reads.
const (
	benchFileBytes = 8 << 20
	benchChunk     = 64 << 10
)

// benchVolume is a 256 MiB volume in memory: 4 KiB clusters, as Format
// picks for that size.
func benchVolume(b *testing.B) *FS {
	dev := NewMemDevice(512, 1<<19)
	if err := Format(dev, ""); err != nil {
		b.Fatal(err)
	}
	fsys, err := Mount(dev, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return fsys
}

func BenchmarkSequentialWrite(b *testing.B) {
	fsys := benchVolume(b)
	chunk := make([]byte, benchChunk)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	b.SetBytes(benchFileBytes)
	for b.Loop() {
		f, err := fsys.Create("seq")
		if err != nil {
			b.Fatal(err)
		}
		for range benchFileBytes / benchChunk {
			if _, err := f.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

func BenchmarkSequentialRead(b *testing.B) {
	fsys := benchVolume(b)
	f, _ := fsys.Create("seq")
	chunk := make([]byte, benchChunk)
	for range benchFileBytes / benchChunk {
		f.Write(chunk)
	}
	f.Close()
	b.SetBytes(benchFileBytes)
	for b.Loop() {
		f, err := fsys.Open("seq")
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := f.Read(chunk)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

func BenchmarkCreateInALargeDirectory(b *testing.B) {
	fsys := benchVolume(b)
	fsys.Mkdir("d")
	for i := range 2000 {
		f, _ := fsys.Create(fmt.Sprintf("d/existing file %d", i))
		f.Close()
	}
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("d/new file %d", i)
		f, err := fsys.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
		fsys.Remove(name)
		i++
	}
}
