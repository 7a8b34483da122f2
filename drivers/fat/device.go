package fat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Device is the block device under the file system: it reads and writes
// whole sectors. Sizes and counts are in sectors; len(p) is always a
// multiple of SectorSize. Devices must be safe for use by one goroutine at
// a time; the file system never calls one concurrently.
type Device interface {
	// SectorSize is the size of a sector in bytes: a power of two from
	// 512 to 4096.
	SectorSize() int
	// Sectors is the number of sectors on the device.
	Sectors() int64
	// ReadSectors fills p from the sectors starting at first.
	ReadSectors(p []byte, first int64) error
	// WriteSectors writes p to the sectors starting at first.
	WriteSectors(p []byte, first int64) error
	// Flush makes every earlier write durable.
	Flush() error
}

// errOutOfRange reports a device access outside the device or not in
// whole sectors, which the file system never asks for.
var errOutOfRange = errors.New("sector access out of range")

// validSectorSize reports whether n is a sector size the package handles.
func validSectorSize(n int) bool {
	return n >= 512 && n <= 4096 && n&(n-1) == 0
}

// checkAccess reports whether len(p) bytes at sector first lie on a
// device of n sectors of size bytes, in whole sectors.
func checkAccess(p []byte, first int64, size int, n int64) error {
	if len(p)%size != 0 || first < 0 || first > n || int64(len(p)/size) > n-first {
		return fmt.Errorf("%d bytes at sector %d of %d: %w", len(p), first, n, errOutOfRange)
	}
	return nil
}

// memChunk is the unit in which a MemDevice holds its bytes. Chunks never
// written, or only ever written with zeros, take no memory, so that the
// 32 MiB and larger volumes FAT32 needs cost only what is on them.
const memChunk = 4096

// MemDevice is a Device in memory, sparse: it holds only the chunks that
// have been written with something other than zeros. It is for tests and
// for volumes built in memory.
type MemDevice struct {
	mu         sync.Mutex
	sectorSize int
	sectors    int64
	chunks     map[int64][]byte // by byte offset / memChunk
}

// NewMemDevice returns a zeroed device of sectors sectors of sectorSize
// bytes. It panics if sectorSize is not a power of two from 512 to 4096 or
// sectors is negative: those are the caller's mistakes, not input.
func NewMemDevice(sectorSize int, sectors int64) *MemDevice {
	if !validSectorSize(sectorSize) || sectors < 0 {
		panic(fmt.Sprintf("fat: NewMemDevice(%d, %d): bad geometry", sectorSize, sectors))
	}
	return &MemDevice{sectorSize: sectorSize, sectors: sectors, chunks: make(map[int64][]byte)}
}

// SectorSize implements Device.
func (d *MemDevice) SectorSize() int { return d.sectorSize }

// Sectors implements Device.
func (d *MemDevice) Sectors() int64 { return d.sectors }

// ReadSectors implements Device.
func (d *MemDevice) ReadSectors(p []byte, first int64) error {
	if err := checkAccess(p, first, d.sectorSize, d.sectors); err != nil {
		return fmt.Errorf("memory device read: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.readAt(p, first*int64(d.sectorSize))
	return nil
}

// WriteSectors implements Device.
func (d *MemDevice) WriteSectors(p []byte, first int64) error {
	if err := checkAccess(p, first, d.sectorSize, d.sectors); err != nil {
		return fmt.Errorf("memory device write: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeAt(p, first*int64(d.sectorSize))
	return nil
}

// Flush implements Device; memory is as durable as it gets.
func (d *MemDevice) Flush() error { return nil }

// Clone returns an independent copy of the device.
func (d *MemDevice) Clone() *MemDevice {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := NewMemDevice(d.sectorSize, d.sectors)
	for k, v := range d.chunks {
		c.chunks[k] = append([]byte(nil), v...)
	}
	return c
}

// WriteTo writes the whole device, zeros included, to w.
func (d *MemDevice) WriteTo(w io.Writer) (int64, error) {
	buf := make([]byte, 64*memChunk)
	total := d.sectors * int64(d.sectorSize)
	var n int64
	for n < total {
		m := min(int64(len(buf)), total-n)
		d.mu.Lock()
		d.readAt(buf[:m], n)
		d.mu.Unlock()
		k, err := w.Write(buf[:m])
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Preconditions: d.mu is held; the range lies on the device.
func (d *MemDevice) readAt(p []byte, off int64) {
	for len(p) > 0 {
		c, in := off/memChunk, int(off%memChunk)
		n := min(len(p), memChunk-in)
		if chunk := d.chunks[c]; chunk != nil {
			copy(p[:n], chunk[in:])
		} else {
			clear(p[:n])
		}
		p, off = p[n:], off+int64(n)
	}
}

// Preconditions: d.mu is held; the range lies on the device.
func (d *MemDevice) writeAt(p []byte, off int64) {
	for len(p) > 0 {
		c, in := off/memChunk, int(off%memChunk)
		n := min(len(p), memChunk-in)
		chunk := d.chunks[c]
		if chunk == nil {
			if isZero(p[:n]) {
				p, off = p[n:], off+int64(n)
				continue
			}
			chunk = make([]byte, memChunk)
			d.chunks[c] = chunk
		}
		copy(chunk[in:], p[:n])
		p, off = p[n:], off+int64(n)
	}
}

func isZero(p []byte) bool {
	for _, b := range p {
		if b != 0 {
			return false
		}
	}
	return true
}

// FileDevice is a Device over a file or a host block device.
type FileDevice struct {
	f          *os.File
	sectorSize int
	sectors    int64
}

// NewFileDevice makes a Device of f with sectors of sectorSize bytes. The
// device has as many whole sectors as the file's current size holds. It
// does not take ownership of f: closing f is the caller's.
func NewFileDevice(f *os.File, sectorSize int) (*FileDevice, error) {
	if !validSectorSize(sectorSize) {
		return nil, fmt.Errorf("file device %s: sector size %d is not a power of two from 512 to 4096", f.Name(), sectorSize)
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("file device %s: size: %w", f.Name(), err)
	}
	return &FileDevice{f: f, sectorSize: sectorSize, sectors: size / int64(sectorSize)}, nil
}

// SectorSize implements Device.
func (d *FileDevice) SectorSize() int { return d.sectorSize }

// Sectors implements Device.
func (d *FileDevice) Sectors() int64 { return d.sectors }

// ReadSectors implements Device.
func (d *FileDevice) ReadSectors(p []byte, first int64) error {
	if err := checkAccess(p, first, d.sectorSize, d.sectors); err != nil {
		return fmt.Errorf("file device %s read: %w", d.f.Name(), err)
	}
	if _, err := d.f.ReadAt(p, first*int64(d.sectorSize)); err != nil {
		return fmt.Errorf("file device read: %w", err)
	}
	return nil
}

// WriteSectors implements Device.
func (d *FileDevice) WriteSectors(p []byte, first int64) error {
	if err := checkAccess(p, first, d.sectorSize, d.sectors); err != nil {
		return fmt.Errorf("file device %s write: %w", d.f.Name(), err)
	}
	if _, err := d.f.WriteAt(p, first*int64(d.sectorSize)); err != nil {
		return fmt.Errorf("file device write: %w", err)
	}
	return nil
}

// Flush implements Device with the file's Sync.
func (d *FileDevice) Flush() error {
	if err := d.f.Sync(); err != nil {
		return fmt.Errorf("file device flush: %w", err)
	}
	return nil
}
