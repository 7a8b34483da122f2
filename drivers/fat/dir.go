package fat

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
)

// A directory holds at most 65,536 entries (fatgen103, "FAT Directory
// Structure"), so at most 2 MiB; a longer chain is damage.
const (
	maxDirEntries = 65536
	maxDirBytes   = maxDirEntries * entrySize
)

// dirent is a live entry of a directory as lookups and listings see it.
type dirent struct {
	slot  int    // index of its short entry
	lfn   int    // long-name entries just before it
	name  string // its long name, or its short name if it has none
	short shortName
}

// dir is a directory read whole into memory, with its names indexed.
// Changes are made to data and written through at once, so a dir is
// never newer than the disk and can be dropped whenever nothing points at
// it.
type dir struct {
	first  uint32 // first cluster
	root   bool
	ch     *chain
	data   []byte
	ents   []*dirent          // the listed entries, in slot order
	byName map[string]*dirent // by fold of long name and of short name
	shorts map[shortName]int  // every short name in use, with its count
	end    int                // first slot of the run of zeroed slots that ends the directory
	// tailGarbage is set when slots after the first 0x00 entry are not
	// all zero. Readers stop at that entry; before an entry is placed
	// past it the rest is zeroed, so that nothing reappears.
	tailGarbage bool
	label       int               // the root's volume label entry, -1 if none
	strays      []int             // long-name entries paired with no short entry, in slot order
	tails       map[shortName]int // the numeric tail last given to each basis name
	freeFrom    int               // no slot below this is free
	open        int               // open nodes whose entries are here; pins the dir in the cache
	used        uint64            // when it was last looked at, for eviction
}

func (d *dir) slots() int { return len(d.data) / entrySize }

// entry returns slot i's 32 bytes, which alias d.data.
func (d *dir) entry(i int) []byte { return d.data[i*entrySize : (i+1)*entrySize] }

func (d *dir) lookup(name string) *dirent { return d.byName[fold(name)] }

// isFree reports whether slot i may take a new entry.
func (d *dir) isFree(i int) bool {
	return i >= d.end || d.data[i*entrySize] == slotDeleted
}

// parse indexes d.data: it pairs long-name entries with the short entry
// they precede when their numbering and checksum agree, and otherwise
// shows the short name. Entries whose names cannot be used in a path
// (empty, "." or "..", containing '/' or NUL) or that repeat an earlier
// name are kept on disk but neither listed nor found. Long-name entries
// that pair with no short entry are noted in d.strays.
func (d *dir) parse() {
	d.ents = nil
	d.byName = make(map[string]*dirent)
	d.shorts = make(map[shortName]int)
	d.label = -1
	d.end = d.slots()
	d.tailGarbage = false
	d.strays = nil
	var (
		units   []uint16
		lfnNext int // ordinal the next long-name entry must carry; 0 when complete
		lfnN    int // long-name entries gathered
		lfnSum  byte
		lfnOn   bool
		lfnFrom int // slot of the first long-name entry gathered
	)
	// drop abandons the long-name entries gathered before slot i.
	drop := func(i int) {
		if lfnOn {
			for k := lfnFrom; k < i; k++ {
				d.strays = append(d.strays, k)
			}
		}
		lfnOn = false
	}
	for i := range d.slots() {
		e := d.entry(i)
		switch {
		case e[0] == slotEnd:
			drop(i)
			d.end = i
			d.tailGarbage = !isZero(d.data[i*entrySize:])
			return
		case e[0] == slotDeleted:
			drop(i)
			continue
		case e[dirAttr]&attrLongNameMask == attrLongName:
			ord := int(e[lfnOrd] & lfnOrdMask)
			switch {
			case e[lfnOrd]&lfnLastFlag != 0 && ord >= 1 && ord <= maxLFNEntries:
				drop(i)
				lfnOn, lfnNext, lfnN, lfnSum, lfnFrom = true, ord-1, 1, e[lfnChksum], i
				units = make([]uint16, 0, ord*lfnUnits)
				units = lfnPart(units, e)
			case lfnOn && ord == lfnNext && ord >= 1 && e[lfnChksum] == lfnSum:
				lfnNext--
				lfnN++
				// Parts come last first: put this one in front.
				units = append(lfnPart(nil, e), units...)
			default:
				drop(i)
				d.strays = append(d.strays, i)
			}
			continue
		}
		var s shortName
		copy(s[:], e[dirName:dirName+11])
		hadLFN := lfnOn && lfnNext == 0 && checksum(s) == lfnSum
		if !hadLFN {
			drop(i)
		}
		lfnOn = false
		if e[dirAttr]&attrVolumeID != 0 {
			if d.root && d.label < 0 && e[dirAttr]&attrDirectory == 0 {
				d.label = i
			}
			continue
		}
		d.shorts[s]++
		if s == dotName || s == dotDotName {
			continue
		}
		ent := &dirent{slot: i, short: s, name: s.display(e[dirNTRes])}
		if hadLFN {
			ent.lfn = lfnN
			ent.name = lfnName(units)
		}
		if !usableName(ent.name) || d.byName[fold(ent.name)] != nil || d.byName[fold(s.String())] != nil {
			continue
		}
		d.index(ent)
		d.ents = append(d.ents, ent)
	}
	drop(d.slots())
}

// usableName reports whether a name read from disk can be reached by a
// path.
func usableName(name string) bool {
	return name != "" && name != "." && name != ".." && !bytes.ContainsAny([]byte(name), "/\x00")
}

// index makes ent findable by its long and short names.
func (d *dir) index(ent *dirent) {
	d.byName[fold(ent.name)] = ent
	d.byName[fold(ent.short.String())] = ent
}

// insert lists a new entry and indexes it.
func (d *dir) insert(ent *dirent) {
	k := sort.Search(len(d.ents), func(k int) bool { return d.ents[k].slot > ent.slot })
	d.ents = append(d.ents, nil)
	copy(d.ents[k+1:], d.ents[k:])
	d.ents[k] = ent
	d.index(ent)
	d.shorts[ent.short]++
}

// forget unlists an entry and marks its slots deleted in d.data.
func (d *dir) forget(ent *dirent) {
	k := sort.Search(len(d.ents), func(k int) bool { return d.ents[k].slot >= ent.slot })
	if k < len(d.ents) && d.ents[k] == ent {
		d.ents = append(d.ents[:k], d.ents[k+1:]...)
	}
	for _, key := range []string{fold(ent.name), fold(ent.short.String())} {
		if d.byName[key] == ent {
			delete(d.byName, key)
		}
	}
	if d.shorts[ent.short]--; d.shorts[ent.short] <= 0 {
		delete(d.shorts, ent.short)
	}
	for i := ent.slot - ent.lfn; i <= ent.slot; i++ {
		d.data[i*entrySize] = slotDeleted
	}
	d.freeFrom = min(d.freeFrom, ent.slot-ent.lfn)
}

// empty reports whether the directory holds nothing but its dot entries,
// deleted slots and stray long-name entries.
func (d *dir) empty() bool {
	for i := range d.end {
		e := d.entry(i)
		if e[0] == slotDeleted || e[dirAttr]&attrLongNameMask == attrLongName || e[dirAttr]&attrVolumeID != 0 {
			continue
		}
		var s shortName
		copy(s[:], e[:11])
		if s != dotName && s != dotDotName {
			return false
		}
	}
	return true
}

// findRun returns the first slot of n free slots, or -1. Slots in also
// count as free (the entries a rename is about to delete). A run of up to
// a sector's worth of slots is kept within one sector, so that writing it
// is one sector write; the sector of slot prefer, if >= 0, is tried
// first.
func (d *dir) findRun(n, sectorSize, prefer int, also func(int) bool) int {
	per := sectorSize / entrySize
	free := func(i int) bool { return d.isFree(i) || also != nil && also(i) }
	fits := func(s int) bool {
		if s+n > d.slots() {
			return false
		}
		if n <= per && s/per != (s+n-1)/per {
			return false
		}
		for i := s; i < s+n; i++ {
			if !free(i) {
				return false
			}
		}
		return true
	}
	if prefer >= 0 && n <= per {
		for s := prefer / per * per; s+n <= (prefer/per+1)*per; s++ {
			if fits(s) {
				return s
			}
		}
	}
	for s := d.freeFrom; s+n <= d.slots(); s++ {
		if !free(s) {
			if s == d.freeFrom {
				d.freeFrom++
			}
			continue
		}
		if fits(s) {
			return s
		}
	}
	return -1
}

// sectorOf returns the device sector that holds slot i.
func (d *dir) sectorOf(i int, g *geometry) int64 {
	off := i * entrySize
	c, _ := d.ch.at(uint32(off / g.clusterSize))
	return g.clusterSector(c) + int64(off%g.clusterSize/g.sectorSize)
}

// loadDir returns the directory whose chain starts at first, from the
// cache or read from disk.
func (fsys *FS) loadDir(first uint32) (*dir, error) {
	fsys.tick++
	if d := fsys.dirs[first]; d != nil {
		d.used = fsys.tick
		return d, nil
	}
	d, err := fsys.readDir(first)
	if err != nil {
		return nil, err
	}
	d.used = fsys.tick
	fsys.dirs[first] = d
	fsys.dirBytes += len(d.data)
	return d, nil
}

// readDir reads the directory whose chain starts at first from disk,
// without caching it.
func (fsys *FS) readDir(first uint32) (*dir, error) {
	ch, err := fsys.t.chain(first, uint32(maxDirBytes/fsys.g.clusterSize))
	if err != nil {
		return nil, fmt.Errorf("directory at cluster %d: %w", first, err)
	}
	d := &dir{first: first, root: first == fsys.g.rootCluster, ch: ch}
	d.data = make([]byte, int(ch.n)*fsys.g.clusterSize)
	for i := uint32(0); i < ch.n; {
		c, run := ch.at(i)
		off := int(i) * fsys.g.clusterSize
		if err := fsys.d.read(d.data[off:off+int(run)*fsys.g.clusterSize], fsys.g.clusterSector(c)); err != nil {
			return nil, fmt.Errorf("directory at cluster %d: %w", first, err)
		}
		i += run
	}
	d.parse()
	return d, nil
}

// dirCacheBytes is how much directory data the cache keeps before it
// drops directories nothing has open.
const dirCacheBytes = 8 << 20

// trimDirs drops the least recently used directories that are not the
// root and have no open entries until the cache is back under its
// budget. It runs at the start of an operation, never during one, so
// that no operation holds a dir the cache has let go of.
func (fsys *FS) trimDirs() {
	if fsys.dirBytes <= dirCacheBytes {
		return
	}
	var cands []*dir
	for _, d := range fsys.dirs {
		if !d.root && d.open == 0 {
			cands = append(cands, d)
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].used < cands[j].used })
	for _, d := range cands {
		if fsys.dirBytes <= dirCacheBytes*3/4 {
			return
		}
		fsys.dropDir(d)
	}
}

// dropDir removes d from the cache.
func (fsys *FS) dropDir(d *dir) {
	if fsys.dirs[d.first] == d {
		delete(fsys.dirs, d.first)
		fsys.dirBytes -= len(d.data)
	}
}

// writeSlots writes the sectors that hold slots lo to hi-1, in
// ascending order, or descending when down is set.
func (fsys *FS) writeSlots(d *dir, lo, hi int, down bool) error {
	if hi <= lo {
		return nil
	}
	ss := fsys.g.sectorSize
	first, last := lo*entrySize/ss, ((hi*entrySize)-1)/ss
	for k := range last - first + 1 {
		s := first + k
		if down {
			s = last - k
		}
		if err := fsys.d.write(d.data[s*ss:(s+1)*ss], d.sectorOf(s*ss/entrySize, &fsys.g)); err != nil {
			return fmt.Errorf("directory at cluster %d: %w", d.first, err)
		}
	}
	return nil
}

// extendDir grows d by one zeroed cluster: the cluster is zeroed on disk,
// marked the end of a chain, then linked after d's last cluster, so that
// a crash leaves at worst a lost cluster.
func (fsys *FS) extendDir(d *dir) error {
	if len(d.data)+fsys.g.clusterSize > maxDirBytes {
		return fmt.Errorf("directory at cluster %d holds %d entries: %w", d.first, maxDirEntries, ErrNoSpace)
	}
	got, err := fsys.t.allocate(1, d.ch.last())
	if err != nil {
		return err
	}
	c := got[0]
	if err := fsys.d.zeroBytes(fsys.g.clusterSector(c)*int64(fsys.g.sectorSize), int64(fsys.g.clusterSize)); err != nil {
		return err
	}
	if err := fsys.link(d.ch.last(), c); err != nil {
		return err
	}
	d.ch.push(c)
	d.data = append(d.data, make([]byte, fsys.g.clusterSize)...)
	fsys.dirBytes += fsys.g.clusterSize
	return nil
}

// placeRun finds n free slots in d, growing d when it has none, and
// prepares them: slots before the run that still read as the end of the
// directory are marked deleted, and written, so that readers which stop
// at the first 0x00 entry go on to the new one. So are the run's own
// slots before its last sector, when it spans more than one: its sectors
// are written last first, and a crash between them must not leave the
// short entry past an end mark, where this package does not look and
// fsck.fat does. also and prefer are findRun's.
func (fsys *FS) placeRun(d *dir, n, prefer int, also func(int) bool) (int, error) {
	s := d.findRun(n, fsys.g.sectorSize, prefer, also)
	for s < 0 {
		if err := fsys.extendDir(d); err != nil {
			return -1, err
		}
		s = d.findRun(n, fsys.g.sectorSize, prefer, also)
	}
	if s+n <= d.end {
		return s, nil
	}
	if d.tailGarbage {
		lo := d.end
		clear(d.data[lo*entrySize:])
		if err := fsys.writeSlots(d, lo, d.slots(), false); err != nil {
			return -1, err
		}
		d.tailGarbage = false
	}
	per := fsys.g.sectorSize / entrySize
	if upTo := max(s, (s+n-1)/per*per); upTo > d.end {
		lo := d.end
		for i := lo; i < upTo; i++ {
			d.data[i*entrySize] = slotDeleted
		}
		d.end = upTo
		if err := fsys.writeSlots(d, lo, upTo, false); err != nil {
			return -1, err
		}
	}
	return s, nil
}

// put copies entries into d's slots from s on, in memory.
func (d *dir) put(s int, ents [][entrySize]byte) {
	for i, e := range ents {
		copy(d.entry(s+i), e[:])
	}
	d.end = max(d.end, s+len(ents))
}

// uniqueShort picks the short name for a new entry named name in d: the
// name itself if it is already an upper-case 8.3 name (then lfn is
// false: no long-name entries are needed), else its basis name, with a
// numeric tail unless the basis holds the name exactly and is not taken.
// Short names in spare are about to be deleted and count as free.
func (d *dir) uniqueShort(name string, spare ...shortName) (s shortName, lfn bool, err error) {
	// A short name is taken if another entry has it, or if it folds to
	// another entry's long name, which lookups would then confuse.
	taken := func(s shortName) bool {
		n := d.shorts[s]
		for _, x := range spare {
			if x == s {
				n--
			}
		}
		if n > 0 {
			return true
		}
		other := d.byName[fold(s.String())]
		return other != nil && !slices.Contains(spare, other.short)
	}
	if s, ok := exactShort(name); ok && !taken(s) {
		return s, false, nil
	}
	basis, exact := basisName(name)
	if exact && !taken(basis) {
		return basis, true, nil
	}
	// Start after the tail last given to this basis: thousands of names
	// alike then cost one try each, not a walk past every tail taken.
	last := d.tails[basis]
	for k := range maxShortTail {
		i := (last+k)%maxShortTail + 1
		if s := withTail(basis, i); !taken(s) {
			if d.tails == nil {
				d.tails = make(map[shortName]int)
			}
			d.tails[basis] = i
			return s, true, nil
		}
	}
	return s, false, fmt.Errorf("no free short name for %q: %w", name, ErrNoSpace)
}
