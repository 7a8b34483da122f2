package diskimg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"clk/drivers/fat"
)

// SectorSize is the sector size the loader and the image assume.
const SectorSize = 512

// Stage 1's sector (image/boot/stage1.asm).
const (
	stage1DAP      = 0x1a8 // its disk address packet (EDD 3.0): size 16
	dapCount       = 2     // u16: sectors to read
	dapLBA         = 8     // u64: first sector
	diskSigOffset  = 0x1b8 // MBR disk signature
	partTable      = 0x1be // four 16-byte partition entries
	bootSigOffset  = 0x1fe // 0x55, 0xAA
	partEntrySize  = 16
	partActive     = 0x80
	partTypeBoot   = 0xda // "non-FS data": nothing should mount it
	partTypeFAT32  = 0x0c // FAT32, LBA-addressed
	chsUnusedFirst = 0xfe // CHS 1023/254/63: "use the LBA fields"
)

// Stage 2's header (image/boot/stage2.asm).
const (
	stage2Magic       = "CLK2"
	stage2MagicOffset = 4
	stage2KernelLBA   = 8
	stage2KernelBytes = 12
	stage2InitrdLBA   = 16
	stage2InitrdBytes = 20
	stage2Cmdline     = 24
	stage2CmdlineMax  = 256 // NUL included
	// Stage2Max is the largest stage 2: it is loaded at 0x8000 and the
	// kernel's ELF headers are read to 0xC000.
	Stage2Max = 0x4000
	// stage2Sectors are kept for stage 2 after the boot partition's
	// first sector, whatever its size.
	stage2Sectors = Stage2Max / SectorSize
)

const (
	mib         = 1 << 20
	partAlign   = mib / SectorSize // partitions start on 1 MiB boundaries
	fileAlign   = 4096 / SectorSize
	maxSector32 = 1<<32 - 1
	// DiskSignature is the MBR's disk signature ("clk1").
	DiskSignature = 0x316b6c63
	// VolumeID is the data volume's serial number.
	VolumeID = 0x00c1c000
	// VolumeLabel is the data volume's label.
	VolumeLabel = "CLK"
	// DefaultDataMiB is the data partition's default size: like
	// build/disk.img, a FAT32 volume of 4 KiB clusters (the size
	// fat.FormatWith picks for it).
	DefaultDataMiB = 512
)

// volumeClock stamps the data volume's label entry: the first day FAT
// dates can hold.
var volumeClock = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrInput reports inputs the image cannot be made of; the error says
// which and why.
var ErrInput = errors.New("bad input")

// Config is what goes into an image.
type Config struct {
	Stage1  []byte // stage 1, one 512-byte sector (nasm output)
	Stage2  []byte // stage 2, at most Stage2Max bytes
	Kernel  []byte // the kernel ELF
	Initrd  []byte // the initrd (newc cpio); may be empty
	Cmdline string // the kernel's command line, at most 255 bytes
	DataMiB int    // the data partition's size; 0 means DefaultDataMiB
}

// Extent is a run of sectors on the image.
type Extent struct {
	LBA     uint32 // first sector
	Sectors uint32
}

// Layout says where each part of an image goes.
type Layout struct {
	Boot   Extent // the boot partition
	Stage2 Extent
	Kernel Extent
	Initrd Extent // Sectors 0 when there is no initrd
	Data   Extent // the data partition
	Total  uint32 // the image's size in sectors
}

// Plan checks c and places its parts.
func Plan(c Config) (Layout, error) {
	if len(c.Stage1) != SectorSize || c.Stage1[bootSigOffset] != 0x55 || c.Stage1[bootSigOffset+1] != 0xaa {
		return Layout{}, fmt.Errorf("stage 1: %d bytes, want one boot sector of %d ending in 55 AA: %w", len(c.Stage1), SectorSize, ErrInput)
	}
	if c.Stage1[stage1DAP] != 16 {
		return Layout{}, fmt.Errorf("stage 1: no disk address packet at %#x: %w", stage1DAP, ErrInput)
	}
	if len(c.Stage2) > Stage2Max || len(c.Stage2) < stage2Cmdline+stage2CmdlineMax ||
		string(c.Stage2[stage2MagicOffset:stage2MagicOffset+4]) != stage2Magic {
		return Layout{}, fmt.Errorf("stage 2: %d bytes, want at most %d with the %q header: %w", len(c.Stage2), Stage2Max, stage2Magic, ErrInput)
	}
	if len(c.Kernel) == 0 {
		return Layout{}, fmt.Errorf("kernel: empty: %w", ErrInput)
	}
	if len(c.Cmdline) >= stage2CmdlineMax || bytes.IndexByte([]byte(c.Cmdline), 0) >= 0 {
		return Layout{}, fmt.Errorf("command line: %d bytes, want at most %d and no NUL: %w", len(c.Cmdline), stage2CmdlineMax-1, ErrInput)
	}
	dataMiB := c.DataMiB
	if dataMiB == 0 {
		dataMiB = DefaultDataMiB
	}
	var l Layout
	l.Boot.LBA = partAlign
	l.Stage2 = Extent{l.Boot.LBA + 1, sectors(int64(len(c.Stage2)))}
	l.Kernel = Extent{align(l.Stage2.LBA+stage2Sectors, fileAlign), sectors(int64(len(c.Kernel)))}
	next := uint64(align(l.Kernel.LBA+l.Kernel.Sectors, fileAlign))
	if len(c.Initrd) > 0 {
		l.Initrd = Extent{uint32(next), sectors(int64(len(c.Initrd)))}
		next = uint64(l.Initrd.LBA) + uint64(l.Initrd.Sectors)
	}
	// The sizes the loader reads are 32-bit byte counts and the
	// partition table holds 32-bit sectors.
	if uint64(len(c.Kernel)) > maxSector32 || uint64(len(c.Initrd)) > maxSector32 {
		return Layout{}, fmt.Errorf("kernel of %d bytes, initrd of %d: each must be under 4 GiB: %w", len(c.Kernel), len(c.Initrd), ErrInput)
	}
	next = (next + partAlign - 1) / partAlign * partAlign
	l.Boot.Sectors = uint32(next) - l.Boot.LBA
	data := uint64(dataMiB) * mib / SectorSize
	if dataMiB < 0 || next+data > maxSector32 {
		return Layout{}, fmt.Errorf("data partition of %d MiB: %w", dataMiB, ErrInput)
	}
	l.Data = Extent{uint32(next), uint32(data)}
	l.Total = uint32(next + data)
	return l, nil
}

func sectors(n int64) uint32 { return uint32((n + SectorSize - 1) / SectorSize) }

func align(lba, to uint32) uint32 { return (lba + to - 1) / to * to }

// File is where Write puts an image: an *os.File.
type File interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
}

// Write plans the image of c and writes it to f, which should be empty:
// only the sectors that hold something are written, and f is then sized
// to the whole image.
func Write(f File, c Config) (Layout, error) {
	l, err := Plan(c)
	if err != nil {
		return Layout{}, err
	}
	if err := f.Truncate(int64(l.Total) * SectorSize); err != nil {
		return Layout{}, fmt.Errorf("size the image: %w", err)
	}
	mbr := bootSector(c.Stage1, l)
	binary.LittleEndian.PutUint32(mbr[diskSigOffset:], DiskSignature)
	putPartition(mbr[partTable:], partActive, partTypeBoot, l.Boot)
	putPartition(mbr[partTable+partEntrySize:], 0, partTypeFAT32, l.Data)
	stage2 := stage2Image(c, l)
	writes := []struct {
		what string
		b    []byte
		lba  uint32
	}{
		{"master boot record", mbr, 0},
		{"boot partition's first sector", bootSector(c.Stage1, l), l.Boot.LBA},
		{"stage 2", stage2, l.Stage2.LBA},
		{"kernel", c.Kernel, l.Kernel.LBA},
		{"initrd", c.Initrd, l.Initrd.LBA},
	}
	for _, w := range writes {
		if len(w.b) == 0 {
			continue
		}
		if _, err := f.WriteAt(w.b, int64(w.lba)*SectorSize); err != nil {
			return Layout{}, fmt.Errorf("write the %s: %w", w.what, err)
		}
	}
	dev := &partition{f: f, first: int64(l.Data.LBA), sectors: int64(l.Data.Sectors)}
	err = fat.FormatWith(dev, fat.FormatOptions{
		Label:    VolumeLabel,
		VolumeID: VolumeID,
		Clock:    func() time.Time { return volumeClock },
	})
	if err != nil {
		return Layout{}, fmt.Errorf("data partition: %w", err)
	}
	return l, nil
}

// bootSector is stage 1 with its disk address packet pointing at stage 2
// and no partition table.
func bootSector(stage1 []byte, l Layout) []byte {
	b := bytes.Clone(stage1)
	dap := b[stage1DAP:]
	binary.LittleEndian.PutUint16(dap[dapCount:], uint16(l.Stage2.Sectors))
	binary.LittleEndian.PutUint64(dap[dapLBA:], uint64(l.Stage2.LBA))
	return b
}

// stage2Image is stage 2 with its header filled in.
func stage2Image(c Config, l Layout) []byte {
	b := bytes.Clone(c.Stage2)
	le := binary.LittleEndian
	le.PutUint32(b[stage2KernelLBA:], l.Kernel.LBA)
	le.PutUint32(b[stage2KernelBytes:], uint32(len(c.Kernel)))
	le.PutUint32(b[stage2InitrdLBA:], l.Initrd.LBA)
	le.PutUint32(b[stage2InitrdBytes:], uint32(len(c.Initrd)))
	cmd := b[stage2Cmdline : stage2Cmdline+stage2CmdlineMax]
	clear(cmd)
	copy(cmd, c.Cmdline)
	return b
}

// putPartition writes an MBR partition entry that gives the extent by LBA
// only, its CHS fields saying so.
func putPartition(e []byte, status, typ byte, x Extent) {
	e[0] = status
	copy(e[1:4], []byte{chsUnusedFirst, 0xff, 0xff})
	e[4] = typ
	copy(e[5:8], []byte{chsUnusedFirst, 0xff, 0xff})
	binary.LittleEndian.PutUint32(e[8:], x.LBA)
	binary.LittleEndian.PutUint32(e[12:], x.Sectors)
}

// partition is a fat.Device over a partition of the image.
type partition struct {
	f              File
	first, sectors int64
}

func (p *partition) SectorSize() int { return SectorSize }
func (p *partition) Sectors() int64  { return p.sectors }
func (p *partition) Flush() error    { return nil }

func (p *partition) ReadSectors(b []byte, first int64) error {
	if err := p.check(b, first); err != nil {
		return err
	}
	if _, err := p.f.ReadAt(b, (p.first+first)*SectorSize); err != nil {
		return fmt.Errorf("data partition: read sector %d: %w", first, err)
	}
	return nil
}

func (p *partition) WriteSectors(b []byte, first int64) error {
	if err := p.check(b, first); err != nil {
		return err
	}
	if _, err := p.f.WriteAt(b, (p.first+first)*SectorSize); err != nil {
		return fmt.Errorf("data partition: write sector %d: %w", first, err)
	}
	return nil
}

func (p *partition) check(b []byte, first int64) error {
	if len(b)%SectorSize != 0 || first < 0 || first+int64(len(b)/SectorSize) > p.sectors {
		return fmt.Errorf("data partition: %d bytes at sector %d of %d", len(b), first, p.sectors)
	}
	return nil
}
