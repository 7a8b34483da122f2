package fat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// maxFileSize is the most a directory entry's 32-bit size field holds.
const maxFileSize = 1<<32 - 1

// nodeKey names a directory entry: its directory's first cluster and the
// slot of its short entry.
type nodeKey struct {
	dir  uint32
	slot int
}

// node is an open file or directory, shared by every File open on the
// same entry so that they see one size and one chain.
type node struct {
	key      nodeKey
	parent   *dir // holds the entry; nil for the root and once unlinked
	name     string
	root     bool
	isDir    bool
	first    uint32 // first cluster, 0 for an empty file
	size     uint32
	ch       *chain // the cluster chain, read when first needed
	refs     int
	unlinked bool            // removed while open
	saved    [entrySize]byte // the entry as it was when removed
}

// openNode returns the node of ent in d, shared if already open.
func (fsys *FS) openNode(d *dir, ent *dirent) *node {
	k := nodeKey{d.first, ent.slot}
	if n := fsys.nodes[k]; n != nil {
		n.refs++
		return n
	}
	e := d.entry(ent.slot)
	n := &node{key: k, parent: d, name: ent.name, first: entryFirst(e), refs: 1}
	if e[dirAttr]&attrDirectory != 0 {
		n.isDir = true
	} else {
		n.size = entrySize32(e)
	}
	fsys.nodes[k] = n
	d.open++
	return n
}

// rootNode returns a node for the root directory, which has no entry.
func (fsys *FS) rootNode() *node {
	return &node{root: true, isDir: true, name: ".", first: fsys.g.rootCluster, refs: 1}
}

// closeNode drops a reference to n. The last reference to a removed file
// frees its clusters.
func (fsys *FS) closeNode(n *node) error {
	if n.refs--; n.refs > 0 || n.root {
		return nil
	}
	if !n.unlinked {
		delete(fsys.nodes, n.key)
		n.parent.open--
		return nil
	}
	delete(fsys.orphans, n)
	if n.isDir || n.first == 0 {
		return nil
	}
	if err := fsys.writable(); err != nil {
		// The clusters stay allocated and unreferenced: lost clusters.
		return nil
	}
	ch, err := fsys.chainOf(n)
	if err != nil {
		return err
	}
	if err := fsys.t.release(ch.clusters(0)); err != nil {
		return err
	}
	n.ch = nil
	return fsys.commitFAT()
}

// unlink detaches n from its entry, which has been deleted; entry is the
// entry as it was.
func (fsys *FS) unlink(n *node, entry [entrySize]byte) {
	n.saved = entry
	delete(fsys.nodes, n.key)
	n.parent.open--
	n.parent = nil
	n.unlinked = true
	if !n.isDir {
		fsys.orphans[n] = true
	}
}

// orphanClusters counts the clusters that removed files still open hold.
func (fsys *FS) orphanClusters() (uint32, error) {
	var held uint32
	for n := range fsys.orphans {
		ch, err := fsys.chainOf(n)
		if err != nil {
			return 0, err
		}
		held += ch.n
	}
	return held, nil
}

// move follows n's entry to slot of d.
func (fsys *FS) move(n *node, d *dir, slot int) {
	delete(fsys.nodes, n.key)
	n.parent.open--
	n.parent, n.key = d, nodeKey{d.first, slot}
	d.open++
	fsys.nodes[n.key] = n
	for _, ent := range d.ents {
		if ent.slot == slot {
			n.name = ent.name
		}
	}
}

// chainOf returns n's chain, reading it on first use.
func (fsys *FS) chainOf(n *node) (*chain, error) {
	if n.ch != nil {
		return n.ch, nil
	}
	if n.first == 0 {
		n.ch = &chain{}
		return n.ch, nil
	}
	ch, err := fsys.t.chain(n.first, fsys.g.clusters)
	if err != nil {
		return nil, err
	}
	n.ch = ch
	return ch, nil
}

// spans calls fn for each piece of bytes [off, end) of a file with chain
// ch that lies in consecutive clusters, with the volume byte offset where
// the piece starts. A chain too short for the range is ErrCorrupt.
func (fsys *FS) spans(ch *chain, off, end int64, fn func(vol, lo, hi int64) error) error {
	cs := int64(fsys.g.clusterSize)
	for off < end {
		ci := off / cs
		if ci >= int64(ch.n) {
			return fmt.Errorf("cluster chain of %d clusters ends before byte %d: %w", ch.n, off, ErrCorrupt)
		}
		c, run := ch.at(uint32(ci))
		hi := min(end, (ci+int64(run))*cs)
		vol := fsys.g.clusterSector(c)*int64(fsys.g.sectorSize) + off%cs
		if err := fn(vol, off, hi); err != nil {
			return err
		}
		off = hi
	}
	return nil
}

// readAt reads n's bytes from off into p.
func (fsys *FS) readAt(n *node, p []byte, off int64) (int, error) {
	if n.isDir {
		return 0, ErrIsDir
	}
	if off < 0 {
		return 0, fmt.Errorf("negative offset: %w", fs.ErrInvalid)
	}
	if off >= int64(n.size) {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), int64(n.size))
	ch, err := fsys.chainOf(n)
	if err != nil {
		return 0, err
	}
	err = fsys.spans(ch, off, end, func(vol, lo, hi int64) error {
		return fsys.d.readBytes(p[lo-off:hi-off], vol)
	})
	if err != nil {
		return 0, err
	}
	if got := int(end - off); got < len(p) {
		return got, io.EOF
	}
	return len(p), nil
}

// writeAt writes p at off, zero-filling any gap after the end of the
// file. It writes all of p or nothing.
func (fsys *FS) writeAt(n *node, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset: %w", fs.ErrInvalid)
	}
	if len(p) == 0 {
		return 0, nil
	}
	end := off + int64(len(p))
	if end > maxFileSize {
		return 0, fmt.Errorf("%d bytes at offset %d: %w", len(p), off, ErrTooLarge)
	}
	err := fsys.change(n, end, func(ch *chain) error {
		if size := int64(n.size); off > size {
			if err := fsys.zero(ch, size, off); err != nil {
				return err
			}
		}
		return fsys.spans(ch, off, end, func(vol, lo, hi int64) error {
			return fsys.d.writeBytes(p[lo-off:hi-off], vol)
		})
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// zero writes zeros over bytes [off, end) of a file with chain ch.
func (fsys *FS) zero(ch *chain, off, end int64) error {
	return fsys.spans(ch, off, end, func(vol, lo, hi int64) error {
		return fsys.d.zeroBytes(vol, hi-lo)
	})
}

// change lets fill write n's data with the chain grown to hold end bytes,
// then makes the change visible in the order that keeps a crash harmless:
// the data, then the new clusters' FAT entries, then the link to them
// from the old last cluster, then the entry's size and first cluster. A
// crash before the entry is written leaves the file as it was, with at
// worst lost clusters or a chain longer than its size.
func (fsys *FS) change(n *node, end int64, fill func(ch *chain) error) error {
	ch, err := fsys.chainOf(n)
	if err != nil {
		return err
	}
	cs := int64(fsys.g.clusterSize)
	need := uint32((end + cs - 1) / cs)
	last, had := ch.last(), ch.n
	var fresh []uint32
	if need > ch.n {
		if fresh, err = fsys.t.allocate(need-ch.n, last); err != nil {
			return err
		}
		for _, c := range fresh {
			ch.push(c)
		}
	}
	if err := fill(ch); err != nil {
		if fresh != nil {
			ch.cut(had)
			err = errors.Join(err, fsys.t.release(fresh))
		}
		return err
	}
	if fresh != nil {
		if err := fsys.link(last, fresh[0]); err != nil {
			return err
		}
		if n.first == 0 {
			n.first = fresh[0]
		}
	}
	if end > int64(n.size) {
		n.size = uint32(end)
	}
	return fsys.syncEntry(n, true)
}

// truncate sets n's size. Growing zero-fills; shrinking writes the entry
// first and frees clusters after, so that a crash leaves at worst lost
// clusters or a chain longer than the size.
func (fsys *FS) truncate(n *node, size int64) error {
	switch {
	case n.isDir:
		return ErrIsDir
	case size < 0:
		return fmt.Errorf("negative size: %w", fs.ErrInvalid)
	case size > maxFileSize:
		return fmt.Errorf("size %d: %w", size, ErrTooLarge)
	case size == int64(n.size):
		return nil
	case size > int64(n.size):
		from := int64(n.size)
		return fsys.change(n, size, func(ch *chain) error { return fsys.zero(ch, from, size) })
	}
	ch, err := fsys.chainOf(n)
	if err != nil {
		return err
	}
	cs := int64(fsys.g.clusterSize)
	keep := uint32((size + cs - 1) / cs)
	n.size = uint32(size)
	if keep == 0 {
		n.first = 0
	}
	if err := fsys.syncEntry(n, true); err != nil {
		return err
	}
	if keep >= ch.n {
		return nil
	}
	rest := ch.clusters(keep)
	if keep > 0 {
		c, _ := ch.at(keep - 1)
		if err := fsys.t.set(c, fatEOC); err != nil {
			return err
		}
		if err := fsys.commitFAT(); err != nil {
			return err
		}
	}
	ch.cut(keep)
	if err := fsys.t.release(rest); err != nil {
		return err
	}
	return fsys.commitFAT()
}

// syncEntry writes n's first cluster and size to its entry, and with
// modified the write time and archive bit, if that changes the entry.
func (fsys *FS) syncEntry(n *node, modified bool) error {
	if n.root || n.unlinked {
		return nil
	}
	e := n.parent.entry(n.key.slot)
	var before [entrySize]byte
	copy(before[:], e)
	setEntryFirst(e, n.first)
	if !n.isDir {
		setEntrySize(e, n.size)
	}
	if modified {
		setEntryModTime(e, fsys.now())
		e[dirAttr] |= attrArchive
	}
	if bytes.Equal(before[:], e) {
		return nil
	}
	return fsys.writeSlots(n.parent, n.key.slot, n.key.slot+1, false)
}

// File is an open file or directory of an FS. Its methods are safe for
// concurrent use, each taking the FS's lock.
type File struct {
	fsys   *FS
	n      *node
	name   string
	flag   int
	off    int64
	dirPos int // the slot ReadDir goes on from
	closed bool
}

// check returns why f cannot be used, or nil; with write, also why it
// cannot be written.
//
// Preconditions: f.fsys.mu is held.
func (f *File) check(write bool) error {
	switch {
	case f.closed:
		return fs.ErrClosed
	case !write:
		return nil
	case f.flag&(os.O_WRONLY|os.O_RDWR) == 0:
		return fmt.Errorf("not open for writing: %w", fs.ErrPermission)
	}
	return f.fsys.writable()
}

func (f *File) lock() func() {
	f.fsys.mu.Lock()
	return f.fsys.mu.Unlock
}

// Name returns the name the file was opened with.
func (f *File) Name() string { return f.name }

// Read reads up to len(p) bytes from the file's offset.
func (f *File) Read(p []byte) (int, error) {
	defer f.lock()()
	if err := f.check(false); err != nil {
		return 0, f.fsys.pathError("read", f.name, err)
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := f.fsys.readAt(f.n, p, f.off)
	f.off += int64(n)
	if err != nil && err != io.EOF {
		return n, f.fsys.pathError("read", f.name, err)
	}
	return n, err
}

// ReadAt reads len(p) bytes from off; fewer only with an error, io.EOF at
// the end of the file.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	defer f.lock()()
	if err := f.check(false); err != nil {
		return 0, f.fsys.pathError("read", f.name, err)
	}
	n, err := f.fsys.readAt(f.n, p, off)
	if err != nil && err != io.EOF {
		return n, f.fsys.pathError("read", f.name, err)
	}
	return n, err
}

// Write writes p at the file's offset, or at its end with O_APPEND. It
// writes all of p or nothing.
func (f *File) Write(p []byte) (int, error) {
	defer f.lock()()
	if err := f.check(true); err != nil {
		return 0, f.fsys.pathError("write", f.name, err)
	}
	if f.flag&os.O_APPEND != 0 {
		f.off = int64(f.n.size)
	}
	n, err := f.fsys.writeAt(f.n, p, f.off)
	f.off += int64(n)
	if err != nil {
		return n, f.fsys.pathError("write", f.name, err)
	}
	return n, nil
}

// WriteAt writes p at off. Files opened with O_APPEND refuse it, as
// os.File does.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	defer f.lock()()
	err := f.check(true)
	if err == nil && f.flag&os.O_APPEND != 0 {
		err = fmt.Errorf("WriteAt on a file opened with O_APPEND: %w", fs.ErrInvalid)
	}
	if err != nil {
		return 0, f.fsys.pathError("write", f.name, err)
	}
	n, err := f.fsys.writeAt(f.n, p, off)
	if err != nil {
		return n, f.fsys.pathError("write", f.name, err)
	}
	return n, nil
}

// Seek sets the offset of the next Read or Write. A directory can only be
// sought back to its start, which restarts ReadDir.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	defer f.lock()()
	if err := f.check(false); err != nil {
		return 0, f.fsys.pathError("seek", f.name, err)
	}
	if f.n.isDir {
		if offset != 0 || whence != io.SeekStart {
			return 0, f.fsys.pathError("seek", f.name, fmt.Errorf("directories seek only to their start: %w", fs.ErrInvalid))
		}
		f.dirPos = 0
		return 0, nil
	}
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.off
	case io.SeekEnd:
		base = int64(f.n.size)
	default:
		return 0, f.fsys.pathError("seek", f.name, fmt.Errorf("whence %d: %w", whence, fs.ErrInvalid))
	}
	if base+offset < 0 {
		return 0, f.fsys.pathError("seek", f.name, fmt.Errorf("negative offset: %w", fs.ErrInvalid))
	}
	f.off = base + offset
	return f.off, nil
}

// Truncate changes the file's size; the offset stays.
func (f *File) Truncate(size int64) error {
	defer f.lock()()
	err := f.check(true)
	if err == nil {
		err = f.fsys.truncate(f.n, size)
	}
	if err != nil {
		return f.fsys.pathError("truncate", f.name, err)
	}
	return nil
}

// Stat describes the file.
func (f *File) Stat() (fs.FileInfo, error) {
	defer f.lock()()
	if err := f.check(false); err != nil {
		return nil, f.fsys.pathError("stat", f.name, err)
	}
	switch n := f.n; {
	case n.root:
		return rootInfo(), nil
	case n.unlinked:
		info := f.fsys.entryInfo(n.name, n.saved[:], shortName(n.saved[:11]))
		info.size = int64(n.size)
		return info, nil
	default:
		return f.fsys.entryInfo(n.name, n.parent.entry(n.key.slot), shortName(n.parent.entry(n.key.slot)[:11])), nil
	}
}

// Sync makes the file's data and entry, and everything else written so
// far, durable: it is FS.Sync.
func (f *File) Sync() error {
	defer f.lock()()
	err := f.check(false)
	if err == nil {
		err = f.fsys.sync()
	}
	if err != nil {
		return f.fsys.pathError("sync", f.name, err)
	}
	return nil
}

// Close releases the file. Closing a removed file's last File frees its
// clusters.
func (f *File) Close() error {
	defer f.lock()()
	if f.closed {
		return f.fsys.pathError("close", f.name, fs.ErrClosed)
	}
	f.closed = true
	if err := f.fsys.closeNode(f.n); err != nil {
		return f.fsys.pathError("close", f.name, err)
	}
	return nil
}

// ReadDir reads a directory's entries in their order on disk, as
// os.File.ReadDir does: with n > 0 at most n, and io.EOF after the last;
// otherwise all that remain.
func (f *File) ReadDir(n int) ([]fs.DirEntry, error) {
	defer f.lock()()
	err := f.check(false)
	if err == nil && !f.n.isDir {
		err = ErrNotDir
	}
	var d *dir
	if err == nil && !f.n.unlinked {
		d, err = f.fsys.loadDir(f.n.first)
	}
	if err != nil {
		return nil, f.fsys.pathError("readdir", f.name, err)
	}
	var list []fs.DirEntry
	if d != nil {
		list, f.dirPos = f.fsys.list(d, f.dirPos, n)
	}
	if n > 0 && len(list) == 0 {
		return nil, io.EOF
	}
	return list, nil
}

// EntryInfo is what a FileInfo's Sys method returns: the FAT particulars
// of the entry.
type EntryInfo struct {
	ShortName string    // the 8.3 name, as "NAME.EXT"
	Attr      uint8     // DIR_Attr: read-only 0x01, hidden 0x02, system 0x04, directory 0x10, archive 0x20
	Created   time.Time // creation time, to the hundredth of a second
	Cluster   uint32    // first cluster, 0 for an empty file
}

// entryInfo describes a short entry under the name it is listed by.
// Directories are reported 0755 and files 0644, less the write bits when
// the read-only attribute is set: FAT has no other permissions.
func (fsys *FS) entryInfo(name string, e []byte, short shortName) *fileInfo {
	attr := e[dirAttr]
	info := &fileInfo{
		name:  name,
		mode:  0o644,
		mtime: entryModTime(e, fsys.loc),
		sys: &EntryInfo{
			ShortName: short.String(),
			Attr:      attr,
			Created:   entryCreateTime(e, fsys.loc),
			Cluster:   entryFirst(e),
		},
	}
	if attr&attrDirectory != 0 {
		info.mode = fs.ModeDir | 0o755
	} else {
		info.size = int64(entrySize32(e))
	}
	if attr&attrReadOnly != 0 {
		info.mode &^= 0o222
	}
	return info
}

func rootInfo() *fileInfo {
	return &fileInfo{name: ".", mode: fs.ModeDir | 0o755, sys: &EntryInfo{}}
}

// fileInfo implements fs.FileInfo.
type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	sys   *EntryInfo
}

func (i *fileInfo) Name() string       { return i.name }
func (i *fileInfo) Size() int64        { return i.size }
func (i *fileInfo) Mode() fs.FileMode  { return i.mode }
func (i *fileInfo) ModTime() time.Time { return i.mtime }
func (i *fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *fileInfo) Sys() any           { return i.sys }

// dirEntry implements fs.DirEntry.
type dirEntry struct{ info *fileInfo }

func (e dirEntry) Name() string               { return e.info.name }
func (e dirEntry) IsDir() bool                { return e.info.IsDir() }
func (e dirEntry) Type() fs.FileMode          { return e.info.mode.Type() }
func (e dirEntry) Info() (fs.FileInfo, error) { return e.info, nil }
