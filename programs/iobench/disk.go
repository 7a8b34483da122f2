package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// fileName is the file the disk figures write and read, in disk.dir.
const fileName = "iobench.dat"

// chunkHeader is the size of the chunk number each chunk of the file
// starts with, so that a chunk read from the wrong place shows.
const chunkHeader = 8

// disk measures a sequential write and read of one file.
type disk struct {
	dir   string
	size  int64 // bytes in the file
	chunk int   // bytes per write and per read
	// dropCache runs between the write and the read, so that the read
	// comes from the device rather than from memory.
	dropCache func() error

	pattern []byte // what follows every chunk's number
}

func (d *disk) path() string { return filepath.Join(d.dir, fileName) }

// fill writes into b the content of chunk i: its number, then the pattern.
func (d *disk) fill(b []byte, i int64) {
	if d.pattern == nil {
		d.pattern = makePattern(d.chunk)
	}
	var head [chunkHeader]byte
	binary.LittleEndian.PutUint64(head[:], uint64(i))
	n := copy(b, head[:])
	copy(b[n:], d.pattern[n:])
}

// makePattern returns n bytes that compress poorly: an xorshift sequence.
func makePattern(n int) []byte {
	b := make([]byte, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 32)
	}
	return b
}

// write creates the file, writes it chunk by chunk, syncs and closes it,
// and returns the time from the open to the close.
func (d *disk) write() (time.Duration, error) {
	buf := make([]byte, d.chunk)
	start := time.Now()
	f, err := os.OpenFile(d.path(), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	for i, off := int64(0), int64(0); off < d.size; i, off = i+1, off+int64(d.chunk) {
		b := buf[:min(int64(d.chunk), d.size-off)]
		d.fill(b, i)
		if _, err := f.Write(b); err != nil {
			f.Close()
			return 0, fmt.Errorf("write at %d: %w", off, err)
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, fmt.Errorf("sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// read drops the cache, then reads the file back chunk by chunk, checks
// every byte and its size, and returns the time from the open to the
// close.
func (d *disk) read() (time.Duration, error) {
	if err := d.dropCache(); err != nil {
		return 0, fmt.Errorf("drop the cache: %w", err)
	}
	buf := make([]byte, d.chunk)
	want := make([]byte, d.chunk)
	start := time.Now()
	f, err := os.Open(d.path())
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var off int64
	for i := int64(0); ; i++ {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			d.fill(want[:n], i)
			if !bytes.Equal(buf[:n], want[:n]) {
				return 0, fmt.Errorf("chunk %d at %d: wrong content", i, off)
			}
			off += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read at %d: %w", off, err)
		}
	}
	if off != d.size {
		return 0, fmt.Errorf("read %d bytes, wrote %d", off, d.size)
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
