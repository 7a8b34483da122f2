package fat

import (
	"encoding/binary"
	"fmt"
)

// Boot sector fields (fatgen103, "Boot Sector and BPB": the BPB common to
// all FAT types, then the FAT32 extension from offset 36). Offsets are in
// bytes from the start of sector 0.
const (
	bsJmpBoot     = 0  // 3 bytes: a jump over the BPB
	bsOEMName     = 3  // 8 bytes
	bpbBytsPerSec = 11 // uint16
	bpbSecPerClus = 13 // uint8
	bpbRsvdSecCnt = 14 // uint16
	bpbNumFATs    = 16 // uint8
	bpbRootEntCnt = 17 // uint16, 0 on FAT32
	bpbTotSec16   = 19 // uint16, 0 on FAT32
	bpbMedia      = 21 // uint8
	bpbFATSz16    = 22 // uint16, 0 on FAT32
	bpbSecPerTrk  = 24 // uint16
	bpbNumHeads   = 26 // uint16
	bpbHiddSec    = 28 // uint32
	bpbTotSec32   = 32 // uint32
	bpbFATSz32    = 36 // uint32
	bpbExtFlags   = 40 // uint16
	bpbFSVer      = 42 // uint16
	bpbRootClus   = 44 // uint32
	bpbFSInfo     = 48 // uint16
	bpbBkBootSec  = 50 // uint16
	bsDrvNum      = 64 // uint8
	bsBootSig     = 66 // uint8, 0x29 when the next three fields are valid
	bsVolID       = 67 // uint32
	bsVolLab      = 71 // 11 bytes
	bsFilSysType  = 82 // 8 bytes
	bsBootCode    = 90 // where the boot code starts on FAT32
	bsSignature   = 510
)

// Values in the boot sector (fatgen103, "Boot Sector and BPB").
const (
	bootSignature0 = 0x55 // byte 510 of sector 0, whatever the sector size
	bootSignature1 = 0xAA // byte 511
	extBootSig     = 0x29 // BS_BootSig: volume ID, label and type follow

	// BPB_ExtFlags: bit 7 set means only the FAT numbered in bits 0-3 is
	// active; clear means every FAT mirrors the first.
	extFlagsNoMirror  = 0x80
	extFlagsActiveFAT = 0x0F
)

// FAT type determination (fatgen103, "FAT Type Determination"): the type
// follows from the count of data clusters alone. Fewer than 65,525 is
// FAT12 or FAT16.
const (
	minFAT32Clusters = 65525
	// maxFAT32Clusters keeps cluster numbers below 0x0FFFFFF7, the bad
	// cluster mark, with clusters 0 and 1 reserved.
	maxFAT32Clusters = 0x0FFFFFF5
)

// FSInfo sector fields and signatures (fatgen103, "FAT32 FSInfo Sector
// Structure and Backup Boot Sector").
const (
	fsiLeadSig    = 0   // uint32
	fsiStrucSig   = 484 // uint32
	fsiFreeCount  = 488 // uint32, 0xFFFFFFFF when unknown
	fsiNxtFree    = 492 // uint32, 0xFFFFFFFF when unknown
	fsiTrailSig   = 508 // uint32
	fsiLeadValue  = 0x41615252
	fsiStrucValue = 0x61417272
	fsiTrailValue = 0xAA550000
	fsiUnknown    = 0xFFFFFFFF
)

// geometry is what the boot sector says about where things are. Once
// parseBootSector accepts it, every region lies on the device and the FAT
// has an entry for every cluster.
type geometry struct {
	sectorSize     int    // bytes per sector
	clusterSectors int    // sectors per cluster
	clusterSize    int    // bytes per cluster
	reserved       uint32 // sectors before the first FAT
	numFATs        int
	fatSectors     uint32 // sectors per FAT
	totalSectors   uint32
	dataStart      uint32 // sector of cluster 2
	clusters       uint32 // data clusters: cluster numbers run from 2 to clusters+1
	rootCluster    uint32
	fsInfo         uint32 // FSInfo sector, 0 if none
	backupBoot     uint32 // backup boot sector, 0 if none
	fats           []int  // the FATs written, the first of them read
	label          [11]byte
	volumeID       uint32
}

// validCluster reports whether c numbers a data cluster.
func (g *geometry) validCluster(c uint32) bool {
	return c >= 2 && c-2 < g.clusters
}

// clusterSector returns the first sector of data cluster c.
//
// Preconditions: g.validCluster(c).
func (g *geometry) clusterSector(c uint32) int64 {
	return int64(g.dataStart) + int64(c-2)*int64(g.clusterSectors)
}

// bootError is a boot sector Mount refuses.
func bootError(cause error, format string, args ...any) error {
	return fmt.Errorf("boot sector: %s: %w", fmt.Sprintf(format, args...), cause)
}

// parseBootSector checks sector 0 of a device of devSectors sectors of
// devSectorSize bytes and returns its geometry. Anything that would put a
// region off the device, or make the FAT too small for the clusters it
// maps, is ErrCorrupt; FAT12, FAT16 and unknown versions are
// ErrUnsupported.
func parseBootSector(b []byte, devSectorSize int, devSectors int64) (geometry, error) {
	var g geometry
	le := binary.LittleEndian
	if len(b) < 512 {
		return g, bootError(ErrCorrupt, "%d bytes, want at least 512", len(b))
	}
	if b[bsSignature] != bootSignature0 || b[bsSignature+1] != bootSignature1 {
		return g, bootError(ErrCorrupt, "no 0x55 0xAA signature at byte 510")
	}
	if j := b[bsJmpBoot]; j != 0xEB && j != 0xE9 {
		return g, bootError(ErrCorrupt, "first byte %#x is not a jump instruction", j)
	}
	g.sectorSize = int(le.Uint16(b[bpbBytsPerSec:]))
	if !validSectorSize(g.sectorSize) {
		return g, bootError(ErrCorrupt, "bytes per sector %d is not a power of two from 512 to 4096", g.sectorSize)
	}
	if g.sectorSize != devSectorSize {
		return g, bootError(ErrCorrupt, "bytes per sector %d, but the device's sectors are %d bytes", g.sectorSize, devSectorSize)
	}
	g.clusterSectors = int(b[bpbSecPerClus])
	if g.clusterSectors == 0 || g.clusterSectors&(g.clusterSectors-1) != 0 {
		return g, bootError(ErrCorrupt, "sectors per cluster %d is not a power of two", g.clusterSectors)
	}
	g.clusterSize = g.clusterSectors * g.sectorSize
	// fatgen103 caps clusters at 32 KiB; 64 KiB ones exist and work with
	// most systems, so they are read too.
	if g.clusterSize > 64<<10 {
		return g, bootError(ErrCorrupt, "clusters of %d bytes, more than 64 KiB", g.clusterSize)
	}
	g.reserved = uint32(le.Uint16(b[bpbRsvdSecCnt:]))
	if g.reserved == 0 {
		return g, bootError(ErrCorrupt, "no reserved sectors")
	}
	g.numFATs = int(b[bpbNumFATs])
	if g.numFATs < 1 || g.numFATs > 2 {
		return g, bootError(ErrCorrupt, "%d FATs, want 1 or 2", g.numFATs)
	}
	if fatSz16 := le.Uint16(b[bpbFATSz16:]); fatSz16 != 0 {
		return g, bootError(ErrUnsupported, "a 16-bit FAT size (%d sectors) marks FAT12 or FAT16", fatSz16)
	}
	if n := le.Uint16(b[bpbRootEntCnt:]); n != 0 {
		return g, bootError(ErrUnsupported, "a fixed root directory of %d entries marks FAT12 or FAT16", n)
	}
	if m := b[bpbMedia]; m != 0xF0 && m < 0xF8 {
		return g, bootError(ErrCorrupt, "media byte %#x is not 0xF0 or 0xF8-0xFF", m)
	}
	if v := le.Uint16(b[bpbFSVer:]); v != 0 {
		return g, bootError(ErrUnsupported, "FAT32 version %d.%d, only 0.0 is defined", v>>8, v&0xFF)
	}
	total := uint32(le.Uint16(b[bpbTotSec16:]))
	if total == 0 {
		total = le.Uint32(b[bpbTotSec32:])
	}
	if int64(total) > devSectors {
		return g, bootError(ErrCorrupt, "%d sectors, but the device has %d", total, devSectors)
	}
	g.totalSectors = total
	g.fatSectors = le.Uint32(b[bpbFATSz32:])
	if g.fatSectors == 0 {
		return g, bootError(ErrCorrupt, "FAT size is zero")
	}
	dataStart := uint64(g.reserved) + uint64(g.numFATs)*uint64(g.fatSectors)
	if dataStart >= uint64(total) {
		return g, bootError(ErrCorrupt, "the FATs end at sector %d, past the volume's %d sectors", dataStart, total)
	}
	g.dataStart = uint32(dataStart)
	clusters := (uint64(total) - dataStart) / uint64(g.clusterSectors)
	if clusters < minFAT32Clusters {
		return g, bootError(ErrUnsupported, "%d data clusters make FAT12 or FAT16, not FAT32", clusters)
	}
	if clusters > maxFAT32Clusters {
		return g, bootError(ErrCorrupt, "%d data clusters, more than FAT32 numbers", clusters)
	}
	if entries := uint64(g.fatSectors) * uint64(g.sectorSize) / 4; entries < clusters+2 {
		return g, bootError(ErrCorrupt, "a FAT of %d sectors maps %d clusters, the volume has %d", g.fatSectors, entries-min(entries, 2), clusters)
	}
	g.clusters = uint32(clusters)
	g.rootCluster = le.Uint32(b[bpbRootClus:])
	if !g.validCluster(g.rootCluster) {
		return g, bootError(ErrCorrupt, "root directory cluster %d is not a data cluster", g.rootCluster)
	}
	ext := le.Uint16(b[bpbExtFlags:])
	if ext&extFlagsNoMirror != 0 {
		active := int(ext & extFlagsActiveFAT)
		if active >= g.numFATs {
			return g, bootError(ErrCorrupt, "active FAT %d of %d", active, g.numFATs)
		}
		g.fats = []int{active}
	} else {
		for i := range g.numFATs {
			g.fats = append(g.fats, i)
		}
	}
	if s := uint32(le.Uint16(b[bpbFSInfo:])); s != 0 && s < g.reserved {
		g.fsInfo = s
	}
	if s := uint32(le.Uint16(b[bpbBkBootSec:])); s != 0 && s < g.reserved {
		g.backupBoot = s
	}
	if b[bsBootSig] == extBootSig {
		copy(g.label[:], b[bsVolLab:bsVolLab+11])
		g.volumeID = le.Uint32(b[bsVolID:])
	} else {
		copy(g.label[:], noName)
	}
	return g, nil
}

// noName is the label of a volume without one (fatgen103, "Boot Sector
// and BPB", BS_VolLab).
const noName = "NO NAME    "

// fsInfo is the FSInfo sector's content, if its signatures hold.
type fsInfo struct {
	free, next uint32
}

// parseFSInfo reads the FSInfo sector's hints. ok is false when its
// signatures are wrong: the sector is then ignored and never written.
func parseFSInfo(b []byte) (info fsInfo, ok bool) {
	le := binary.LittleEndian
	if le.Uint32(b[fsiLeadSig:]) != fsiLeadValue || le.Uint32(b[fsiStrucSig:]) != fsiStrucValue || le.Uint32(b[fsiTrailSig:]) != fsiTrailValue {
		return info, false
	}
	return fsInfo{free: le.Uint32(b[fsiFreeCount:]), next: le.Uint32(b[fsiNxtFree:])}, true
}
