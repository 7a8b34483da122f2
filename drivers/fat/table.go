package fat

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

// FAT32 entry values (fatgen103, "FAT Data Structure"). An entry is 32
// bits of which the low 28 are the cluster number; the top 4 are reserved
// and every write keeps them as found.
const (
	fatEntryMask = 0x0FFFFFFF
	fatFree      = 0x00000000
	fatBad       = 0x0FFFFFF7
	fatEOCMin    = 0x0FFFFFF8 // any value from here up ends a chain
	fatEOC       = 0x0FFFFFFF // the end-of-chain mark this package writes
)

// FAT[1] of a FAT32 volume is an end-of-chain mark whose two top bits of
// the 28 are flags (fatgen103, "FAT Data Structure"): ClnShutBitMask is
// set while the volume is cleanly unmounted, HrdErrBitMask is cleared by
// a system that met a disk I/O error on it.
const (
	fat1CleanShutdown = 0x08000000
	fat1NoHardError   = 0x04000000
)

// FAT cache sizing: sectors read at once on a miss, and how many sectors
// the cache keeps before it drops clean ones.
const (
	fatReadAhead  = 32
	fatCacheLimit = 4096
)

// table is the File Allocation Table: a write-back cache of its sectors
// over the first FAT the volume reads, written to every FAT the volume
// keeps when flushed, and the allocation state.
type table struct {
	d         *disk
	g         *geometry
	perSector uint32            // entries per sector
	cache     map[uint32][]byte // by sector index within a FAT
	dirty     map[uint32]bool
	free      int64  // free clusters, -1 until counted
	next      uint32 // where the next search for free clusters starts
}

func newTable(d *disk, g *geometry) *table {
	return &table{
		d:         d,
		g:         g,
		perSector: uint32(g.sectorSize / 4),
		cache:     make(map[uint32][]byte),
		dirty:     make(map[uint32]bool),
		free:      -1,
		next:      2,
	}
}

// fatSector returns the first device sector of sector s of FAT number i.
func (t *table) fatSector(i int, s uint32) int64 {
	return int64(t.g.reserved) + int64(i)*int64(t.g.fatSectors) + int64(s)
}

// sector returns FAT sector s from the cache, reading it and the sectors
// after it that are not cached yet on a miss.
func (t *table) sector(s uint32) ([]byte, error) {
	if b := t.cache[s]; b != nil {
		return b, nil
	}
	if len(t.cache) >= fatCacheLimit {
		t.shrink()
	}
	n := uint32(1)
	for n < fatReadAhead && s+n < t.g.fatSectors && t.cache[s+n] == nil {
		n++
	}
	ss := t.g.sectorSize
	buf := make([]byte, int(n)*ss)
	if err := t.d.read(buf, t.fatSector(t.g.fats[0], s)); err != nil {
		return nil, fmt.Errorf("FAT sector %d: %w", s, err)
	}
	for i := range n {
		t.cache[s+i] = buf[int(i)*ss : int(i+1)*ss : int(i+1)*ss]
	}
	return t.cache[s], nil
}

// shrink drops clean sectors until the cache is at three quarters of its
// limit.
func (t *table) shrink() {
	for s := range t.cache {
		if len(t.cache) <= fatCacheLimit*3/4 {
			return
		}
		if !t.dirty[s] {
			delete(t.cache, s)
		}
	}
}

// get returns the entry of cluster c, reserved bits removed.
func (t *table) get(c uint32) (uint32, error) {
	if c >= t.g.clusters+2 {
		return 0, fmt.Errorf("FAT entry %d past the %d the volume has: %w", c, t.g.clusters+2, ErrCorrupt)
	}
	b, err := t.sector(c / t.perSector)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[c%t.perSector*4:]) & fatEntryMask, nil
}

// set changes the entry of cluster c to v in the cache, keeping its
// reserved bits.
func (t *table) set(c, v uint32) error {
	if c >= t.g.clusters+2 {
		return fmt.Errorf("FAT entry %d past the %d the volume has: %w", c, t.g.clusters+2, ErrCorrupt)
	}
	s := c / t.perSector
	b, err := t.sector(s)
	if err != nil {
		return err
	}
	p := b[c%t.perSector*4:]
	old := binary.LittleEndian.Uint32(p)
	binary.LittleEndian.PutUint32(p, old&^fatEntryMask|v&fatEntryMask)
	t.dirty[s] = true
	return nil
}

// isDirty reports whether the cache holds changes not yet written.
func (t *table) isDirty() bool { return len(t.dirty) > 0 }

// dirtySectors returns the sectors with unwritten changes, in order.
func (t *table) dirtySectors() []uint32 {
	s := make([]uint32, 0, len(t.dirty))
	for k := range t.dirty {
		s = append(s, k)
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

// flush writes the changed sectors to the first FAT, then the same to
// each further FAT, runs of neighbouring sectors in one write. A crash
// part way leaves the FATs different; the first, which fsck.fat and this
// package read, is then the newer.
func (t *table) flush() error {
	if len(t.dirty) == 0 {
		return nil
	}
	secs := t.dirtySectors()
	ss := t.g.sectorSize
	for _, fat := range t.g.fats {
		for i := 0; i < len(secs); {
			j := i + 1
			for j < len(secs) && secs[j] == secs[j-1]+1 {
				j++
			}
			buf := make([]byte, 0, (j-i)*ss)
			for _, s := range secs[i:j] {
				buf = append(buf, t.cache[s]...)
			}
			if err := t.d.write(buf, t.fatSector(fat, secs[i])); err != nil {
				return fmt.Errorf("FAT %d: %w", fat, err)
			}
			i = j
		}
	}
	clear(t.dirty)
	return nil
}

// markClean writes FAT[1] with its clean-shutdown bit set or cleared to
// every FAT the volume keeps, and nothing else: the sector is read from
// the first FAT on disk, not taken from the cache, so that changes
// waiting in the cache are not written with it. The first FAT, where
// Mount and fsck.fat look, is written first when marking the volume
// dirty and last when marking it clean, with a barrier between, so that
// it never says clean while another FAT differs.
func (t *table) markClean(clean bool) error {
	le := binary.LittleEndian
	sec := make([]byte, t.g.sectorSize)
	if err := t.d.read(sec, t.fatSector(t.g.fats[0], 0)); err != nil {
		return fmt.Errorf("FAT[1]: %w", err)
	}
	v := le.Uint32(sec[4:])
	if clean {
		v |= fat1CleanShutdown
	} else {
		v &^= fat1CleanShutdown
	}
	le.PutUint32(sec[4:], v)
	if b := t.cache[0]; b != nil {
		le.PutUint32(b[4:], v)
	}
	order := slices.Clone(t.g.fats)
	if clean {
		slices.Reverse(order)
	}
	for i, fat := range order {
		if i > 0 {
			if err := t.d.barrier(); err != nil {
				return err
			}
		}
		if err := t.d.write(sec, t.fatSector(fat, 0)); err != nil {
			return fmt.Errorf("FAT %d: FAT[1]: %w", fat, err)
		}
	}
	return nil
}

// mirrorRun is how many FAT sectors mirror compares at a time.
const mirrorRun = 64

// mirror copies the first FAT over every further FAT the volume keeps,
// writing only the sectors that differ, and returns how many it wrote.
//
// Preconditions: the cache holds no unwritten changes.
func (t *table) mirror() (int, error) {
	if len(t.g.fats) < 2 {
		return 0, nil
	}
	ss := t.g.sectorSize
	first := make([]byte, mirrorRun*ss)
	other := make([]byte, mirrorRun*ss)
	written := 0
	for s := uint32(0); s < t.g.fatSectors; s += mirrorRun {
		n := int(min(mirrorRun, t.g.fatSectors-s))
		if err := t.d.read(first[:n*ss], t.fatSector(t.g.fats[0], s)); err != nil {
			return written, fmt.Errorf("FAT %d: %w", t.g.fats[0], err)
		}
		for _, fat := range t.g.fats[1:] {
			if err := t.d.read(other[:n*ss], t.fatSector(fat, s)); err != nil {
				return written, fmt.Errorf("FAT %d: %w", fat, err)
			}
			for i := range n {
				a, b := first[i*ss:(i+1)*ss], other[i*ss:(i+1)*ss]
				if bytes.Equal(a, b) {
					continue
				}
				if err := t.d.write(a, t.fatSector(fat, s+uint32(i))); err != nil {
					return written, fmt.Errorf("FAT %d: %w", fat, err)
				}
				written++
			}
		}
	}
	return written, nil
}

// successor returns the cluster after c in its chain, or end true when c
// ends it. An entry that is free, bad, reserved or out of range inside a
// chain is ErrCorrupt.
func (t *table) successor(c uint32) (next uint32, end bool, err error) {
	v, err := t.get(c)
	if err != nil {
		return 0, false, err
	}
	if v >= fatEOCMin {
		return 0, true, nil
	}
	if !t.g.validCluster(v) || v == fatBad {
		return 0, false, fmt.Errorf("cluster %d links to %#x: %w", c, v, ErrCorrupt)
	}
	return v, false, nil
}

// chain reads the chain that starts at first, at most limit clusters of
// it; a longer one is ErrCorrupt. No chain is longer than the volume's
// cluster count, so that bound also ends every loop.
func (t *table) chain(first, limit uint32) (*chain, error) {
	if !t.g.validCluster(first) {
		return nil, fmt.Errorf("chain starts at cluster %d, not a data cluster: %w", first, ErrCorrupt)
	}
	limit = min(limit, t.g.clusters)
	ch := &chain{}
	c := first
	for {
		if ch.n >= limit {
			return nil, fmt.Errorf("chain from cluster %d is longer than %d clusters (a loop?): %w", first, limit, ErrCorrupt)
		}
		ch.push(c)
		next, end, err := t.successor(c)
		if err != nil {
			return nil, fmt.Errorf("chain from cluster %d: %w", first, err)
		}
		if end {
			return ch, nil
		}
		c = next
	}
}

// allocate finds n free clusters, preferring the ones right after near
// (the last cluster of the chain that will grow, or 0), links them into a
// chain of their own ending in an end-of-chain mark, in the cache only,
// and returns them in order. Without n free clusters it changes nothing
// and returns ErrNoSpace.
func (t *table) allocate(n, near uint32) ([]uint32, error) {
	if n == 0 {
		return nil, nil
	}
	if t.free >= 0 && t.free < int64(n) {
		return nil, fmt.Errorf("%d clusters wanted, %d free: %w", n, t.free, ErrNoSpace)
	}
	start := t.next
	if t.g.validCluster(near) && t.g.validCluster(near+1) {
		start = near + 1
	}
	if !t.g.validCluster(start) {
		start = 2
	}
	got := make([]uint32, 0, n)
	c := start
	for range t.g.clusters {
		v, err := t.get(c)
		if err != nil {
			return nil, err
		}
		if v == fatFree {
			got = append(got, c)
			if uint32(len(got)) == n {
				break
			}
		}
		if c++; c == t.g.clusters+2 {
			c = 2
		}
	}
	if uint32(len(got)) < n {
		// The scan went round the whole table: it has counted.
		t.free = int64(len(got))
		return nil, fmt.Errorf("%d clusters wanted, %d free: %w", n, len(got), ErrNoSpace)
	}
	for i, c := range got {
		next := uint32(fatEOC)
		if i+1 < len(got) {
			next = got[i+1]
		}
		if err := t.set(c, next); err != nil {
			return nil, err
		}
	}
	if t.free >= 0 {
		t.free -= int64(n)
	}
	t.next = got[len(got)-1] + 1
	if !t.g.validCluster(t.next) {
		t.next = 2
	}
	return got, nil
}

// release marks the clusters free, in the cache only.
func (t *table) release(clusters []uint32) error {
	for _, c := range clusters {
		if err := t.set(c, fatFree); err != nil {
			return err
		}
	}
	if t.free >= 0 {
		t.free += int64(len(clusters))
	}
	return nil
}

// countFree counts the free clusters by reading the whole table, once;
// after that allocate and release keep the count.
func (t *table) countFree() (uint32, error) {
	if t.free >= 0 {
		return uint32(t.free), nil
	}
	var n uint32
	end := t.g.clusters + 2
	for s := uint32(0); s*t.perSector < end; s++ {
		b, err := t.sector(s)
		if err != nil {
			return 0, err
		}
		for i := range t.perSector {
			c := s*t.perSector + i
			if c >= 2 && c < end && binary.LittleEndian.Uint32(b[i*4:])&fatEntryMask == fatFree {
				n++
			}
		}
	}
	t.free = int64(n)
	return n, nil
}

// extent is a run of consecutive clusters in a chain: the chain's
// clusters base to base+n-1 are start to start+n-1.
type extent struct {
	base, start, n uint32
}

// chain is a cluster chain as runs of consecutive clusters, so that
// reading and writing can go a run at a time and finding the cluster at
// an offset is a binary search.
type chain struct {
	ext []extent
	n   uint32 // clusters in the chain
}

// push appends cluster c.
func (ch *chain) push(c uint32) {
	if k := len(ch.ext); k > 0 {
		if e := &ch.ext[k-1]; e.start+e.n == c {
			e.n++
			ch.n++
			return
		}
	}
	ch.ext = append(ch.ext, extent{base: ch.n, start: c, n: 1})
	ch.n++
}

// at returns the chain's cluster i and how many clusters follow it
// consecutively on disk, itself included.
//
// Preconditions: i < ch.n.
func (ch *chain) at(i uint32) (cluster, run uint32) {
	k := sort.Search(len(ch.ext), func(k int) bool { return ch.ext[k].base > i }) - 1
	e := ch.ext[k]
	return e.start + (i - e.base), e.n - (i - e.base)
}

// last returns the chain's last cluster, 0 for an empty chain.
func (ch *chain) last() uint32 {
	if ch.n == 0 {
		return 0
	}
	e := ch.ext[len(ch.ext)-1]
	return e.start + e.n - 1
}

// clusters returns the chain's clusters from i on.
func (ch *chain) clusters(i uint32) []uint32 {
	var out []uint32
	for i < ch.n {
		c, run := ch.at(i)
		for k := range run {
			out = append(out, c+k)
		}
		i += run
	}
	return out
}

// cut shortens the chain to its first n clusters.
func (ch *chain) cut(n uint32) {
	for len(ch.ext) > 0 {
		e := &ch.ext[len(ch.ext)-1]
		if e.base >= n {
			ch.ext = ch.ext[:len(ch.ext)-1]
			continue
		}
		e.n = min(e.n, n-e.base)
		break
	}
	ch.n = min(ch.n, n)
}
