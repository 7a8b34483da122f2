// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import (
	"internal/byteorder"
	"sync"
	"sync/atomic"
	_ "unsafe" // for go:linkname
)

// The remote mount: /disk (fsMount) is the volume of the file system
// service, a process of its own that speaks the file protocol of clk/abi's
// fs.go (its constants are in zfs_clk.go).
//
// A path that lookup's rules (from the working directory or the root,
// "." and ".." as they come) lead to /disk or below names the file of the
// service at the rest of the path. Below /disk, ".." is taken lexically
// (walk): on a volume without symbolic links that differs from Linux only
// when the element before it is missing or not a directory. The working
// directory may lie there too. Calls on such paths, and on the descriptors
// opened there, become requests that a transport carries to the service
// (clkMountService); a descriptor opened there is a file whose remote
// field holds the service's id for it. Without a transport there is no
// /disk: its paths are ENOENT, as any missing file's.
//
// The service answers in its own time, so no lock of this package is held
// while a request is out: callers take what they need under fsMu or
// file.mu, release it, call the service, and take the lock again to store
// the result. Two calls at once that move the offset of one description
// (a Read and a Write of one os.File: package os serializes reads with
// reads and writes with writes only) may therefore start at the same
// offset. The transport may itself use files.
//
// The protocol has no inode numbers, links, owners, times to set or
// permission changes: Stat numbers a file by a hash of its path
// (remoteIno); Chmod, Fchmod, Chown, Lchown, Fchown, UtimesNano, Link and
// Symlink there fail with ENOSYS (lookup's answer for a remote path).

// A transport carries one request of the file protocol to the service and
// brings its reply back; see clkMountService for the contract.
type transport struct {
	call func(typ uint32, req, resp []byte) (int, Errno)
}

// remoteDev is Stat_t.Dev of the files under /disk; /tmp has tmpDev, the
// rest of the tree 1.
const remoteDev = 3

var (
	// service is the transport of the mount, nil without one; it is
	// stored under fsMu and loaded without it. Each installation is a
	// new transport, and a descriptor keeps the one it was opened
	// through, whose channel its file id belongs to.
	service atomic.Pointer[transport]

	// mountDir is the directory /disk in the tree while the mount
	// exists: lookup goes no further into it. cwdRemote is the working
	// directory in the service's tree when cwd is mountDir. Both are
	// guarded by fsMu.
	mountDir  *inode
	cwdRemote string
)

// clkMountService mounts the file system service at /disk, or gives the
// mount a new transport, or, with call nil, removes it. It may be called
// at any time after package syscall's initialisation, from any goroutine,
// while other goroutines use files, as often as needed. The kernel pulls
// it with //go:linkname, declaring
//
//	//go:linkname mountService syscall.clkMountService
//	func mountService(call func(typ uint32, req, resp []byte) (int, syscall.Errno)) error
//
// and calls it when its service starts or restarts; a user program's
// start-up calls it with a channel its environment names (mountFromEnv).
// It fails with EEXIST when /disk is not mounted and the tree already
// holds a /disk (from the initrd or clkMount).
//
// call sends a message of type typ (FSOpen ... FSStatFS) with data req, at
// most clkMaxData bytes, to the service, waits for the reply to that
// message, copies the reply's data into resp and returns its length. resp
// always has room for clkMaxData bytes, any message. call returns EIO,
// and nothing else, when the request gets no reply of type typ that fits
// resp: the service is gone or misbehaved. The status the reply carries is
// not call's concern. call:
//   - is called from many goroutines at once, each waiting for its own
//     reply, for as long as the service takes (no lock of this package is
//     held meanwhile, so it may itself use files);
//   - does not keep req or resp after it returns;
//   - stays with one channel: file ids belong to the channel they were
//     opened on, so once that channel is gone call keeps failing rather
//     than reach a restarted service. The new channel comes with a new
//     call: descriptors opened through the old one then fail with EIO,
//     while paths reach the new service.
//
//go:linkname clkMountService
func clkMountService(call func(typ uint32, req, resp []byte) (int, Errno)) error {
	fsMu.Lock()
	defer fsMu.Unlock()
	name := fsMount[1:] // the mount is one element below the root
	if call == nil {
		if mountDir != nil {
			root.drop(name)
			mountDir.removed = true
			mountDir = nil
		}
		service.Store(nil)
		return nil
	}
	if mountDir == nil {
		if root.kids[name] != nil {
			return EEXIST
		}
		mountDir = &inode{mode: S_IFDIR | 0o755, kids: map[string]*inode{}}
		root.add(mountDir, name)
	}
	service.Store(&transport{call: call})
	return nil
}

// A remotePath is a path in the service's tree, as walk found it.
type remotePath struct {
	t       *transport
	path    string // from the service's root, no leading slash; "" is the root
	dirOnly bool   // it ended in a slash, so it must name a directory
}

// resolve returns where path leads in the service's tree, or false when it
// does not lead to /disk or below, or names nothing (the tree's calls then
// say why).
func resolve(path string) (remotePath, bool) {
	if service.Load() == nil {
		return remotePath{}, false
	}
	fsMu.RLock()
	_, rp, err := walk(path)
	fsMu.RUnlock()
	return rp, err == nil && rp.t != nil
}

// remoteIno numbers the file at path in the service's tree with its
// FNV-1a hash: the protocol has none, and os.SameFile and directory
// listings (which skip entry 0) need one. Paths that differ only in the
// case of their letters name one FAT file but get different numbers.
func remoteIno(path string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(path); i++ {
		h ^= uint64(path[i])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1
	}
	return h
}

// joinPath names entry name of the directory at dir in the service's tree.
func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// An fsAttr is the protocol's description of a file (abi.FSAttr).
type fsAttr struct {
	size  uint64
	mode  uint32
	mtime int64 // Unix nanoseconds
}

// attrOf reads the record at the head of b.
func attrOf(b []byte) (fsAttr, bool) {
	if len(b) < fsAttrSize {
		return fsAttr{}, false
	}
	return fsAttr{
		size:  byteorder.LEUint64(b),
		mode:  byteorder.LEUint32(b[8:]),
		mtime: int64(byteorder.LEUint64(b[16:])),
	}, true
}

func (a fsAttr) isDir() bool { return a.mode&fsModeType == fsModeDir }

// stat describes the file at path, which a describes.
func (a fsAttr) stat(st *Stat_t, path string) {
	t := NsecToTimespec(a.mtime)
	*st = Stat_t{
		Dev:     remoteDev,
		Ino:     remoteIno(path),
		Nlink:   1,
		Mode:    a.mode,
		Size:    int64(a.size),
		Blksize: 4096,
		Blocks:  (int64(a.size) + 511) / 512,
		Atim:    t,
		Mtim:    t,
		Ctim:    t,
	}
}

// An fsMsg holds one request and its reply. It comes from fsMsgs: on the
// heap, where nothing moves, since a transport hands the buffers'
// addresses to the kernel, and recycled, since a reply may take clkMaxData
// bytes.
type fsMsg struct {
	req  []byte
	resp [clkMaxData]byte
}

var fsMsgs = sync.Pool{New: func() any { return &fsMsg{req: make([]byte, 0, clkMaxData)} }}

func getMsg() *fsMsg { return fsMsgs.Get().(*fsMsg) }

func putMsg(m *fsMsg) {
	m.req = m.req[:0]
	fsMsgs.Put(m)
}

func (m *fsMsg) put32(v uint32) { m.req = byteorder.LEAppendUint32(m.req, v) }
func (m *fsMsg) put64(v uint64) { m.req = byteorder.LEAppendUint64(m.req, v) }

// do sends m's request, of type typ, and returns the reply's data after
// its status, or the status, or the transport's error. The data is m's:
// it is good until m returns to fsMsgs.
func (t *transport) do(typ uint32, m *fsMsg) ([]byte, error) {
	n, errno := t.call(typ, m.req, m.resp[:])
	switch {
	case errno != 0:
		return nil, errno
	case n < fsStatusSize || n > len(m.resp):
		return nil, EIO
	}
	if st := byteorder.LEUint32(m.resp[:]); st != 0 {
		return nil, Errno(st)
	}
	return m.resp[fsStatusSize:n], nil
}

// attr asks for the attributes of the file at rp.
func (rp remotePath) attr() (fsAttr, error) {
	m := getMsg()
	defer putMsg(m)
	m.req = append(m.req, rp.path...)
	body, err := rp.t.do(fsStat, m)
	if err != nil {
		return fsAttr{}, err
	}
	a, ok := attrOf(body)
	if !ok {
		return fsAttr{}, EIO
	}
	if rp.dirOnly && !a.isDir() {
		return fsAttr{}, ENOTDIR
	}
	return a, nil
}

func (rp remotePath) stat(st *Stat_t) error {
	a, err := rp.attr()
	if err == nil {
		a.stat(st, rp.path)
	}
	return err
}

// open opens the file at rp and returns its id and attributes.
func (rp remotePath) open(flags, perm uint32) (uint32, fsAttr, error) {
	if rp.dirOnly {
		flags |= fsOpenDirectory
	}
	m := getMsg()
	defer putMsg(m)
	m.put32(flags)
	m.put32(perm)
	m.req = append(m.req, rp.path...)
	body, err := rp.t.do(fsOpen, m)
	if err != nil {
		return 0, fsAttr{}, err
	}
	a, ok := attrOf(body[min(len(body), 8):])
	if !ok {
		return 0, fsAttr{}, EIO
	}
	return byteorder.LEUint32(body), a, nil
}

// openFD is Open for a path in the service's tree. Package os opens a
// directory to list it as it opens a file, read-only: the service is
// asked for FSOpenRead without FSOpenDirectory then, which fs.go allows.
func (rp remotePath) openFD(openmode int, perm uint32) (int, error) {
	var flags uint32
	switch openmode & O_ACCMODE {
	case O_RDONLY:
		flags = fsOpenRead
	case O_WRONLY:
		flags = fsOpenWrite
	case O_RDWR:
		flags = fsOpenRead | fsOpenWrite
	default:
		return -1, EINVAL
	}
	if openmode&O_CREAT != 0 {
		if rp.dirOnly {
			return -1, EISDIR
		}
		flags |= fsOpenCreate
		if openmode&O_EXCL != 0 {
			flags |= fsOpenExcl
		}
	}
	for _, f := range [...]struct {
		mode int
		flag uint32
	}{{O_TRUNC, fsOpenTrunc}, {O_APPEND, fsOpenAppend}, {O_DIRECTORY, fsOpenDirectory}} {
		if openmode&f.mode != 0 {
			flags |= f.flag
		}
	}
	fsMu.RLock()
	perm &^= umask
	fsMu.RUnlock()
	id, a, err := rp.open(flags, perm&0o777)
	if err != nil {
		return -1, err
	}
	r := &remoteFile{t: rp.t, id: id, path: rp.path}
	return newFD(&file{remote: r, flags: openmode & (O_ACCMODE | O_APPEND), dir: a.isDir()}), nil
}

// simple sends a request whose reply is only the status: put writes the
// request's data.
func (t *transport) simple(typ uint32, put func(m *fsMsg)) error {
	m := getMsg()
	defer putMsg(m)
	put(m)
	_, err := t.do(typ, m)
	return err
}

func (rp remotePath) mkdir(perm uint32) error {
	if rp.path == "" {
		return EEXIST
	}
	fsMu.RLock()
	perm &^= umask
	fsMu.RUnlock()
	return rp.t.simple(fsMkdir, func(m *fsMsg) {
		m.put32(perm & 0o777)
		m.req = append(m.req, rp.path...)
	})
}

// remove removes the file (dir false) or the empty directory (dir true)
// at rp. The service removes either, so remove looks first, as unlink and
// rmdir tell them apart; between the look and the removal another program
// may replace one by the other.
func (rp remotePath) remove(dir bool) error {
	a, err := rp.attr()
	switch {
	case err != nil:
		return err
	case !dir && a.isDir():
		return EISDIR
	case dir && !a.isDir():
		return ENOTDIR
	case rp.path == "":
		return EBUSY
	}
	return rp.t.simple(fsRemove, func(m *fsMsg) { m.req = append(m.req, rp.path...) })
}

// remoteRename is Rename when either path leads to /disk or below: done
// is false when neither does. Between /disk and the rest it fails with
// EXDEV, as between two Unix file systems.
func remoteRename(from, to string) (done bool, err error) {
	rf, fromRemote := resolve(from)
	rt, toRemote := resolve(to)
	switch {
	case !fromRemote && !toRemote:
		return false, nil
	case !fromRemote || !toRemote || rf.t != rt.t:
		return true, EXDEV
	case rf.path == "" || rt.path == "":
		return true, EBUSY
	}
	return true, rf.t.simple(fsRename, func(m *fsMsg) {
		m.req = byteorder.LEAppendUint16(m.req, uint16(len(rf.path)))
		m.req = append(m.req, rf.path...)
		m.req = append(m.req, rt.path...)
	})
}

func (rp remotePath) truncate(length int64) error {
	if length < 0 {
		return EINVAL
	}
	id, _, err := rp.open(fsOpenWrite, 0)
	if err != nil {
		return err
	}
	r := &remoteFile{t: rp.t, id: id}
	err = r.truncate(length)
	if cerr := r.close(); err == nil {
		err = cerr
	}
	return err
}

// chdir makes rp the working directory.
func (rp remotePath) chdir() error {
	a, err := rp.attr()
	if err != nil {
		return err
	}
	if !a.isDir() {
		return ENOTDIR
	}
	fsMu.Lock()
	defer fsMu.Unlock()
	if mountDir == nil {
		return ENOENT
	}
	cwd, cwdRemote = mountDir, rp.path
	return nil
}

// A remoteFile is a file or directory open in the service.
type remoteFile struct {
	t    *transport // the transport it was opened through
	id   uint32     // the service's id for it
	path string     // its path in the service's tree when it was opened

	// A directory's entries as ReadDirent reads them, guarded by
	// file.mu: ents holds the entries of the last FSReadDir reply not
	// yet returned; next is the index to ask for after them, and eof
	// says there are no more.
	ents []byte
	next uint32
	eof  bool
}

// read reads from offset off into b, in requests of at most fsMaxIO
// bytes, until b is full or the file ends. An error after some bytes
// came ends the read early; the next read meets it again.
func (r *remoteFile) read(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		want := min(len(b)-n, fsMaxIO)
		got, err := r.readOnce(b[n:n+want], off+int64(n))
		n += got
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if got < want {
			break
		}
	}
	return n, nil
}

func (r *remoteFile) readOnce(b []byte, off int64) (int, error) {
	m := getMsg()
	defer putMsg(m)
	m.put32(r.id)
	m.put32(uint32(len(b)))
	m.put64(uint64(off))
	body, err := r.t.do(fsRead, m)
	if err != nil {
		return 0, err
	}
	if len(body) > len(b) {
		return 0, EIO
	}
	return copy(b, body), nil
}

// write writes b at offset off (at the end if r was opened to append), in
// requests of at most fsMaxIO bytes. It returns the bytes written and the
// file's size after the last request that succeeded.
func (r *remoteFile) write(b []byte, off int64) (n int, size int64, err error) {
	for n < len(b) {
		chunk := b[n:min(len(b), n+fsMaxIO)]
		m := getMsg()
		m.put32(r.id)
		m.put32(0)
		m.put64(uint64(off + int64(n)))
		m.req = append(m.req, chunk...)
		body, err := r.t.do(fsWrite, m)
		if err == nil && len(body) < 8 {
			err = EIO
		}
		if err != nil {
			putMsg(m)
			return n, size, err
		}
		size = int64(byteorder.LEUint64(body))
		putMsg(m)
		n += len(chunk)
	}
	return n, size, nil
}

func (r *remoteFile) attr() (fsAttr, error) {
	m := getMsg()
	defer putMsg(m)
	m.put32(r.id)
	body, err := r.t.do(fsFstat, m)
	if err != nil {
		return fsAttr{}, err
	}
	a, ok := attrOf(body)
	if !ok {
		return fsAttr{}, EIO
	}
	return a, nil
}

func (r *remoteFile) truncate(length int64) error {
	return r.t.simple(fsTruncate, func(m *fsMsg) {
		m.put32(r.id)
		m.put32(0)
		m.put64(uint64(length))
	})
}

func (r *remoteFile) sync() error {
	return r.t.simple(fsSync, func(m *fsMsg) { m.put32(r.id) })
}

func (r *remoteFile) close() error {
	return r.t.simple(fsClose, func(m *fsMsg) { m.put32(r.id) })
}

// readDir asks for the entries of directory r from index i on and returns
// their records and the index to ask for next, 0 at the end.
func (r *remoteFile) readDir(i uint32) ([]byte, uint32, error) {
	m := getMsg()
	defer putMsg(m)
	m.put32(r.id)
	m.put32(i)
	body, err := r.t.do(fsReadDir, m)
	if err != nil {
		return nil, 0, err
	}
	if len(body) < 8 {
		return nil, 0, EIO
	}
	next, count := byteorder.LEUint32(body), byteorder.LEUint32(body[4:])
	if count == 0 && next != 0 {
		return nil, 0, EIO // no progress: the service would keep us asking
	}
	return append([]byte(nil), body[8:]...), next, nil
}

// entryOf reads the directory entry at the head of b, an FSReadDir
// reply's: FSAttr, uint16 name length, name.
func entryOf(b []byte) (a fsAttr, name string, rest []byte, ok bool) {
	a, ok = attrOf(b)
	if !ok || len(b) < fsAttrSize+2 {
		return fsAttr{}, "", nil, false
	}
	end := fsAttrSize + 2 + int(byteorder.LEUint16(b[fsAttrSize:]))
	if end > len(b) {
		return fsAttr{}, "", nil, false
	}
	return a, string(b[fsAttrSize+2 : end]), b[end:], true
}

// readDirent is ReadDirent for f, a directory of the service: it returns
// the entries read ahead and, when none are left, asks for more. The
// records' Off is 0: the directory can only be rewound, as the tree's.
func (f *file) readDirent(buf []byte) (int, error) {
	r := f.remote
	n := 0
	for {
		f.mu.Lock()
		for len(r.ents) > 0 {
			a, name, rest, ok := entryOf(r.ents)
			if !ok {
				r.ents = nil
				f.mu.Unlock()
				return n, EIO
			}
			if name == "" || name == "." || name == ".." {
				r.ents = rest
				continue
			}
			m := putDirent(buf[n:], remoteIno(joinPath(r.path, name)), 0, a.mode, name)
			if m == 0 {
				f.mu.Unlock()
				if n == 0 {
					return 0, EINVAL
				}
				return n, nil
			}
			n += m
			r.ents = rest
		}
		if n > 0 || r.eof {
			f.mu.Unlock()
			return n, nil
		}
		next := r.next
		f.mu.Unlock()
		ents, after, err := r.readDir(next)
		if err != nil {
			return 0, err
		}
		f.mu.Lock()
		r.ents, r.next, r.eof = ents, after, after == 0
		f.mu.Unlock()
	}
}

// seek is Seek for f, a file or directory of the service; it asks for
// the size for SEEK_END.
func (f *file) seek(offset int64, whence int) (int64, error) {
	r := f.remote
	if f.dir {
		if offset != 0 || whence != SEEK_SET {
			return 0, EINVAL
		}
		f.mu.Lock()
		r.ents, r.next, r.eof = nil, 0, false
		f.mu.Unlock()
		return 0, nil
	}
	var end int64
	switch whence {
	case SEEK_SET, SEEK_CUR:
	case SEEK_END:
		a, err := r.attr()
		if err != nil {
			return 0, err
		}
		end = int64(a.size)
	default:
		return 0, EINVAL
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch whence {
	case SEEK_CUR:
		offset += f.off
	case SEEK_END:
		offset += end
	}
	if offset < 0 {
		return 0, EINVAL
	}
	f.off = offset
	return offset, nil
}

// readAtOffset is Read for f, a file of the service.
func (f *file) readAtOffset(b []byte) (int, error) {
	f.mu.Lock()
	off := f.off
	f.mu.Unlock()
	n, err := f.remote.read(b, off)
	f.mu.Lock()
	f.off = off + int64(n)
	f.mu.Unlock()
	return n, err
}

// writeAtOffset is Write for f, a file of the service. In append mode the
// service writes at the end and the offset moves to the new end, as on
// Linux.
func (f *file) writeAtOffset(b []byte) (int, error) {
	f.mu.Lock()
	off := f.off
	f.mu.Unlock()
	n, size, err := f.remote.write(b, off)
	if n > 0 {
		f.mu.Lock()
		f.off = off + int64(n)
		if f.flags&O_APPEND != 0 {
			f.off = size
		}
		f.mu.Unlock()
	}
	return n, err
}
