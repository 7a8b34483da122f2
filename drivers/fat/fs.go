package fat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options tune a mount.
type Options struct {
	// ReadOnly refuses every change with ErrReadOnly and never writes.
	ReadOnly bool
	// Clock gives the time stamped on entries; nil means time.Now.
	Clock func() time.Time
	// Location is the time zone DOS timestamps are in; nil means
	// time.Local.
	Location *time.Location
	// Barriers flushes the device between writes whose order matters
	// (see the package documentation), for devices that may reorder
	// writes they have not flushed.
	Barriers bool
}

// FS is a mounted FAT32 volume. It is safe for concurrent use: one mutex
// serialises every operation, its Files' included.
type FS struct {
	mu   sync.Mutex // guards everything below, the device's use included
	opts Options
	loc  *time.Location
	g    geometry
	d    disk
	t    *table

	info       fsInfo // the FSInfo sector's hints as on disk
	infoOK     bool   // the volume has a valid FSInfo sector
	infoSector []byte
	synced     int64 // fsys.d.writes when Sync last brought the summary up to date
	clean      bool  // FAT[1] on disk says the volume was cleanly unmounted
	report     MountReport

	root     *dir
	dirs     map[uint32]*dir // by first cluster
	dirBytes int
	tick     uint64
	nodes    map[nodeKey]*node
	orphans  map[*node]bool // removed files still open, which hold their clusters until the last Close

	broken     error // the inconsistency that made the volume read-only
	unrepaired error // why Repair did not finish, which makes the volume read-only
	label      string
}

// Mount checks dev's boot sector and mounts the FAT32 volume on it. The
// FSInfo sector's next-free hint is used as a place to start looking;
// its free count is never relied on: StatFS counts once, and changes keep
// the count.
//
// A read-write Mount of a volume that was not cleanly unmounted (its
// clean-shutdown bit is clear: see Sync) runs Repair before it returns.
// If Repair does not finish, Mount still returns the volume, read-only;
// MountReport says what Repair did or why it stopped. A read-only Mount
// never writes.
func Mount(dev Device, opts Options) (*FS, error) {
	ss := dev.SectorSize()
	if !validSectorSize(ss) {
		return nil, fmt.Errorf("fat: mount: device sectors of %d bytes: %w", ss, ErrUnsupported)
	}
	if dev.Sectors() < 1 {
		return nil, fmt.Errorf("fat: mount: empty device: %w", ErrCorrupt)
	}
	boot := make([]byte, ss)
	if err := dev.ReadSectors(boot, 0); err != nil {
		return nil, fmt.Errorf("fat: mount: read boot sector: %w", err)
	}
	g, err := parseBootSector(boot, ss, dev.Sectors())
	if err != nil {
		return nil, fmt.Errorf("fat: mount: %w", err)
	}
	fsys := &FS{
		opts:    opts,
		loc:     opts.Location,
		g:       g,
		dirs:    make(map[uint32]*dir),
		nodes:   make(map[nodeKey]*node),
		orphans: make(map[*node]bool),
	}
	if fsys.loc == nil {
		fsys.loc = time.Local
	}
	fsys.d = disk{dev: dev, g: &fsys.g, barriers: opts.Barriers, bounce: make([]byte, ss)}
	fsys.t = newTable(&fsys.d, &fsys.g)
	if g.fsInfo != 0 {
		sec := make([]byte, ss)
		if err := fsys.d.read(sec, int64(g.fsInfo)); err != nil {
			return nil, fmt.Errorf("fat: mount: FSInfo sector: %w", err)
		}
		if info, ok := parseFSInfo(sec); ok {
			fsys.info, fsys.infoOK, fsys.infoSector = info, true, sec
			if g.validCluster(info.next) {
				fsys.t.next = info.next
			}
		}
	}
	flags, err := fsys.t.get(1)
	if err != nil {
		return nil, fmt.Errorf("fat: mount: FAT[1]: %w", err)
	}
	fsys.clean = flags&fat1CleanShutdown != 0
	fsys.report = MountReport{WasClean: fsys.clean, HardError: flags&fat1NoHardError == 0}
	fsys.arm()
	fsys.root, err = fsys.loadDir(g.rootCluster)
	if err != nil {
		return nil, fmt.Errorf("fat: mount: root directory: %w", err)
	}
	raw := g.label[:]
	if fsys.root.label >= 0 {
		raw = fsys.root.entry(fsys.root.label)[dirName : dirName+11]
	}
	if l := strings.TrimRight(string(latin1(raw)), " "); l != strings.TrimRight(noName, " ") {
		fsys.label = l
	}
	if !opts.ReadOnly && !fsys.clean {
		fsys.report.Repaired = true
		if fsys.report.Repair, err = fsys.repair(); err != nil {
			fsys.report.RepairErr = fmt.Errorf("fat: mount: repair: %w", err)
		}
	}
	return fsys, nil
}

// ReadOnly reports whether the volume refuses changes: mounted read-only,
// or turned read-only by an inconsistency or a failed write.
func (fsys *FS) ReadOnly() bool {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	return fsys.writable() != nil
}

// writable returns why the volume refuses changes, or nil.
func (fsys *FS) writable() error {
	switch {
	case fsys.opts.ReadOnly:
		return ErrReadOnly
	case fsys.broken != nil:
		return fmt.Errorf("%w since an inconsistency was found: %w", ErrReadOnly, fsys.broken)
	case fsys.unrepaired != nil:
		return fmt.Errorf("%w since Repair did not finish: %w", ErrReadOnly, fsys.unrepaired)
	case fsys.d.failed != nil:
		return fmt.Errorf("%w since a write failed: %w", ErrReadOnly, fsys.d.failed)
	}
	return nil
}

// pathError wraps err for op on name. An inconsistency makes the volume
// read-only from here on: whatever the operation changed in memory may
// not match the disk, and writing more would spread the damage.
func (fsys *FS) pathError(op, name string, err error) error {
	if errors.Is(err, ErrCorrupt) && fsys.broken == nil {
		fsys.broken = err
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// now returns the time to stamp, in the volume's zone.
func (fsys *FS) now() time.Time {
	t := time.Now()
	if fsys.opts.Clock != nil {
		t = fsys.opts.Clock()
	}
	return t.In(fsys.loc)
}

// commitFAT writes the FAT's changes to every FAT. Writes before it are
// ordered before, writes after it after.
func (fsys *FS) commitFAT() error {
	if !fsys.t.isDirty() {
		return nil
	}
	if err := fsys.d.barrier(); err != nil {
		return err
	}
	if err := fsys.t.flush(); err != nil {
		return err
	}
	return fsys.d.barrier()
}

// link commits fresh clusters, already chained among themselves in the
// FAT cache, and then links them after last (0: they start a chain of
// their own). When all of it lies in one FAT sector it is one write.
func (fsys *FS) link(last, first uint32) error {
	if last == 0 {
		return fsys.commitFAT()
	}
	dirty := fsys.t.dirtySectors()
	if len(dirty) != 1 || dirty[0] != last/fsys.t.perSector {
		if err := fsys.commitFAT(); err != nil {
			return err
		}
	}
	if err := fsys.t.set(last, first); err != nil {
		return err
	}
	return fsys.commitFAT()
}

// arm makes the first write from now on mark the volume as changing
// first, if it is not already marked: FAT[1]'s clean-shutdown bit
// cleared, so that whatever mounts it next knows to check it, and the
// FSInfo free count unknown, since any change may free, allocate or lose
// clusters (a deleted entry's clusters are lost until freed) and a crash
// must not leave a count that disagrees with the FAT. fsck.fat accepts
// an unknown count; Sync writes the true one and sets the bit again.
func (fsys *FS) arm() {
	if !fsys.clean && (!fsys.infoOK || fsys.info.free == fsiUnknown) {
		fsys.d.beforeWrite = nil
		return
	}
	fsys.d.beforeWrite = fsys.markChanging
}

// markChanging marks the volume as changing, on disk, before the write
// that armed it is made.
func (fsys *FS) markChanging() error {
	if fsys.clean {
		if err := fsys.t.markClean(false); err != nil {
			return err
		}
		fsys.clean = false
	}
	if fsys.infoOK && fsys.info.free != fsiUnknown {
		fsys.info.free = fsiUnknown
		if err := fsys.writeInfo(); err != nil {
			return err
		}
	}
	return fsys.d.barrier()
}

// writeInfo writes the FSInfo sector with fsys.info.
func (fsys *FS) writeInfo() error {
	le := binary.LittleEndian
	le.PutUint32(fsys.infoSector[fsiFreeCount:], fsys.info.free)
	le.PutUint32(fsys.infoSector[fsiNxtFree:], fsys.info.next)
	return fsys.d.write(fsys.infoSector, int64(fsys.g.fsInfo))
}

// Sync makes everything written so far durable and, if anything was
// written since the last Sync, marks the volume clean: once every write
// before it is on disk, it writes the FSInfo sector's free count and
// next-free hint, then sets FAT[1]'s clean-shutdown bit. The bit stays
// clear while a removed file is still open, since its clusters would be
// lost if the system stopped before its last Close. The next change
// clears the bit again before it writes anything.
func (fsys *FS) Sync() error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	if err := fsys.sync(); err != nil {
		return fmt.Errorf("fat: sync: %w", err)
	}
	return nil
}

func (fsys *FS) sync() error {
	if fsys.opts.ReadOnly {
		return nil
	}
	if fsys.writable() == nil && (fsys.d.writes != fsys.synced || !fsys.clean) {
		if err := fsys.settle(); err != nil {
			return err
		}
	}
	return fsys.d.flush()
}

// settle brings the volume's summary up to date once every write before
// it is on disk: the FSInfo sector, then, unless removed files still open
// hold clusters, FAT[1]'s clean-shutdown bit. It writes only what
// differs from the disk.
func (fsys *FS) settle() error {
	// The summary written here is the true one: marking it unknown
	// first would be a wasted write.
	fsys.d.beforeWrite = nil
	free, err := fsys.t.countFree()
	if err != nil {
		return err
	}
	// Clusters of removed files still open are allocated until the
	// last Close; a check after a crash finds them free.
	held, err := fsys.orphanClusters()
	if err != nil {
		return err
	}
	if err := fsys.d.barrier(); err != nil {
		return err
	}
	// The next-free hint is only a hint: it is written with the count,
	// not for itself.
	if free += held; fsys.infoOK && free != fsys.info.free {
		fsys.info = fsInfo{free: free, next: fsys.t.next}
		if err := fsys.writeInfo(); err != nil {
			return err
		}
	}
	if !fsys.clean && held == 0 {
		if err := fsys.d.barrier(); err != nil {
			return err
		}
		if err := fsys.t.markClean(true); err != nil {
			return err
		}
		fsys.clean = true
	}
	fsys.synced = fsys.d.writes
	fsys.arm()
	return nil
}

// MountReport is what Mount found about how the volume was left.
type MountReport struct {
	// WasClean is FAT[1]'s clean-shutdown bit as Mount found it. This
	// package clears the bit before the first change after Mount or
	// Sync and sets it again in Sync, so it is clear when whatever last
	// wrote the volume stopped before a Sync.
	WasClean bool
	// HardError is set when FAT[1]'s hard-error bit was clear: a system
	// met a disk I/O error on the volume. This package keeps the bit as
	// found.
	HardError bool
	// Repaired is set when Mount ran Repair: the volume was mounted
	// read-write and was not clean.
	Repaired bool
	// Repair is what that Repair found and changed.
	Repair Report
	// RepairErr is why that Repair did not finish, nil if it did. The
	// volume is then read-only until it is mounted again.
	RepairErr error
}

// MountReport returns what Mount found about how the volume was left.
func (fsys *FS) MountReport() MountReport {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	return fsys.report
}

// Usage is what StatFS reports.
type Usage struct {
	TotalBytes   uint64 // bytes in data clusters
	FreeBytes    uint64 // bytes in free clusters
	ClusterSize  int    // bytes per cluster
	Clusters     uint32 // data clusters
	FreeClusters uint32
	Label        string // the volume label, "" if none
}

// StatFS reports the volume's size, free space and label. The first call
// reads the whole FAT to count free clusters.
func (fsys *FS) StatFS() (Usage, error) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	free, err := fsys.t.countFree()
	if err != nil {
		return Usage{}, fsys.pathError("statfs", "/", err)
	}
	cs := uint64(fsys.g.clusterSize)
	return Usage{
		TotalBytes:   uint64(fsys.g.clusters) * cs,
		FreeBytes:    uint64(free) * cs,
		ClusterSize:  fsys.g.clusterSize,
		Clusters:     fsys.g.clusters,
		FreeClusters: free,
		Label:        fsys.label,
	}, nil
}

// splitPath returns the elements of a slash-separated path; empty
// elements and "." are skipped, and ".." is refused.
func splitPath(name string) ([]string, error) {
	var parts []string
	for p := range strings.SplitSeq(name, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return nil, fmt.Errorf("\"..\" in a path: %w", ErrBadName)
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// walk resolves all but the last element of a path. It returns the
// directory that holds the last element, the element ("" for the root
// itself), and the first clusters of the directories from the root down
// to that directory.
func (fsys *FS) walk(name string) (d *dir, base string, path []uint32, err error) {
	parts, err := splitPath(name)
	if err != nil {
		return nil, "", nil, err
	}
	d = fsys.root
	path = []uint32{d.first}
	if len(parts) == 0 {
		return d, "", path, nil
	}
	for _, p := range parts[:len(parts)-1] {
		ent := d.lookup(p)
		if ent == nil {
			return nil, "", nil, fs.ErrNotExist
		}
		if d, err = fsys.subdir(d, ent); err != nil {
			return nil, "", nil, err
		}
		path = append(path, d.first)
	}
	return d, parts[len(parts)-1], path, nil
}

// lookup resolves a whole path to the directory holding it and its entry;
// ent is nil for the root.
func (fsys *FS) lookup(name string) (d *dir, ent *dirent, err error) {
	d, base, _, err := fsys.walk(name)
	if err != nil || base == "" {
		return d, nil, err
	}
	if ent = d.lookup(base); ent == nil {
		return nil, nil, fs.ErrNotExist
	}
	return d, ent, nil
}

// subdir loads the directory an entry of d names.
func (fsys *FS) subdir(d *dir, ent *dirent) (*dir, error) {
	e := d.entry(ent.slot)
	if e[dirAttr]&attrDirectory == 0 {
		return nil, ErrNotDir
	}
	first := entryFirst(e)
	if !fsys.g.validCluster(first) || first == fsys.g.rootCluster {
		return nil, fmt.Errorf("directory %q starts at cluster %d: %w", ent.name, first, ErrCorrupt)
	}
	return fsys.loadDir(first)
}

// Stat returns a description of the named file or directory.
func (fsys *FS) Stat(name string) (fs.FileInfo, error) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	d, ent, err := fsys.lookup(name)
	if err != nil {
		return nil, fsys.pathError("stat", name, err)
	}
	if ent == nil {
		return rootInfo(), nil
	}
	return fsys.entryInfo(ent.name, d.entry(ent.slot), ent.short), nil
}

// ReadDir returns the entries of the named directory, sorted by name.
func (fsys *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	d, ent, err := fsys.lookup(name)
	if err == nil && ent != nil {
		d, err = fsys.subdir(d, ent)
	}
	if err != nil {
		return nil, fsys.pathError("readdir", name, err)
	}
	list, _ := fsys.list(d, 0, 0)
	sort.Slice(list, func(i, j int) bool { return list[i].Name() < list[j].Name() })
	return list, nil
}

// list returns up to n (all if n <= 0) of d's entries from slot from on,
// and the slot to go on from.
func (fsys *FS) list(d *dir, from, n int) ([]fs.DirEntry, int) {
	k := sort.Search(len(d.ents), func(k int) bool { return d.ents[k].slot >= from })
	var out []fs.DirEntry
	for _, ent := range d.ents[k:] {
		if n > 0 && len(out) == n {
			break
		}
		out = append(out, dirEntry{fsys.entryInfo(ent.name, d.entry(ent.slot), ent.short)})
		from = ent.slot + 1
	}
	return out, from
}

// Mkdir makes a directory. Its cluster, with "." and "..", is written
// and marked allocated before the entry naming it, so that a crash leaves
// at worst a lost cluster.
func (fsys *FS) Mkdir(name string) error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	if err := fsys.mkdir(name); err != nil {
		return fsys.pathError("mkdir", name, err)
	}
	return nil
}

func (fsys *FS) mkdir(name string) error {
	if err := fsys.writable(); err != nil {
		return err
	}
	d, base, _, err := fsys.walk(name)
	if err != nil {
		return err
	}
	if base == "" || d.lookup(base) != nil {
		return fs.ErrExist
	}
	if err := checkName(base); err != nil {
		return err
	}
	got, err := fsys.t.allocate(1, 0)
	if err != nil {
		return err
	}
	c, now := got[0], fsys.now()
	parent := d.first
	if d.root {
		// ".." of a directory in the root names cluster 0 (fatgen103,
		// "FAT Directory Structure").
		parent = 0
	}
	buf := make([]byte, fsys.g.clusterSize)
	dot := newShortEntry(dotName, attrDirectory, c, now)
	dotdot := newShortEntry(dotDotName, attrDirectory, parent, now)
	copy(buf, dot[:])
	copy(buf[entrySize:], dotdot[:])
	if err := fsys.d.writeBytes(buf, fsys.g.clusterSector(c)*int64(fsys.g.sectorSize)); err != nil {
		return err
	}
	if err := fsys.commitFAT(); err != nil {
		return err
	}
	if _, err := fsys.create(d, base, attrDirectory, c); err != nil {
		if rerr := fsys.t.release(got); rerr != nil {
			return errors.Join(err, rerr)
		}
		return errors.Join(err, fsys.commitFAT())
	}
	return nil
}

// create adds an entry named name, with attributes attr and first
// cluster first, to d. All its slots lie in one sector when they fit in
// one; when they cannot, the sectors are written last first, so that a
// crash between them leaves long-name entries that readers skip rather
// than ones they would pair with a missing short entry.
func (fsys *FS) create(d *dir, name string, attr byte, first uint32) (*dirent, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if d.lookup(name) != nil {
		return nil, fs.ErrExist
	}
	short, lfn, err := d.uniqueShort(name)
	if err != nil {
		return nil, err
	}
	ents := entriesFor(name, short, lfn, newShortEntry(short, attr, first, fsys.now()))
	s, err := fsys.placeRun(d, len(ents), -1, nil)
	if err != nil {
		return nil, err
	}
	d.put(s, ents)
	ent := &dirent{slot: s + len(ents) - 1, lfn: len(ents) - 1, name: name, short: short}
	d.insert(ent)
	if err := fsys.writeSlots(d, s, s+len(ents), true); err != nil {
		return nil, err
	}
	return ent, nil
}

// entriesFor returns the slots of an entry: its long-name entries, if it
// needs them, then its short entry se.
func entriesFor(name string, short shortName, lfn bool, se [entrySize]byte) [][entrySize]byte {
	var ents [][entrySize]byte
	if lfn {
		ents = lfnEntries(name, checksum(short))
	}
	return append(ents, se)
}

// Remove removes a file or an empty directory. The entry goes first, its
// clusters after, so that a crash leaves at worst lost clusters, never a
// name on freed ones. A file still open keeps its clusters until its last
// Close.
func (fsys *FS) Remove(name string) error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	if err := fsys.remove(name); err != nil {
		return fsys.pathError("remove", name, err)
	}
	return nil
}

func (fsys *FS) remove(name string) error {
	if err := fsys.writable(); err != nil {
		return err
	}
	d, ent, err := fsys.lookup(name)
	if err != nil {
		return err
	}
	if ent == nil {
		return fmt.Errorf("the root directory cannot be removed: %w", fs.ErrInvalid)
	}
	victim, err := fsys.prepareRemoval(d, ent)
	if err != nil {
		return err
	}
	lo := ent.slot - ent.lfn
	d.forget(ent)
	if err := fsys.writeSlots(d, lo, ent.slot+1, false); err != nil {
		return err
	}
	return fsys.finishRemoval(victim)
}

// removal is what deleting an entry leaves to free.
type removal struct {
	n        *node           // the entry's open node, if any
	entry    [entrySize]byte // the entry as it was, for that node's Stat
	sub      *dir            // the directory the entry named, if it is one
	clusters []uint32
}

// prepareRemoval checks that ent, in d, can go and gathers what it
// holds: a directory must be empty; a chain is read whole, so that a
// damaged one is found before anything changes.
func (fsys *FS) prepareRemoval(d *dir, ent *dirent) (removal, error) {
	var r removal
	e := d.entry(ent.slot)
	r.n = fsys.nodes[nodeKey{d.first, ent.slot}]
	copy(r.entry[:], e)
	if e[dirAttr]&attrDirectory != 0 {
		sub, err := fsys.subdir(d, ent)
		if err != nil {
			return r, err
		}
		if !sub.empty() {
			return r, ErrNotEmpty
		}
		r.sub, r.clusters = sub, sub.ch.clusters(0)
		return r, nil
	}
	if r.n != nil {
		// Freed at the last Close.
		return r, nil
	}
	if first := entryFirst(e); first != 0 {
		ch, err := fsys.t.chain(first, fsys.g.clusters)
		if err != nil {
			return r, err
		}
		r.clusters = ch.clusters(0)
	}
	return r, nil
}

// finishRemoval frees what a deleted entry held, once the deletion is
// on disk.
func (fsys *FS) finishRemoval(r removal) error {
	if r.n != nil {
		fsys.unlink(r.n, r.entry)
	}
	if r.sub != nil {
		fsys.dropDir(r.sub)
	}
	if len(r.clusters) == 0 {
		return nil
	}
	if err := fsys.t.release(r.clusters); err != nil {
		return err
	}
	return fsys.commitFAT()
}

// Rename renames a file or directory, moving it between directories if
// asked. An existing target is replaced as POSIX rename does: a file by a
// file, an empty directory by a directory.
//
// FAT cannot rename atomically. When the old and new entries (and a
// replaced target's) share one directory sector, one write does it all.
// Otherwise the target's entry and the old entry are deleted first, a
// moved directory's ".." is pointed at its new parent, and the new entry
// is written last: a crash in between loses the name, leaving its
// clusters lost (fsck.fat reclaims them, or -f salvages them to files),
// but never two names on one chain.
func (fsys *FS) Rename(oldname, newname string) error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	if err := fsys.rename(oldname, newname); err != nil {
		return fsys.pathError("rename", oldname, fmt.Errorf("to %s: %w", newname, err))
	}
	return nil
}

func (fsys *FS) rename(oldname, newname string) error {
	if err := fsys.writable(); err != nil {
		return err
	}
	od, src, err := fsys.lookup(oldname)
	if err != nil {
		return err
	}
	if src == nil {
		return fmt.Errorf("the root directory cannot be renamed: %w", fs.ErrInvalid)
	}
	nd, nbase, npath, err := fsys.walk(newname)
	if err != nil {
		return err
	}
	if nbase == "" {
		return fmt.Errorf("nothing can replace the root directory: %w", fs.ErrInvalid)
	}
	if err := checkName(nbase); err != nil {
		return err
	}
	se := od.entry(src.slot)
	var moved *dir
	if se[dirAttr]&attrDirectory != 0 {
		if moved, err = fsys.subdir(od, src); err != nil {
			return err
		}
		if slices.Contains(npath, moved.first) {
			return fmt.Errorf("a directory cannot move into itself: %w", fs.ErrInvalid)
		}
	}
	tgt := nd.lookup(nbase)
	if tgt == src {
		if nbase == src.name {
			return nil
		}
		tgt = nil // a new spelling of the same name
	}
	var victim removal
	if tgt != nil {
		tgtDir := nd.entry(tgt.slot)[dirAttr]&attrDirectory != 0
		switch {
		case moved != nil && !tgtDir:
			return ErrNotDir
		case moved == nil && tgtDir:
			return ErrIsDir
		}
		if victim, err = fsys.prepareRemoval(nd, tgt); err != nil {
			return err
		}
	}

	spare := []shortName{}
	inSrc := func(i int) bool { return nd == od && i >= src.slot-src.lfn && i <= src.slot }
	inTgt := func(i int) bool { return tgt != nil && i >= tgt.slot-tgt.lfn && i <= tgt.slot }
	if nd == od {
		spare = append(spare, src.short)
	}
	if tgt != nil {
		spare = append(spare, tgt.short)
	}
	short, lfn, err := nd.uniqueShort(nbase, spare...)
	if err != nil {
		return err
	}
	var sentry [entrySize]byte
	copy(sentry[:], se)
	copy(sentry[dirName:], short[:])
	sentry[dirNTRes] = 0
	ents := entriesFor(nbase, short, lfn, sentry)
	prefer := -1
	if nd == od {
		prefer = src.slot
	}
	s, err := fsys.placeRun(nd, len(ents), prefer, func(i int) bool { return inSrc(i) || inTgt(i) })
	if err != nil {
		return err
	}

	// One sector write if the old entry, the target's and the new one all
	// lie in one sector; otherwise the target's and the old entry's
	// deletions, the moved directory's "..", then the new entry, each
	// written before the next is made in memory.
	per := fsys.g.sectorSize / entrySize
	sector := s / per
	one := nd == od && (s+len(ents)-1)/per == sector && src.slot-src.lfn >= sector*per && src.slot < (sector+1)*per
	if tgt != nil {
		one = one && tgt.slot-tgt.lfn >= sector*per && tgt.slot < (sector+1)*per
	}
	srcSlot := src.slot
	ent := &dirent{slot: s + len(ents) - 1, lfn: len(ents) - 1, name: nbase, short: short}
	if one {
		if tgt != nil {
			nd.forget(tgt)
		}
		od.forget(src)
		nd.put(s, ents)
		nd.insert(ent)
		if err := fsys.writeSlots(nd, s, s+1, false); err != nil {
			return err
		}
	} else {
		if tgt != nil {
			lo, hi := tgt.slot-tgt.lfn, tgt.slot+1
			nd.forget(tgt)
			if err := fsys.writeSlots(nd, lo, hi, false); err != nil {
				return err
			}
		}
		lo, hi := src.slot-src.lfn, src.slot+1
		od.forget(src)
		if err := fsys.writeSlots(od, lo, hi, false); err != nil {
			return err
		}
		if moved != nil && od != nd {
			if err := fsys.reparent(moved, nd); err != nil {
				return err
			}
		}
		nd.put(s, ents)
		nd.insert(ent)
		if err := fsys.writeSlots(nd, s, s+len(ents), true); err != nil {
			return err
		}
	}
	if n := fsys.nodes[nodeKey{od.first, srcSlot}]; n != nil {
		fsys.move(n, nd, ent.slot)
	}
	return fsys.finishRemoval(victim)
}

// reparent points a moved directory's ".." entry at its new parent.
func (fsys *FS) reparent(moved, parent *dir) error {
	if moved.slots() < 2 {
		return nil
	}
	e := moved.entry(1)
	var s shortName
	copy(s[:], e[:11])
	if s != dotDotName {
		return nil
	}
	c := parent.first
	if parent.root {
		c = 0
	}
	setEntryFirst(e, c)
	return fsys.writeSlots(moved, 1, 2, false)
}

// Truncate changes the size of the named file.
func (fsys *FS) Truncate(name string, size int64) error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	if err := fsys.truncatePath(name, size); err != nil {
		return fsys.pathError("truncate", name, err)
	}
	return nil
}

func (fsys *FS) truncatePath(name string, size int64) error {
	if err := fsys.writable(); err != nil {
		return err
	}
	d, ent, err := fsys.lookup(name)
	if err != nil {
		return err
	}
	if ent == nil || d.entry(ent.slot)[dirAttr]&attrDirectory != 0 {
		return ErrIsDir
	}
	if d.entry(ent.slot)[dirAttr]&attrReadOnly != 0 {
		return fs.ErrPermission
	}
	n := fsys.openNode(d, ent)
	defer fsys.closeNode(n)
	return fsys.truncate(n, size)
}

// Open opens the named file or directory for reading.
func (fsys *FS) Open(name string) (*File, error) {
	return fsys.OpenFile(name, os.O_RDONLY, 0)
}

// Create creates or truncates the named file and opens it for reading
// and writing.
func (fsys *FS) Create(name string) (*File, error) {
	return fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// OpenFile opens a file with os.OpenFile's flags: one of O_RDONLY,
// O_WRONLY, O_RDWR, and any of O_CREATE, O_EXCL, O_TRUNC, O_APPEND.
// perm matters only when the file is created: without write bits the
// file gets FAT's read-only attribute. Directories open read-only, for
// ReadDir.
func (fsys *FS) OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.trimDirs()
	f, err := fsys.openFile(name, flag, perm)
	if err != nil {
		return nil, fsys.pathError("open", name, err)
	}
	return f, nil
}

func (fsys *FS) openFile(name string, flag int, perm fs.FileMode) (*File, error) {
	write := flag&(os.O_WRONLY|os.O_RDWR) != 0
	changes := write || flag&(os.O_CREATE|os.O_TRUNC) != 0
	if changes {
		if err := fsys.writable(); err != nil {
			return nil, err
		}
	}
	d, base, _, err := fsys.walk(name)
	if err != nil {
		return nil, err
	}
	if base == "" {
		if changes {
			return nil, ErrIsDir
		}
		return &File{fsys: fsys, n: fsys.rootNode(), name: name, flag: flag}, nil
	}
	ent := d.lookup(base)
	switch {
	case ent == nil && flag&os.O_CREATE == 0:
		return nil, fs.ErrNotExist
	case ent == nil:
		attr := byte(attrArchive)
		if perm&0o222 == 0 {
			attr |= attrReadOnly
		}
		if ent, err = fsys.create(d, base, attr, 0); err != nil {
			return nil, err
		}
	case flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		return nil, fs.ErrExist
	default:
		attr := d.entry(ent.slot)[dirAttr]
		if attr&attrDirectory != 0 && changes {
			return nil, ErrIsDir
		}
		if attr&attrReadOnly != 0 && (write || flag&os.O_TRUNC != 0) {
			return nil, fs.ErrPermission
		}
	}
	if d.entry(ent.slot)[dirAttr]&attrDirectory != 0 {
		if _, err := fsys.subdir(d, ent); err != nil {
			return nil, err
		}
	}
	n := fsys.openNode(d, ent)
	if flag&os.O_TRUNC != 0 && n.size > 0 {
		if err := fsys.truncate(n, 0); err != nil {
			fsys.closeNode(n)
			return nil, err
		}
	}
	return &File{fsys: fsys, n: n, name: name, flag: flag}, nil
}
