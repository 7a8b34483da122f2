// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import "slices"

// The writable file system at /tmp.
//
// Every program has a /tmp of its own in its Go heap, empty at start-up
// and gone when the program ends: the kernel's lasts one boot, and each
// ring-3 program, being a Go runtime of its own, has a private one for
// its lifetime. Files and directories there can be made, written,
// truncated, renamed (within /tmp: to and from the rest of the tree is
// EXDEV), given modes, owners and times, and removed. It has no links,
// symbolic or hard. The program is root, so modes are kept but never
// checked.
//
// tmpBudget bounds the bytes it holds: file contents (the capacity of
// their buffers) and inodeCost per file or directory. A write, truncate or
// create that would pass it fails with ENOSPC, so that a program filling
// /tmp gets a clean error rather than exhausting memory. A removed file's
// bytes return to the budget when its last open description closes.

const (
	tmpDev    = 2   // Stat_t.Dev of /tmp; the rest of the tree is 1
	inodeCost = 256 // budget bytes charged per file or directory
	nameMax   = 255 // the longest name of an entry, as on Linux
	growStep  = 1 << 20

	// utimeOmit in a Timespec's Nsec asks UtimesNano to leave that time
	// alone; it is internal/syscall/unix.UTIME_OMIT, which package os
	// passes.
	utimeOmit = -0x2
)

var (
	tmpRoot   *inode            // the directory /tmp
	tmpBudget = int64(64 << 20) // the most bytes /tmp may hold
	tmpUsed   int64             // the bytes it holds, at most tmpBudget
	umask     = uint32(0o022)   // permission bits that creation clears
)

// mountTmp makes the empty directory /tmp, before the initrd's files are
// mounted.
func mountTmp() {
	fsMu.Lock()
	defer fsMu.Unlock()
	now := timeNow()
	tmpRoot = &inode{
		mode: S_IFDIR | S_ISVTX | 0o777,
		kids: map[string]*inode{},
		tmp:  true,
		atim: now,
		mtim: now,
		ctim: now,
	}
	root.add(tmpRoot, "tmp")
}

// timeNow returns the wall clock time.
func timeNow() Timespec {
	sec, nsec := now()
	return Timespec{Sec: sec, Nsec: int64(nsec)}
}

// charge adds delta bytes to n's share of the budget, or fails with
// ENOSPC if the budget cannot hold them.
//
// Preconditions: fsMu is held for writing.
func (n *inode) charge(delta int64) error {
	if delta > tmpBudget-tmpUsed {
		return ENOSPC
	}
	tmpUsed += delta
	n.charged += delta
	return nil
}

// mountKid makes a directory or a file with the given contents named name
// in d for clkMount: read-only outside /tmp; inside, writable, with the
// contents borrowed until they first change. It is charged inodeCost even
// past the budget, since mounting cannot fail for lack of space.
//
// Preconditions: fsMu is held for writing.
func (d *inode) mountKid(name string, dir bool, data []byte) *inode {
	n := &inode{mode: S_IFREG | 0o444, data: data}
	if dir {
		n = &inode{mode: S_IFDIR | 0o555, kids: map[string]*inode{}}
	}
	if d.tmp {
		now := timeNow()
		n.tmp = true
		n.borrowed = !dir
		n.mode |= 0o200
		n.atim, n.mtim, n.ctim = now, now, now
		d.mtim, d.ctim = now, now
		tmpUsed += inodeCost
		n.charged = inodeCost
	}
	d.add(n, name)
	return n
}

// create makes an empty file or directory, as mode says, named name in d.
//
// Preconditions: fsMu is held for writing; d has no entry name.
func (d *inode) create(name string, mode uint32) (*inode, error) {
	switch {
	case !d.tmp:
		return nil, EROFS
	case d.removed:
		return nil, ENOENT
	case len(name) > nameMax:
		return nil, ENAMETOOLONG
	}
	n := &inode{mode: mode, tmp: true}
	if err := n.charge(inodeCost); err != nil {
		return nil, err
	}
	if mode&S_IFMT == S_IFDIR {
		n.kids = map[string]*inode{}
	}
	now := timeNow()
	n.atim, n.mtim, n.ctim = now, now, now
	d.mtim, d.ctim = now, now
	d.add(n, name)
	return n, nil
}

// drop removes the entry name from directory d.
//
// Preconditions: fsMu is held for writing; d holds name.
func (d *inode) drop(name string) {
	delete(d.kids, name)
	i, _ := slices.BinarySearch(d.names, name)
	d.names = slices.Delete(d.names, i, i+1)
	now := timeNow()
	d.mtim, d.ctim = now, now
}

// unlink removes n from its directory. It keeps its parent, so that ".."
// still leads somewhere from a removed working directory.
//
// Preconditions: fsMu is held for writing; n is in /tmp and not /tmp.
func (n *inode) unlink() {
	n.parent.drop(n.name)
	n.removed = true
	n.ctim = timeNow()
	n.releaseIfGone()
}

// releaseIfGone returns n's bytes to the budget once no directory holds
// it and no description has it open.
//
// Preconditions: fsMu is held for writing.
func (n *inode) releaseIfGone() {
	if n.removed && n.opens == 0 && n.charged != 0 {
		tmpUsed -= n.charged
		n.charged = 0
		n.data = nil
	}
}

func (n *inode) chmod(mode uint32) {
	n.mode = n.mode&S_IFMT | mode&0o7777
	n.ctim = timeNow()
}

// chown sets the owner and group; -1 leaves one as it is.
func (n *inode) chown(uid, gid int) {
	if uid != -1 {
		n.uid = uint32(uid)
	}
	if gid != -1 {
		n.gid = uint32(gid)
	}
	n.ctim = timeNow()
}

// own gives n contents of its own if they are borrowed, so that they may
// change.
//
// Preconditions: fsMu is held for writing.
func (n *inode) own() error {
	if !n.borrowed {
		return nil
	}
	if err := n.charge(int64(len(n.data))); err != nil {
		return err
	}
	data := make([]byte, len(n.data))
	copy(data, n.data)
	n.data = data
	n.borrowed = false
	return nil
}

// resize cuts n's contents to size bytes or extends them with zero bytes.
// A buffer that grows at least doubles, by at most growStep beyond what is
// needed; one that falls below a quarter full shrinks to fit.
//
// Preconditions: fsMu is held for writing; n is a file in /tmp.
func (n *inode) resize(size int64) error {
	if err := n.own(); err != nil {
		return err
	}
	old, c := int64(len(n.data)), int64(cap(n.data))
	switch {
	case size > c && size-c > tmpBudget-tmpUsed:
		return ENOSPC // and size+growStep below cannot overflow
	case size > c:
		want := min(max(2*c, size), size+growStep)
		if n.charge(want-c) != nil {
			want = size
			if err := n.charge(want - c); err != nil {
				return err
			}
		}
		data := make([]byte, size, want)
		copy(data, n.data)
		n.data = data
	case size < c/4:
		data := make([]byte, size)
		copy(data, n.data)
		n.data = data
		n.charge(size - c)
	default:
		n.data = n.data[:size]
		if size > old {
			clear(n.data[old:])
		}
	}
	return nil
}

// truncate makes n size bytes long.
//
// Preconditions: fsMu is held for writing; n is a file in /tmp.
func (n *inode) truncate(size int64) error {
	if err := n.resize(size); err != nil {
		return err
	}
	now := timeNow()
	n.mtim, n.ctim = now, now
	return nil
}

// writeAt writes all of b at off, extending the file as needed, or
// nothing.
//
// Preconditions: fsMu is held for writing; n is a file in /tmp.
func (n *inode) writeAt(b []byte, off int64) error {
	if len(b) == 0 {
		return nil
	}
	end := off + int64(len(b))
	if end < off {
		return EFBIG
	}
	var err error
	if end > int64(len(n.data)) {
		err = n.resize(end)
	} else {
		err = n.own()
	}
	if err != nil {
		return err
	}
	copy(n.data[off:], b)
	now := timeNow()
	n.mtim, n.ctim = now, now
	return nil
}

// Rename moves a file or directory within /tmp, replacing a file, or an
// empty directory, that has the new name. Elsewhere the tree is read-only,
// and between /tmp and the rest rename fails with EXDEV, as between two
// Unix file systems. Within /disk the file system service renames.
func Rename(from, to string) error {
	if done, err := remoteRename(from, to); done {
		return err
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := lookup(from)
	if err != nil {
		return err
	}
	dst, err := lookup(to)
	dir := dst // the directory to hold the new name
	switch {
	case err == nil:
		dir = dst.parent
	case err == ENOENT && dst != nil:
		dst = nil
	default:
		return err
	}
	name := lastElem(to)
	switch {
	case n == root || n == tmpRoot || dst == root || dst == tmpRoot:
		return EBUSY
	case lastElem(from) == "." || lastElem(from) == ".." || name == "." || name == "..":
		return EINVAL
	case !n.tmp && !dir.tmp:
		return EROFS
	case !n.tmp || !dir.tmp:
		return EXDEV
	case dst == n:
		return nil
	}
	if dst != nil {
		switch {
		case n.isDir() && !dst.isDir():
			return ENOTDIR
		case n.isDir() && len(dst.names) != 0:
			return ENOTEMPTY
		case !n.isDir() && dst.isDir():
			return EISDIR
		}
	} else {
		switch {
		case to[len(to)-1] == '/' && !n.isDir():
			return ENOTDIR
		case len(name) > nameMax:
			return ENAMETOOLONG
		case dir.removed:
			return ENOENT
		}
	}
	if n.isDir() {
		for d := dir; d != nil; d = d.parent {
			if d == n {
				return EINVAL
			}
		}
	}
	if dst != nil {
		dst.unlink()
	}
	n.parent.drop(n.name)
	dir.link(n, name)
	now := timeNow()
	n.ctim, dir.mtim, dir.ctim = now, now, now
	return nil
}

// Umask sets the permission bits that Open and Mkdir clear and returns
// the previous mask.
func Umask(mask int) (oldmask int) {
	fsMu.Lock()
	defer fsMu.Unlock()
	old := umask
	umask = uint32(mask) & 0o777
	return int(old)
}
