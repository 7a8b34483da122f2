package fat

import (
	"encoding/binary"
	"fmt"
	"path"
	"strings"
)

// Report is what Repair found and changed.
type Report struct {
	Directories int // directories walked, the root included
	Files       int // files walked
	// FreedClusters counts clusters the FAT had allocated but no entry
	// reached, now free: lost clusters, the tails cut off chains longer
	// than their files, and those of entries past a directory's end.
	FreedClusters int
	// CutChains counts files whose cluster chain was longer than their
	// size calls for, now cut to it.
	CutChains int
	// Fragments counts long-name entries that belonged to no short
	// entry, now deleted.
	Fragments int
	// PastEnd counts directories that held entries after their end mark,
	// where this package does not look: they are zeroed, as the package
	// does before it places an entry there.
	PastEnd int
	// FATSectors counts sectors of the second FAT that differed from the
	// first, now copied from it.
	FATSectors int
	// FreeCount is set when the FSInfo free count was unknown or wrong
	// and has been written true.
	FreeCount bool
}

// Changed reports whether Repair changed anything on the volume, the
// clean-shutdown bit aside.
func (r Report) Changed() bool {
	return r.FreedClusters > 0 || r.CutChains > 0 || r.Fragments > 0 || r.PastEnd > 0 || r.FATSectors > 0 || r.FreeCount
}

// String sums the report up in a line, for logs.
func (r Report) String() string {
	s := "walked " + plural(r.Directories, "directory", "directories") + " and " + plural(r.Files, "file", "files")
	if !r.Changed() {
		return s + ": nothing to repair"
	}
	var did []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{r.FreedClusters, plural(r.FreedClusters, "lost cluster", "lost clusters") + " freed"},
		{r.CutChains, plural(r.CutChains, "chain", "chains") + " cut to size"},
		{r.Fragments, plural(r.Fragments, "long-name fragment", "long-name fragments") + " deleted"},
		{r.PastEnd, "entries past the end zeroed in " + plural(r.PastEnd, "directory", "directories")},
		{r.FATSectors, plural(r.FATSectors, "sector", "sectors") + " of the second FAT copied from the first"},
	} {
		if c.n > 0 {
			did = append(did, c.what)
		}
	}
	if r.FreeCount {
		did = append(did, "free count written")
	}
	return s + "; repaired: " + strings.Join(did, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Repair checks the whole volume and repairs what an interrupted write
// of this package can leave (see "Write ordering and crashes" in the
// package documentation), in the order the package writes: directory
// entries before the clusters they stop naming are freed.
//
// It walks every directory from the root, each once, and follows every
// entry's chain as far as the entry's size calls for. It deletes
// long-name entries that belong to no short entry, zeroes entries past a
// directory's end mark (this package does not see them, and would zero
// them before placing an entry there), and cuts chains longer than their
// files' sizes. It then frees every cluster the FAT has allocated that no
// entry reaches (bad clusters stay marked), copies the first FAT over the
// second where they differ, writes the FSInfo free count, and marks the
// volume clean as Sync does. A read-write Mount runs it on a volume that
// was not cleanly unmounted.
//
// Anything else it finds was not left by an interrupted write of this
// package, and it does not guess: a chain that loops, leaves the volume,
// runs into a free or bad cluster or is shorter than its file; two
// entries or directories sharing a cluster; an entry naming a cluster
// that is not one. It then writes nothing and returns ErrCorrupt saying
// what and where. Whenever it fails, for that or any other reason, the
// volume turns read-only until it is mounted again: it may hold damage
// that Sync must not mark clean.
//
// Repair writes nothing to a volume that needs nothing. Removed files
// still open keep their clusters. Repair reads the whole FAT, twice with
// two FATs, and every directory, and keeps a bit per cluster.
func (fsys *FS) Repair() (Report, error) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	r, err := fsys.repair()
	if err != nil {
		return r, fmt.Errorf("fat: repair: %w", err)
	}
	return r, nil
}

func (fsys *FS) repair() (Report, error) {
	if err := fsys.writable(); err != nil {
		return Report{}, err
	}
	p, err := fsys.survey()
	if err == nil {
		err = fsys.mend(p)
	}
	if err != nil {
		fsys.unrepaired = err
	}
	return p.report, err
}

// plan is what Repair's survey found to change.
type plan struct {
	used   []uint64 // a bit per cluster some entry reaches
	dirs   []*dir   // directories with stray long-name entries or entries past their end
	cuts   []cut
	report Report
}

// cut is a file whose chain is longer than its size calls for.
type cut struct {
	d    *dir
	slot int
	last uint32 // the cluster the chain is to end at; 0 to drop it, for an empty file
}

// claim marks cluster c as reached, by what; a cluster reached twice is
// ErrCorrupt.
func (p *plan) claim(c uint32, what string) error {
	if p.used[c/64]&(1<<(c%64)) != 0 {
		return fmt.Errorf("cluster %d of %s is in another chain too: %w", c, what, ErrCorrupt)
	}
	p.used[c/64] |= 1 << (c % 64)
	return nil
}

func (p *plan) claimChain(ch *chain, what string) error {
	for _, c := range ch.clusters(0) {
		if err := p.claim(c, what); err != nil {
			return err
		}
	}
	return nil
}

// survey walks the volume and plans Repair's changes, reading only. Each
// directory is read once: one reached again shares clusters with
// another, which is ErrCorrupt, so the walk ends.
func (fsys *FS) survey() (*plan, error) {
	g := &fsys.g
	p := &plan{used: make([]uint64, (uint64(g.clusters)+2+63)/64)}
	for n := range fsys.orphans {
		ch, err := fsys.chainOf(n)
		if err != nil {
			return p, fmt.Errorf("removed file %s: %w", n.name, err)
		}
		if err := p.claimChain(ch, "removed file "+n.name); err != nil {
			return p, err
		}
	}
	type pending struct {
		first uint32
		name  string
	}
	stack := []pending{{g.rootCluster, "/"}}
	for len(stack) > 0 {
		at := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := fsys.dirs[at.first]
		if d == nil {
			var err error
			if d, err = fsys.readDir(at.first); err != nil {
				return p, fmt.Errorf("directory %s: %w", at.name, err)
			}
		}
		if err := p.claimChain(d.ch, "directory "+at.name); err != nil {
			return p, err
		}
		p.report.Directories++
		if len(d.strays) > 0 || d.tailGarbage {
			p.dirs = append(p.dirs, d)
		}
		for i := range d.end {
			e := d.entry(i)
			if e[0] == slotDeleted || e[dirAttr]&attrLongNameMask == attrLongName || e[dirAttr]&attrVolumeID != 0 {
				continue
			}
			var s shortName
			copy(s[:], e[dirName:dirName+11])
			if s == dotName || s == dotDotName {
				continue
			}
			name := path.Join(at.name, s.String())
			if e[dirAttr]&attrDirectory != 0 {
				if first := entryFirst(e); !g.validCluster(first) || first == g.rootCluster {
					return p, fmt.Errorf("directory %s starts at cluster %d: %w", name, first, ErrCorrupt)
				}
				stack = append(stack, pending{entryFirst(e), name})
				continue
			}
			p.report.Files++
			if err := fsys.surveyFile(p, d, i, name); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// surveyFile claims the clusters the file in slot i of d needs for its
// size, and plans to cut its chain there if it goes on.
func (fsys *FS) surveyFile(p *plan, d *dir, i int, name string) error {
	e := d.entry(i)
	first, size := entryFirst(e), entrySize32(e)
	cs := uint64(fsys.g.clusterSize)
	need := uint32((uint64(size) + cs - 1) / cs)
	switch {
	case first == 0 && need == 0:
		return nil
	case first == 0:
		return fmt.Errorf("file %s of %d bytes has no clusters: %w", name, size, ErrCorrupt)
	case !fsys.g.validCluster(first):
		return fmt.Errorf("file %s starts at cluster %d: %w", name, first, ErrCorrupt)
	case need == 0:
		p.cuts = append(p.cuts, cut{d: d, slot: i})
		return nil
	}
	c := first
	for k := uint32(1); ; k++ {
		if err := p.claim(c, "file "+name); err != nil {
			return err
		}
		next, end, err := fsys.t.successor(c)
		if err != nil {
			return fmt.Errorf("file %s: %w", name, err)
		}
		if k == need {
			if !end {
				p.cuts = append(p.cuts, cut{d: d, slot: i, last: c})
			}
			return nil
		}
		if end {
			return fmt.Errorf("file %s of %d bytes: its chain ends after %d clusters: %w", name, size, k, ErrCorrupt)
		}
		c = next
	}
}

// mend makes the changes a survey planned, in an order a crash can stop
// at any point: the volume is marked as changing before the first write
// and stays so until the last, so that the next Mount repairs again.
func (fsys *FS) mend(p *plan) error {
	r := &p.report
	count := fsys.info.free
	for _, d := range p.dirs {
		if err := fsys.mendDir(d, r); err != nil {
			return err
		}
	}
	// An empty file's entry lets go of its chain first; the chain is
	// freed with the lost clusters.
	for _, c := range p.cuts {
		if c.last == 0 {
			setEntryFirst(c.d.entry(c.slot), 0)
			if err := fsys.writeSlots(c.d, c.slot, c.slot+1, false); err != nil {
				return err
			}
		}
	}
	for _, c := range p.cuts {
		if c.last != 0 {
			if err := fsys.t.set(c.last, fatEOC); err != nil {
				return err
			}
		}
	}
	r.CutChains = len(p.cuts)
	if err := fsys.commitFAT(); err != nil {
		return err
	}
	freed, err := fsys.freeUnreached(p.used)
	r.FreedClusters = freed
	if err != nil {
		return err
	}
	if r.FATSectors, err = fsys.t.mirror(); err != nil {
		return err
	}
	if err := fsys.settle(); err != nil {
		return err
	}
	r.FreeCount = fsys.infoOK && fsys.info.free != count
	// Entries Repair changed may be open: their nodes read their first
	// clusters and chains afresh.
	for _, n := range fsys.nodes {
		n.first = entryFirst(n.parent.entry(n.key.slot))
		n.ch = nil
	}
	return fsys.d.flush()
}

// mendDir deletes d's stray long-name entries and zeroes what follows
// its end mark.
func (fsys *FS) mendDir(d *dir, r *Report) error {
	if d.tailGarbage {
		clear(d.data[d.end*entrySize:])
		if err := fsys.writeSlots(d, d.end, d.slots(), false); err != nil {
			return err
		}
		d.tailGarbage = false
		r.PastEnd++
	}
	for _, i := range d.strays {
		d.data[i*entrySize] = slotDeleted
	}
	per := fsys.g.sectorSize / entrySize
	for k, i := range d.strays {
		if k+1 < len(d.strays) && d.strays[k+1]/per == i/per {
			continue // written with the last stray of its sector
		}
		if err := fsys.writeSlots(d, i, i+1, false); err != nil {
			return err
		}
	}
	r.Fragments += len(d.strays)
	d.strays = nil
	d.freeFrom = 0
	return nil
}

// freeUnreached frees every cluster whose FAT entry is neither free nor
// bad and that no entry reaches, and returns how many it freed. It
// writes the FAT every fatCacheLimit/4 sectors changed, so that the
// cache stays bounded, and counts the free clusters on the way.
func (fsys *FS) freeUnreached(used []uint64) (int, error) {
	t := fsys.t
	end := t.g.clusters + 2
	freed, free := 0, int64(0)
	for s := uint32(0); s*t.perSector < end; s++ {
		b, err := t.sector(s)
		if err != nil {
			return freed, err
		}
		for i := range t.perSector {
			c := s*t.perSector + i
			if c < 2 || c >= end {
				continue
			}
			v := binary.LittleEndian.Uint32(b[i*4:]) & fatEntryMask
			if v == fatFree {
				free++
			}
			if v == fatFree || v == fatBad || used[c/64]&(1<<(c%64)) != 0 {
				continue
			}
			if err := t.set(c, fatFree); err != nil {
				return freed, err
			}
			freed++
			free++
		}
		if len(t.dirty) >= fatCacheLimit/4 {
			if err := fsys.commitFAT(); err != nil {
				return freed, err
			}
		}
	}
	t.free = free
	return freed, fsys.commitFAT()
}
