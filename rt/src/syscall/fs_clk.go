// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import (
	"slices"
	"sync"
	"unsafe"
)

// Files on clk.
//
// A descriptor names an open file description (a *file) in one table.
// Descriptors 0, 1 and 2 share the console: writes go to it and reads see
// end of file. Paths name inodes of one tree in memory. The tree holds the
// root directory, the files that clkMount adds (read-only: changing them
// fails with EROFS), the devices /dev/null and /dev/zero, and /tmp, a
// writable file system of its own (tmp_clk.go). With a file system service,
// /disk is its volume (remote_clk.go). Pipe makes in-memory pipes.
//
// Lock order: fsMu < filesMu < pipe.mu; fsMu < file.mu. No lock is held
// while a request to the file system service is out.

// consoleWrite writes b to the console. It is provided by the runtime.
//
//go:noescape
func consoleWrite(b []byte)

// An inode is a directory, a regular file or a device of the tree.
// Outside /tmp a file never changes and a directory only gains entries
// (from clkMount); inodes in /tmp change as programs write them. All
// fields are guarded by fsMu.
type inode struct {
	ino    uint64
	mode   uint32 // S_IFDIR, S_IFREG or S_IFCHR with permission bits
	parent *inode // nil for the root
	name   string // the name in parent

	data []byte // a file's contents
	dev  byte   // devNull or devZero for the character devices in /dev

	kids  map[string]*inode // a directory's entries
	names []string          // the keys of kids, sorted

	// The writable file system under /tmp (tmp_clk.go).
	tmp      bool  // n belongs to it
	borrowed bool  // data belongs to clkMount's caller; copy before changing
	removed  bool  // n has left its directory
	opens    int   // open file descriptions naming n
	charged  int64 // bytes of tmpBudget n holds
	uid, gid uint32
	atim     Timespec
	mtim     Timespec
	ctim     Timespec
}

func (n *inode) isDir() bool { return n.mode&S_IFMT == S_IFDIR }

// The character devices: /dev/null reads as empty and /dev/zero as
// endless zero bytes; writes to either are accepted and dropped.
const (
	devNull = 1 + iota
	devZero
)

// mountDevices adds /dev/null and /dev/zero to the tree unless it has
// them.
func mountDevices() {
	fsMu.Lock()
	defer fsMu.Unlock()
	d := root.kids["dev"]
	if d == nil {
		d = &inode{mode: S_IFDIR | 0o555, kids: map[string]*inode{}}
		root.add(d, "dev")
	}
	if !d.isDir() {
		return
	}
	for _, dv := range []struct {
		name string
		kind byte
	}{{"null", devNull}, {"zero", devZero}} {
		if d.kids[dv.name] == nil {
			d.add(&inode{mode: S_IFCHR | 0o666, dev: dv.kind}, dv.name)
		}
	}
}

var (
	fsMu    sync.RWMutex // guards the tree, nextIno, cwd and tmp_clk.go's variables
	root    = &inode{ino: 1, mode: S_IFDIR | 0o555, kids: map[string]*inode{}}
	nextIno = uint64(2)
	cwd     = root
)

// lookup resolves path from the working directory or, when it starts with
// a slash, from the root. A path may not hold a NUL byte. When only its
// last element is missing it returns ENOENT together with the directory
// that would hold that element, so that callers can tell a missing file
// from one that cannot be made. A path that leads to /disk or below is
// ENOSYS: only the calls that ask resolve first reach the service.
//
// Preconditions: fsMu is held.
func lookup(path string) (*inode, error) {
	n, rp, err := walk(path)
	if err == nil && rp.t != nil {
		return nil, ENOSYS
	}
	return n, err
}

// walk is lookup, except that a path that leads to /disk or below
// (mountDir) is returned as rp, a path in the service's tree: past /disk
// the elements are taken lexically, ".." at the service's root going back
// to the root of the tree.
//
// Preconditions: fsMu is held.
func walk(path string) (n *inode, rp remotePath, err error) {
	if path == "" {
		return nil, rp, ENOENT
	}
	if len(path) > PathMax {
		return nil, rp, ENAMETOOLONG
	}
	for i := 0; i < len(path); i++ {
		if path[i] == 0 {
			return nil, rp, EINVAL // as where paths are C strings
		}
	}
	n = cwd
	var rel []string // the elements past /disk, while n is mountDir
	if n == mountDir {
		rel = splitPath(cwdRemote)
	}
	if path[0] == '/' {
		n, rel = root, nil
	}
	dirOnly := path[len(path)-1] == '/'
	for path != "" {
		var elem string
		elem, path = cutSlash(path)
		if n == mountDir {
			switch elem {
			case "", ".":
			case "..":
				if len(rel) == 0 {
					n = n.parent
				} else {
					rel = rel[:len(rel)-1]
				}
			default:
				rel = append(rel, elem)
			}
			continue
		}
		if !n.isDir() {
			return nil, rp, ENOTDIR
		}
		switch elem {
		case "", ".":
		case "..":
			if n != root {
				n = n.parent
			}
		default:
			kid, ok := n.kids[elem]
			if !ok {
				if trimSlash(path) != "" {
					return nil, rp, ENOENT
				}
				return n, rp, ENOENT
			}
			n = kid
		}
	}
	if n == mountDir {
		rp = remotePath{t: service.Load(), dirOnly: dirOnly}
		for i, elem := range rel {
			if i > 0 {
				rp.path += "/"
			}
			rp.path += elem
		}
		if len(rp.path) > fsMaxPath {
			return nil, remotePath{}, ENAMETOOLONG
		}
		return n, rp, nil
	}
	if dirOnly && !n.isDir() {
		return nil, rp, ENOTDIR
	}
	return n, rp, nil
}

// splitPath returns the elements of a path in the service's tree.
func splitPath(path string) []string {
	var elems []string
	for path != "" {
		var elem string
		elem, path = cutSlash(path)
		elems = append(elems, elem)
	}
	return elems
}

// cutSlash splits path at its first slash.
func cutSlash(path string) (elem, rest string) {
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			return path[:i], path[i+1:]
		}
	}
	return path, ""
}

// trimSlash removes the slashes path ends with.
func trimSlash(path string) string {
	for len(path) > 0 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	return path
}

// clkMount adds files to the tree. Each key of files is a slash-separated
// path taken from the root, whether or not it starts with a slash; each
// value is the contents, which the tree keeps without copying: neither
// side may change them afterwards. Missing directories on the way are
// made. A path that already exists, passes through a file, climbs with
// "..", ends in a slash or is empty fails the call with EEXIST, ENOTDIR or
// EINVAL, one into /disk while it is mounted with EBUSY, leaving the files
// before it (in sorted order) added.
//
// Files and directories it makes under /tmp are writable like any other
// there, and a file's contents are copied before they first change.
//
// Package syscall calls it once at start-up with the initrd's files and a
// default /etc/hosts (initrd_clk.go); the kernel may add more later.
//
//go:linkname clkMount
func clkMount(files map[string][]byte) error {
	fsMu.Lock()
	defer fsMu.Unlock()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" || name[len(name)-1] == '/' {
			return EINVAL
		}
		dir := root
		path := name
		for {
			var elem string
			elem, path = cutSlash(path)
			switch elem {
			case "", ".":
				if path == "" {
					return EINVAL
				}
				continue
			case "..":
				return EINVAL
			}
			kid := dir.kids[elem]
			if trimSlash(path) == "" {
				if kid != nil {
					return EEXIST
				}
				dir.mountKid(elem, false, files[name])
				break
			}
			if kid == nil {
				kid = dir.mountKid(elem, true, nil)
			} else if kid == mountDir {
				return EBUSY
			} else if !kid.isDir() {
				return ENOTDIR
			}
			dir = kid
		}
	}
	return nil
}

// add numbers n and enters it in directory d as name.
//
// Preconditions: fsMu is held for writing.
func (d *inode) add(n *inode, name string) {
	n.ino = nextIno
	nextIno++
	d.link(n, name)
}

// link enters n in directory d as name, which d does not hold.
//
// Preconditions: fsMu is held for writing.
func (d *inode) link(n *inode, name string) {
	n.parent = d
	n.name = name
	d.kids[name] = n
	i, _ := slices.BinarySearch(d.names, name)
	d.names = slices.Insert(d.names, i, name)
}

// stat describes n.
//
// Preconditions: fsMu is held.
func (n *inode) stat(st *Stat_t) {
	*st = Stat_t{
		Dev:     1,
		Ino:     n.ino,
		Nlink:   1,
		Mode:    n.mode,
		Uid:     n.uid,
		Gid:     n.gid,
		Size:    int64(len(n.data)),
		Blksize: 4096,
		Blocks:  (int64(len(n.data)) + 511) / 512,
		Atim:    n.atim,
		Mtim:    n.mtim,
		Ctim:    n.ctim,
	}
	if n.tmp {
		st.Dev = tmpDev
	}
	if n.isDir() {
		st.Nlink = 2
		for _, kid := range n.kids {
			if kid.isDir() {
				st.Nlink++
			}
		}
	}
	if n.removed {
		st.Nlink = 0
	}
}

// A file is an open file description.
type file struct {
	refs int // descriptors naming the file, guarded by filesMu

	console bool        // the console
	node    *inode      // or a file or directory of the tree
	remote  *remoteFile // or one of the file system service
	pipe    *pipe       // or one end of a pipe
	writer  bool        // which end of pipe
	flags   int         // the access mode and O_APPEND of a node's or remote's file
	// dir is whether node or remote is a directory, read once at Open: a
	// node's type never changes, and chmod rewrites its mode under fsMu.
	dir bool

	mu  sync.Mutex // guards off, after and remote's directory entries
	off int64      // the next byte of a file

	// after is the name of the last directory entry read, "" at the
	// start: a name, unlike an index, stays valid while entries come and
	// go.
	after string
}

func (f *file) readable() bool { return f.flags&O_ACCMODE != O_WRONLY }
func (f *file) writable() bool { return f.flags&O_ACCMODE != O_RDONLY }

var (
	filesMu sync.Mutex
	console = &file{refs: 3, console: true, flags: O_RDWR}
	files   = []*file{console, console, console}
)

// fdToFile returns the file fd names.
func fdToFile(fd int) (*file, error) {
	filesMu.Lock()
	defer filesMu.Unlock()
	if fd < 0 || fd >= len(files) || files[fd] == nil {
		return nil, EBADF
	}
	return files[fd], nil
}

// newFD makes the lowest free descriptor name f.
func newFD(f *file) int {
	filesMu.Lock()
	defer filesMu.Unlock()
	f.refs++
	for fd, g := range files {
		if g == nil {
			files[fd] = f
			return fd
		}
	}
	files = append(files, f)
	return len(files) - 1
}

// lastElem returns the last element of path, trailing slashes aside.
func lastElem(path string) string {
	path = trimSlash(path)
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

func Open(path string, openmode int, perm uint32) (int, error) {
	if rp, ok := resolve(path); ok {
		return rp.openFD(openmode, perm)
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := lookup(path)
	if err == ENOENT && n != nil && openmode&O_CREAT != 0 {
		if path[len(path)-1] == '/' {
			return -1, EISDIR
		}
		n, err = n.create(lastElem(path), S_IFREG|perm&^umask&0o7777)
		if err != nil {
			return -1, err
		}
	} else if err != nil {
		return -1, err
	} else if openmode&(O_CREAT|O_EXCL) == O_CREAT|O_EXCL {
		return -1, EEXIST
	}
	if openmode&O_DIRECTORY != 0 && !n.isDir() {
		return -1, ENOTDIR
	}
	f := &file{node: n, flags: openmode & (O_ACCMODE | O_APPEND), dir: n.isDir()}
	if n.dev == 0 && (f.writable() || openmode&O_TRUNC != 0) {
		switch {
		case n.isDir():
			return -1, EISDIR
		case !n.tmp:
			return -1, EROFS
		case openmode&O_TRUNC != 0:
			if err := n.truncate(0); err != nil {
				return -1, err
			}
		}
	}
	n.opens++
	return newFD(f), nil
}

func Close(fd int) error {
	filesMu.Lock()
	if fd < 0 || fd >= len(files) || files[fd] == nil {
		filesMu.Unlock()
		return EBADF
	}
	f := files[fd]
	files[fd] = nil
	f.refs--
	last := f.refs == 0
	filesMu.Unlock()
	switch {
	case !last:
	case f.remote != nil:
		return f.remote.close()
	case f.pipe != nil:
		f.pipe.close(f.writer)
	case f.node != nil:
		fsMu.Lock()
		f.node.opens--
		f.node.releaseIfGone()
		fsMu.Unlock()
	}
	return nil
}

func CloseOnExec(fd int) {}

func SetNonblock(fd int, nonblocking bool) error {
	if _, err := fdToFile(fd); err != nil {
		return err
	}
	if nonblocking {
		return ENOSYS
	}
	return nil
}

func Dup(fd int) (int, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return -1, err
	}
	return newFD(f), nil
}

func Read(fd int, b []byte) (int, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return 0, err
	}
	switch {
	case f.console:
		return 0, nil
	case f.pipe != nil:
		if f.writer {
			return 0, EBADF
		}
		return f.pipe.read(b), nil
	case !f.readable():
		return 0, EBADF
	case f.dir:
		return 0, EISDIR
	case f.remote != nil:
		return f.readAtOffset(b)
	case f.node.dev != 0:
		return f.node.devRead(b), nil
	}
	fsMu.RLock()
	defer fsMu.RUnlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.node.readAt(b, f.off)
	f.off += int64(n)
	return n, nil
}

// devRead reads from a character device.
func (n *inode) devRead(b []byte) int {
	if n.dev == devNull {
		return 0
	}
	clear(b)
	return len(b)
}

// readAt reads n's contents at off.
//
// Preconditions: fsMu is held.
func (n *inode) readAt(b []byte, off int64) int {
	if off >= int64(len(n.data)) {
		return 0
	}
	return copy(b, n.data[off:])
}

func Write(fd int, b []byte) (int, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return 0, err
	}
	switch {
	case f.console:
		consoleWrite(b)
		return len(b), nil
	case f.pipe != nil:
		if !f.writer {
			return 0, EBADF
		}
		return f.pipe.write(b)
	case !f.writable():
		return 0, EBADF
	case f.remote != nil:
		return f.writeAtOffset(b)
	case f.node.dev != 0:
		return len(b), nil
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	off := f.off
	if f.flags&O_APPEND != 0 {
		off = int64(len(f.node.data))
	}
	if err := f.node.writeAt(b, off); err != nil {
		return 0, err
	}
	f.off = off + int64(len(b))
	return len(b), nil
}

func Pread(fd int, b []byte, offset int64) (int, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return 0, err
	}
	switch {
	case f.node == nil && f.remote == nil:
		return 0, ESPIPE
	case !f.readable():
		return 0, EBADF
	case f.dir:
		return 0, EISDIR
	case offset < 0:
		return 0, EINVAL
	case f.remote != nil:
		return f.remote.read(b, offset)
	case f.node.dev != 0:
		return f.node.devRead(b), nil
	}
	fsMu.RLock()
	defer fsMu.RUnlock()
	return f.node.readAt(b, offset), nil
}

// Pwrite writes at offset, whether or not the file is in append mode
// (Linux would append; package os refuses WriteAt in append mode).
func Pwrite(fd int, b []byte, offset int64) (int, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return 0, err
	}
	switch {
	case f.node == nil && f.remote == nil:
		return 0, ESPIPE
	case !f.writable():
		return 0, EBADF
	case offset < 0:
		return 0, EINVAL
	case f.remote != nil:
		n, _, err := f.remote.write(b, offset)
		return n, err
	case f.node.dev != 0:
		return len(b), nil
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	if err := f.node.writeAt(b, offset); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Seek moves the offset of a file. A directory can only be rewound, to
// offset 0.
func Seek(fd int, offset int64, whence int) (int64, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return 0, err
	}
	if f.remote != nil {
		return f.seek(offset, whence)
	}
	if f.node == nil {
		return 0, ESPIPE
	}
	if f.node.dev != 0 {
		return 0, nil
	}
	fsMu.RLock()
	defer fsMu.RUnlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dir {
		if offset != 0 || whence != SEEK_SET {
			return 0, EINVAL
		}
		f.after = ""
		return 0, nil
	}
	switch whence {
	case SEEK_SET:
	case SEEK_CUR:
		offset += f.off
	case SEEK_END:
		offset += int64(len(f.node.data))
	default:
		return 0, EINVAL
	}
	if offset < 0 {
		return 0, EINVAL
	}
	f.off = offset
	return offset, nil
}

// ReadDirent fills buf with the records of directory entries (see
// Dirent) that follow the last one read, "." and ".." left out, in the
// order of their names.
func ReadDirent(fd int, buf []byte) (int, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return 0, err
	}
	if f.node == nil && f.remote == nil || !f.dir {
		return 0, ENOTDIR
	}
	if f.remote != nil {
		return f.readDirent(buf)
	}
	fsMu.RLock()
	defer fsMu.RUnlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.node
	i, found := slices.BinarySearch(d.names, f.after)
	if found {
		i++
	}
	n := 0
	for ; i < len(d.names); i++ {
		name := d.names[i]
		kid := d.kids[name]
		m := putDirent(buf[n:], kid.ino, int64(i+1), kid.mode, name)
		if m == 0 {
			if n == 0 {
				return 0, EINVAL
			}
			break
		}
		n += m
		f.after = name
	}
	return n, nil
}

// putDirent writes the record of entry name, file number ino, of the type
// mode gives, to b and returns its length, or 0 if b is too short.
func putDirent(b []byte, ino uint64, next int64, mode uint32, name string) int {
	namoff := int(unsafe.Offsetof(Dirent{}.Name))
	reclen := (namoff + len(name) + 1 + 7) &^ 7
	if reclen > len(b) {
		return 0
	}
	b = b[:reclen]
	clear(b)
	putInt(b[unsafe.Offsetof(Dirent{}.Ino):], ino, 8)
	putInt(b[unsafe.Offsetof(Dirent{}.Off):], uint64(next), 8)
	putInt(b[unsafe.Offsetof(Dirent{}.Reclen):], uint64(reclen), 2)
	b[unsafe.Offsetof(Dirent{}.Type)] = DT_REG
	switch mode & S_IFMT {
	case S_IFDIR:
		b[unsafe.Offsetof(Dirent{}.Type)] = DT_DIR
	case S_IFCHR:
		b[unsafe.Offsetof(Dirent{}.Type)] = DT_CHR
	}
	copy(b[namoff:], name)
	return reclen
}

// putInt stores the size low bytes of v in b, little-endian as on amd64.
func putInt(b []byte, v uint64, size int) {
	for i := range size {
		b[i] = byte(v >> (8 * i))
	}
}

func Stat(path string, st *Stat_t) error {
	if rp, ok := resolve(path); ok {
		return rp.stat(st)
	}
	fsMu.RLock()
	defer fsMu.RUnlock()
	n, err := lookup(path)
	if err != nil {
		return err
	}
	n.stat(st)
	return nil
}

// Lstat is Stat: the tree has no symbolic links.
func Lstat(path string, st *Stat_t) error {
	return Stat(path, st)
}

func Fstat(fd int, st *Stat_t) error {
	f, err := fdToFile(fd)
	if err != nil {
		return err
	}
	switch {
	case f.console:
		*st = Stat_t{Nlink: 1, Mode: S_IFCHR | 0o620, Blksize: 4096}
	case f.pipe != nil:
		*st = Stat_t{Nlink: 1, Mode: S_IFIFO | 0o600, Blksize: 4096}
	case f.remote != nil:
		a, err := f.remote.attr()
		if err != nil {
			return err
		}
		a.stat(st, f.remote.path)
	default:
		fsMu.RLock()
		f.node.stat(st)
		fsMu.RUnlock()
	}
	return nil
}

// changing returns the existing inode at path that is about to change,
// or EROFS if it is outside /tmp, or why path names no file.
//
// Preconditions: fsMu is held for writing.
func changing(path string) (*inode, error) {
	n, err := lookup(path)
	if err != nil {
		return nil, err
	}
	if !n.tmp {
		return nil, EROFS
	}
	return n, nil
}

// changingFD is changing for the file fd names; a pipe or the console
// cannot change, and the protocol cannot change the file system service's
// files this way.
func changingFD(fd int) (*inode, error) {
	f, err := fdToFile(fd)
	if err != nil {
		return nil, err
	}
	if f.remote != nil {
		return nil, ENOSYS
	}
	if f.node == nil {
		return nil, EINVAL
	}
	if !f.node.tmp {
		return nil, EROFS
	}
	return f.node, nil
}

func Mkdir(path string, perm uint32) error {
	if rp, ok := resolve(path); ok {
		return rp.mkdir(perm)
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	d, err := lookup(path)
	switch {
	case err == nil:
		return EEXIST
	case err != ENOENT || d == nil:
		return err
	}
	_, err = d.create(lastElem(path), S_IFDIR|perm&^umask&0o7777)
	return err
}

func Unlink(path string) error {
	if rp, ok := resolve(path); ok {
		return rp.remove(false)
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := changing(path)
	if err != nil {
		return err
	}
	if n.isDir() {
		return EISDIR
	}
	n.unlink()
	return nil
}

func Rmdir(path string) error {
	if rp, ok := resolve(path); ok {
		return rp.remove(true)
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := lookup(path)
	switch {
	case err != nil:
		return err
	case !n.isDir():
		return ENOTDIR
	case lastElem(path) == ".":
		return EINVAL
	case n == tmpRoot:
		return EBUSY
	case !n.tmp:
		return EROFS
	case len(n.names) != 0:
		return ENOTEMPTY
	}
	n.unlink()
	return nil
}

// change runs f on the node at path, which a program may change (it lies
// in /tmp), with fsMu held.
func change(path string, f func(*inode)) error {
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := changing(path)
	if err != nil {
		return err
	}
	f(n)
	return nil
}

// changeFD is change for the node open as fd.
func changeFD(fd int, f func(*inode)) error {
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := changingFD(fd)
	if err != nil {
		return err
	}
	f(n)
	return nil
}

func Chmod(path string, mode uint32) error {
	return change(path, func(n *inode) { n.chmod(mode) })
}

func Fchmod(fd int, mode uint32) error {
	return changeFD(fd, func(n *inode) { n.chmod(mode) })
}

func Chown(path string, uid, gid int) error {
	return change(path, func(n *inode) { n.chown(uid, gid) })
}

// Lchown is Chown: the tree has no symbolic links.
func Lchown(path string, uid, gid int) error { return Chown(path, uid, gid) }

func Fchown(fd int, uid, gid int) error {
	return changeFD(fd, func(n *inode) { n.chown(uid, gid) })
}

func Truncate(path string, length int64) error {
	if rp, ok := resolve(path); ok {
		return rp.truncate(length)
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := changing(path)
	switch {
	case err != nil:
		return err
	case n.isDir():
		return EISDIR
	case length < 0:
		return EINVAL
	}
	return n.truncate(length)
}

func Ftruncate(fd int, length int64) error {
	f, err := fdToFile(fd)
	if err != nil {
		return err
	}
	if f.node == nil && f.remote == nil || f.dir || !f.writable() || length < 0 {
		return EINVAL
	}
	if f.remote != nil {
		return f.remote.truncate(length)
	}
	if f.node.dev != 0 {
		return EINVAL
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	return f.node.truncate(length)
}

// UtimesNano sets the access and modification times of the file at path
// from ts[0] and ts[1]; a time whose Nsec is utimeOmit stays as it is.
func UtimesNano(path string, ts []Timespec) error {
	if len(ts) != 2 {
		return EINVAL
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := changing(path)
	if err != nil {
		return err
	}
	if ts[0].Nsec != utimeOmit {
		n.atim = ts[0]
	}
	if ts[1].Nsec != utimeOmit {
		n.mtim = ts[1]
	}
	n.ctim = timeNow()
	return nil
}

// Symlink and Link fail with EPERM in /tmp, as on a Linux file system
// without links: the tree has neither symbolic nor hard links.
func Symlink(path, link string) error {
	fsMu.Lock()
	defer fsMu.Unlock()
	return refuseLink(link)
}

func Link(path, link string) error {
	fsMu.Lock()
	defer fsMu.Unlock()
	if _, err := lookup(path); err != nil {
		return err
	}
	return refuseLink(link)
}

// refuseLink returns the error of making a link at path.
//
// Preconditions: fsMu is held.
func refuseLink(path string) error {
	d, err := lookup(path)
	switch {
	case err == nil:
		return EEXIST
	case err != ENOENT || d == nil:
		return err
	case !d.tmp:
		return EROFS
	}
	return EPERM
}

func Readlink(path string, buf []byte) (n int, err error) {
	if rp, ok := resolve(path); ok {
		if _, err := rp.attr(); err != nil {
			return 0, err
		}
		return 0, EINVAL
	}
	fsMu.RLock()
	defer fsMu.RUnlock()
	if _, err := lookup(path); err != nil {
		return 0, err
	}
	return 0, EINVAL
}

func Fsync(fd int) error {
	f, err := fdToFile(fd)
	if err != nil {
		return err
	}
	if f.pipe != nil {
		return EINVAL
	}
	if f.remote != nil {
		return f.remote.sync()
	}
	return nil
}

const ImplementsGetwd = true

func Getwd() (string, error) {
	fsMu.RLock()
	defer fsMu.RUnlock()
	if cwd.removed {
		return "", ENOENT
	}
	wd := ""
	if cwd == mountDir && cwdRemote != "" {
		wd = "/" + cwdRemote
	}
	for n := cwd; n != root; n = n.parent {
		wd = "/" + n.name + wd
	}
	if wd == "" {
		return "/", nil
	}
	return wd, nil
}

func Getcwd(buf []byte) (n int, err error) {
	wd, err := Getwd()
	if err != nil {
		return 0, err
	}
	if len(wd)+1 > len(buf) {
		return 0, ERANGE
	}
	n = copy(buf, wd)
	buf[n] = 0
	return n, nil
}

func Chdir(path string) error {
	if rp, ok := resolve(path); ok {
		return rp.chdir()
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	n, err := lookup(path)
	if err != nil {
		return err
	}
	if !n.isDir() {
		return ENOTDIR
	}
	cwd, cwdRemote = n, ""
	return nil
}

func Fchdir(fd int) error {
	f, err := fdToFile(fd)
	if err != nil {
		return err
	}
	if f.node == nil && f.remote == nil || !f.dir {
		return ENOTDIR
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	switch {
	case f.node != nil:
		cwd, cwdRemote = f.node, ""
	case mountDir == nil:
		return ENOENT
	default:
		cwd, cwdRemote = mountDir, f.remote.path
	}
	return nil
}

// A pipe carries bytes from its write end to its read end through a
// buffer of pipeSize bytes, with the blocking semantics of a Unix pipe.
type pipe struct {
	mu      sync.Mutex
	changed sync.Cond // signalled when buf or an end's state changes
	buf     []byte
	rclosed bool
	wclosed bool
}

// pipeSize is the capacity of a pipe, Linux's default.
const pipeSize = 64 << 10

func Pipe(p []int) error {
	if len(p) != 2 {
		return EINVAL
	}
	pp := &pipe{buf: make([]byte, 0, pipeSize)}
	pp.changed.L = &pp.mu
	p[0] = newFD(&file{pipe: pp})
	p[1] = newFD(&file{pipe: pp, writer: true})
	return nil
}

// read waits for data or the closing of the write end.
func (p *pipe) read(b []byte) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.wclosed && len(b) > 0 {
		p.changed.Wait()
	}
	n := copy(b, p.buf)
	p.buf = p.buf[:copy(p.buf, p.buf[n:])]
	p.changed.Broadcast()
	return n
}

// write waits until all of b is in the buffer or the read end closes.
func (p *pipe) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for {
		if p.rclosed {
			return n, EPIPE
		}
		if n == len(b) {
			return n, nil
		}
		if len(p.buf) == pipeSize {
			p.changed.Wait()
			continue
		}
		m := copy(p.buf[len(p.buf):pipeSize], b[n:])
		p.buf = p.buf[:len(p.buf)+m]
		n += m
		p.changed.Broadcast()
	}
}

func (p *pipe) close(writer bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if writer {
		p.wclosed = true
	} else {
		p.rclosed = true
		p.buf = nil
	}
	p.changed.Broadcast()
}
