package mbr

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The master boot record's layout.
const (
	// SectorSize is the size of the record; partitions are counted in
	// the disk's own sectors.
	SectorSize   = 512
	tableOffset  = 0x1be
	entrySize    = 16
	entries      = 4
	sigOffset    = 0x1fe
	statusActive = 0x80
)

// Partition types of FAT32 volumes.
const (
	TypeFAT32CHS = 0x0b
	TypeFAT32LBA = 0x0c
)

var (
	// ErrNoTable reports a first sector that holds no partition table.
	ErrNoTable = errors.New("no MBR partition table")
	// ErrBadTable reports a partition table with an entry off the disk.
	ErrBadTable = errors.New("bad MBR partition table")
)

// Partition is one used entry of the table.
type Partition struct {
	Index  int  // 1 to 4
	Type   byte // the system ID
	Active bool
	First  int64 // first sector
	Count  int64 // sectors
}

// Parse reads the partition table in sector0, the first sector of a disk
// of diskSectors sectors, and returns its used entries in table order.
func Parse(sector0 []byte, diskSectors int64) ([]Partition, error) {
	if len(sector0) < SectorSize || sector0[sigOffset] != 0x55 || sector0[sigOffset+1] != 0xaa {
		return nil, fmt.Errorf("mbr: no boot signature: %w", ErrNoTable)
	}
	var parts []Partition
	for i := range entries {
		e := sector0[tableOffset+i*entrySize:][:entrySize]
		if e[0] != 0 && e[0] != statusActive {
			return nil, fmt.Errorf("mbr: entry %d: status %#x: %w", i+1, e[0], ErrNoTable)
		}
		p := Partition{
			Index:  i + 1,
			Type:   e[4],
			Active: e[0] == statusActive,
			First:  int64(binary.LittleEndian.Uint32(e[8:])),
			Count:  int64(binary.LittleEndian.Uint32(e[12:])),
		}
		if p.Type == 0 || p.Count == 0 {
			continue
		}
		if p.First == 0 || p.First+p.Count > diskSectors {
			return nil, fmt.Errorf("mbr: partition %d: sectors %d to %d on a disk of %d: %w", p.Index, p.First, p.First+p.Count, diskSectors, ErrBadTable)
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// FAT32 returns the first partition whose type says FAT32.
func FAT32(parts []Partition) (Partition, bool) {
	for _, p := range parts {
		if p.Type == TypeFAT32CHS || p.Type == TypeFAT32LBA {
			return p, true
		}
	}
	return Partition{}, false
}

// Disk reads and writes whole sectors: the methods of drivers/fat's
// Device.
type Disk interface {
	SectorSize() int
	Sectors() int64
	ReadSectors(p []byte, first int64) error
	WriteSectors(p []byte, first int64) error
	Flush() error
}

// View is a partition of a Disk seen as a disk: its sector 0 is the
// partition's first.
type View struct {
	disk Disk
	p    Partition
}

// NewView returns the view of partition p of d, which Parse read from d.
func NewView(d Disk, p Partition) *View { return &View{disk: d, p: p} }

// SectorSize is the disk's.
func (v *View) SectorSize() int { return v.disk.SectorSize() }

// Sectors is the partition's size.
func (v *View) Sectors() int64 { return v.p.Count }

// ReadSectors reads sectors of the partition.
func (v *View) ReadSectors(b []byte, first int64) error {
	if err := v.check(b, first); err != nil {
		return err
	}
	return v.disk.ReadSectors(b, v.p.First+first)
}

// WriteSectors writes sectors of the partition.
func (v *View) WriteSectors(b []byte, first int64) error {
	if err := v.check(b, first); err != nil {
		return err
	}
	return v.disk.WriteSectors(b, v.p.First+first)
}

// Flush flushes the disk.
func (v *View) Flush() error { return v.disk.Flush() }

// errOutOfRange reports an access past the partition's end.
var errOutOfRange = errors.New("sector access out of the partition")

func (v *View) check(b []byte, first int64) error {
	ss := v.disk.SectorSize()
	if ss <= 0 || len(b)%ss != 0 || first < 0 || first > v.p.Count || int64(len(b)/ss) > v.p.Count-first {
		return fmt.Errorf("mbr: partition %d: %d bytes at sector %d of %d: %w", v.p.Index, len(b), first, v.p.Count, errOutOfRange)
	}
	return nil
}
