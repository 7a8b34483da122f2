package fat

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// FormatOptions tune FormatWith.
type FormatOptions struct {
	// Label is the volume label: up to 11 characters that short names
	// allow, or spaces; lower case is made upper. Empty means none.
	Label string
	// SectorsPerCluster, a power of two, overrides the cluster size that
	// would be picked for the volume's size. The volume must still come
	// to at least 65,525 clusters.
	SectorsPerCluster int
	// VolumeID is the volume serial number; 0 derives one from the clock.
	VolumeID uint32
	// Clock stamps the label entry and seeds the volume ID; nil means
	// time.Now.
	Clock func() time.Time
}

// Layout of a new volume: 32 reserved sectors with the FSInfo sector in
// 1 and the backup boot sector in 6, as fatgen103 recommends ("FAT32
// FSInfo Sector Structure and Backup Boot Sector"), two FATs, and the
// root directory in cluster 2.
const (
	newReserved   = 32
	newFSInfo     = 1
	newBackupBoot = 6
	newNumFATs    = 2
	newRoot       = 2
	newMedia      = 0xF8 // fixed disk
	// FAT[1] of a new volume: an end-of-chain value whose two top bits
	// say the volume was cleanly unmounted and saw no I/O error
	// (fatgen103, "FAT Data Structure").
	fat1Clean = 0x0FFFFFFF
)

// Format makes a fresh FAT32 volume on the whole of dev, with the given
// label, choosing the cluster size as FormatWith does.
func Format(dev Device, label string) error {
	return FormatWith(dev, FormatOptions{Label: label})
}

// FormatWith makes a fresh FAT32 volume on the whole of dev (at most 2^32
// - 1 sectors of it). Without SectorsPerCluster the cluster size follows
// the volume's size as fatgen103's FAT32 table does ("FAT Volume
// Initialization"), and mkfs.fat with it: 512 bytes up to 260 MiB, 4 KiB
// up to 8 GiB, 8 KiB up to 16 GiB, 16 KiB up to 32 GiB, 32 KiB beyond,
// never less than a sector; on a volume too small for 65,525 clusters of
// that size, smaller ones are tried. A device too small for FAT32 even
// with one-sector clusters is ErrTooSmall. The boot sector is written
// last, so that an interrupted Format leaves nothing that mounts.
func FormatWith(dev Device, o FormatOptions) error {
	ss := dev.SectorSize()
	if !validSectorSize(ss) {
		return fmt.Errorf("fat: format: device sectors of %d bytes: %w", ss, ErrUnsupported)
	}
	total := min(dev.Sectors(), 0xFFFFFFFF)
	label, err := volumeLabel(o.Label)
	if err != nil {
		return fmt.Errorf("fat: format: %w", err)
	}
	spc, fatSz, clusters, err := layout(ss, total, o.SectorsPerCluster)
	if err != nil {
		return fmt.Errorf("fat: format: %w", err)
	}
	now := time.Now()
	if o.Clock != nil {
		now = o.Clock()
	}
	id := o.VolumeID
	if id == 0 {
		id = uint32(now.Unix()) ^ uint32(now.Nanosecond())<<8
	}
	g := geometry{sectorSize: ss, totalSectors: uint32(total)}
	d := &disk{dev: dev, g: &g, bounce: make([]byte, ss)}
	dataStart := int64(newReserved + newNumFATs*fatSz)
	clusterBytes := int64(spc * ss)
	if err := d.zeroBytes(0, (dataStart)*int64(ss)+clusterBytes); err != nil {
		return fmt.Errorf("fat: format: %w", err)
	}
	le := binary.LittleEndian
	fat := make([]byte, ss)
	le.PutUint32(fat[0:], fatEntryMask&^0xFF|newMedia)
	le.PutUint32(fat[4:], fat1Clean)
	le.PutUint32(fat[8:], fatEOC)
	for i := range newNumFATs {
		if err := d.write(fat, int64(newReserved+i*fatSz)); err != nil {
			return fmt.Errorf("fat: format: FAT %d: %w", i, err)
		}
	}
	if label != noName {
		var s shortName
		copy(s[:], label)
		e := newShortEntry(s, attrVolumeID, 0, now)
		if err := d.writeBytes(e[:], dataStart*int64(ss)); err != nil {
			return fmt.Errorf("fat: format: root directory: %w", err)
		}
	}
	info := make([]byte, ss)
	le.PutUint32(info[fsiLeadSig:], fsiLeadValue)
	le.PutUint32(info[fsiStrucSig:], fsiStrucValue)
	le.PutUint32(info[fsiFreeCount:], clusters-1) // all but the root's
	le.PutUint32(info[fsiNxtFree:], newRoot+1)
	le.PutUint32(info[fsiTrailSig:], fsiTrailValue)
	boot := bootSector(ss, spc, uint32(total), uint32(fatSz), id, label)
	for _, w := range []struct {
		what   string
		b      []byte
		sector int64
	}{
		{"backup FSInfo sector", info, newBackupBoot + newFSInfo},
		{"FSInfo sector", info, newFSInfo},
		{"backup boot sector", boot, newBackupBoot},
		{"boot sector", boot, 0},
	} {
		if err := d.write(w.b, w.sector); err != nil {
			return fmt.Errorf("fat: format: %s: %w", w.what, err)
		}
	}
	if err := d.flush(); err != nil {
		return fmt.Errorf("fat: format: %w", err)
	}
	return nil
}

// volumeLabel checks a label and returns it as the 11 bytes stored.
func volumeLabel(l string) (string, error) {
	if l == "" {
		return noName, nil
	}
	up := fold(l)
	if len(up) > 11 {
		return "", fmt.Errorf("label %q is longer than 11 characters: %w", l, ErrBadName)
	}
	for _, r := range up {
		if r != ' ' && !shortChar(r) {
			return "", fmt.Errorf("label %q: character %q is not allowed: %w", l, r, ErrBadName)
		}
	}
	if up[0] == ' ' {
		return "", fmt.Errorf("label %q starts with a space: %w", l, ErrBadName)
	}
	return up + strings.Repeat(" ", 11-len(up)), nil
}

// layout picks sectors per cluster and the FAT size for a volume of total
// sectors of ss bytes, and returns the data clusters that leaves.
func layout(ss int, total int64, spc int) (int, int, uint32, error) {
	fits := func(spc int) (int, uint32) {
		fatSz := fatSize(ss, total, spc)
		data := total - newReserved - int64(newNumFATs*fatSz)
		if data <= 0 {
			return fatSz, 0
		}
		return fatSz, uint32(min(data/int64(spc), 0xFFFFFFFF))
	}
	if spc != 0 {
		if spc < 1 || spc > 128 || spc&(spc-1) != 0 || spc*ss > 64<<10 {
			return 0, 0, 0, fmt.Errorf("%d sectors per cluster: not a power of two with clusters up to 64 KiB: %w", spc, ErrUnsupported)
		}
		fatSz, n := fits(spc)
		if n < minFAT32Clusters {
			return 0, 0, 0, fmt.Errorf("%d sectors of %d bytes make %d clusters of %d sectors, FAT32 needs %d: %w", total, ss, n, spc, minFAT32Clusters, ErrTooSmall)
		}
		if n > maxFAT32Clusters {
			return 0, 0, 0, fmt.Errorf("%d clusters of %d sectors are more than FAT32 numbers: %w", n, spc, ErrUnsupported)
		}
		return spc, fatSz, n, nil
	}
	size := total * int64(ss)
	cluster := 32 << 10
	for _, step := range []struct {
		upTo    int64
		cluster int
	}{{260 << 20, 512}, {8 << 30, 4 << 10}, {16 << 30, 8 << 10}, {32 << 30, 16 << 10}} {
		if size <= step.upTo {
			cluster = step.cluster
			break
		}
	}
	spc = max(cluster/ss, 1)
	for {
		fatSz, n := fits(spc)
		switch {
		case n > maxFAT32Clusters && spc*ss < 64<<10:
			spc *= 2
		case n > maxFAT32Clusters:
			return 0, 0, 0, fmt.Errorf("%d sectors make more clusters than FAT32 numbers: %w", total, ErrUnsupported)
		case n >= minFAT32Clusters:
			return spc, fatSz, n, nil
		case spc > 1:
			spc /= 2
		default:
			return 0, 0, 0, fmt.Errorf("%d sectors of %d bytes make %d one-sector clusters, FAT32 needs %d: %w", total, ss, n, minFAT32Clusters, ErrTooSmall)
		}
	}
}

// fatSize returns the fewest sectors per FAT that map every cluster left
// after the reserved sectors and the FATs themselves.
func fatSize(ss int, total int64, spc int) int {
	need := func(fatSz int) int {
		data := total - newReserved - int64(newNumFATs*fatSz)
		if data <= 0 {
			return 1
		}
		entries := data/int64(spc) + 2
		return int((entries*4 + int64(ss) - 1) / int64(ss))
	}
	// need(0) is an upper bound; step down while a smaller FAT still maps
	// what it leaves. Each FAT sector less frees too few sectors to need
	// more than one sector more, so the walk is short.
	f := need(0)
	for f > 1 && need(f-1) <= f-1 {
		f--
	}
	return f
}

// bootSector builds sector 0 of a new volume.
func bootSector(ss, spc int, total, fatSz, id uint32, label string) []byte {
	b := make([]byte, ss)
	le := binary.LittleEndian
	copy(b[bsJmpBoot:], []byte{0xEB, bsBootCode - 2, 0x90}) // jmp short to the boot code; nop
	copy(b[bsOEMName:], "MSWIN4.1")                         // what fatgen103 advises for compatibility
	le.PutUint16(b[bpbBytsPerSec:], uint16(ss))
	b[bpbSecPerClus] = byte(spc)
	le.PutUint16(b[bpbRsvdSecCnt:], newReserved)
	b[bpbNumFATs] = newNumFATs
	b[bpbMedia] = newMedia
	le.PutUint16(b[bpbSecPerTrk:], 63) // the usual fake geometry of a hard disk
	le.PutUint16(b[bpbNumHeads:], 255)
	le.PutUint32(b[bpbHiddSec:], 0) // the volume starts at the device's first sector
	le.PutUint32(b[bpbTotSec32:], total)
	le.PutUint32(b[bpbFATSz32:], fatSz)
	le.PutUint32(b[bpbRootClus:], newRoot)
	le.PutUint16(b[bpbFSInfo:], newFSInfo)
	le.PutUint16(b[bpbBkBootSec:], newBackupBoot)
	b[bsDrvNum] = 0x80
	b[bsBootSig] = extBootSig
	le.PutUint32(b[bsVolID:], id)
	copy(b[bsVolLab:], label)
	copy(b[bsFilSysType:], "FAT32   ")
	// Not bootable: halt for ever (hlt; jmp back to the hlt).
	copy(b[bsBootCode:], []byte{0xF4, 0xEB, 0xFD})
	b[bsSignature], b[bsSignature+1] = bootSignature0, bootSignature1
	return b
}
