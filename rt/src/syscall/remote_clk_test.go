// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The mount at /disk, tested through package os against fakeService, a
// file system service in memory written from the file protocol's
// specification (clk/abi's fs.go). Each test mounts a service of its own
// and removes the mount when it ends.

// fakeService serves the file protocol from memory.
type fakeService struct {
	// pageSize is the most entries one FSReadDir reply carries; serving,
	// when set, runs before each request, outside mu, as the caller's
	// code would. Both are set before the service is mounted.
	pageSize int
	serving  func()

	mu     sync.Mutex
	files  map[string]*fakeFile // by path from the root, "" being the root
	ids    map[uint32]*fakeOpen
	nextID uint32
	down   bool           // every call fails as when the channel is gone
	calls  map[uint32]int // requests served, by type
	maxIO  int            // the most bytes one read or write asked to move
	bad    []string       // what the client did against the protocol
}

type fakeFile struct {
	dir   bool
	perm  uint32
	data  []byte
	mtime int64
}

type fakeOpen struct {
	f     *fakeFile
	flags uint32
}

func newFakeService() *fakeService {
	return &fakeService{
		pageSize: 1000,
		files:    map[string]*fakeFile{"": {dir: true, perm: 0o755}},
		ids:      map[uint32]*fakeOpen{},
		nextID:   1,
		calls:    map[uint32]int{},
	}
}

// restarted returns the service as it comes back after a crash: the same
// volume, no open files.
func (s *fakeService) restarted() *fakeService {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := newFakeService()
	r.files = s.files
	return r
}

// mountFake mounts a new fakeService at /disk until the test ends, and
// fails the test if the client broke the protocol.
func mountFake(t *testing.T) *fakeService {
	t.Helper()
	s := newFakeService()
	if err := syscall.ClkMountService(s.call); err != nil {
		t.Fatalf("mount: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.ClkMountService(nil); err != nil {
			t.Errorf("unmount: %v", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, b := range s.bad {
			t.Errorf("the client broke the protocol: %s", b)
		}
	})
	return s
}

var le = binary.LittleEndian

// call is the transport: it serves the request and writes the reply.
func (s *fakeService) call(typ uint32, req, resp []byte) (int, syscall.Errno) {
	if s.serving != nil {
		s.serving()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return 0, syscall.EIO
	}
	if len(resp) < syscall.ClkMaxData {
		s.violation("a reply buffer of %d bytes", len(resp))
	}
	s.calls[typ]++
	reply, errno := s.serve(typ, req)
	out := le.AppendUint32(nil, uint32(errno))
	out = le.AppendUint32(out, 0)
	if errno == 0 {
		out = append(out, reply...)
	}
	return copy(resp, out), 0
}

func (s *fakeService) violation(format string, args ...any) {
	s.bad = append(s.bad, fmt.Sprintf(format, args...))
}

// checkPath refuses what the protocol says a path is not: a leading
// slash, empty, "." or ".." elements, or more than FSMaxPath bytes.
func (s *fakeService) checkPath(p string) bool {
	if p == "" {
		return true
	}
	for _, e := range strings.Split(p, "/") {
		if e == "" || e == "." || e == ".." {
			s.violation("path %q", p)
			return false
		}
	}
	return true
}

func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// parentDir checks that the directory to hold p exists.
func (s *fakeService) parentDir(p string) syscall.Errno {
	d, ok := s.files[parentOf(p)]
	switch {
	case !ok:
		return syscall.ENOENT
	case !d.dir:
		return syscall.ENOTDIR
	}
	return 0
}

// children returns the names in directory dir, sorted.
func (s *fakeService) children(dir string) []string {
	var names []string
	for p := range s.files {
		if p != "" && parentOf(p) == dir {
			names = append(names, p[strings.LastIndexByte(p, '/')+1:])
		}
	}
	sort.Strings(names)
	return names
}

func attr(f *fakeFile) []byte {
	mode := syscall.ClkFSModeFile | f.perm
	if f.dir {
		mode = syscall.ClkFSModeDir | f.perm
	}
	b := le.AppendUint64(nil, uint64(len(f.data)))
	b = le.AppendUint32(b, uint32(mode))
	b = le.AppendUint32(b, 0)
	return le.AppendUint64(b, uint64(f.mtime))
}

// serve carries out one request and returns the reply's data after the
// status.
//
// Preconditions: s.mu is held.
func (s *fakeService) serve(typ uint32, req []byte) ([]byte, syscall.Errno) {
	need := map[uint32]int{
		syscall.ClkFSOpen: 8, syscall.ClkFSClose: 4, syscall.ClkFSRead: 16, syscall.ClkFSWrite: 16,
		syscall.ClkFSFstat: 4, syscall.ClkFSReadDir: 8, syscall.ClkFSMkdir: 4, syscall.ClkFSRename: 2,
		syscall.ClkFSTruncate: 16, syscall.ClkFSSync: 4,
	}[typ]
	if len(req) < need {
		s.violation("request %d of %d bytes", typ, len(req))
		return nil, syscall.EINVAL
	}
	var o *fakeOpen
	switch typ {
	case syscall.ClkFSClose, syscall.ClkFSRead, syscall.ClkFSWrite, syscall.ClkFSFstat, syscall.ClkFSReadDir, syscall.ClkFSTruncate:
		if o = s.ids[le.Uint32(req)]; o == nil {
			s.violation("request %d for id %d, which is not open", typ, le.Uint32(req))
			return nil, syscall.EBADF
		}
	}
	now := time.Now().UnixNano()
	switch typ {
	case syscall.ClkFSOpen:
		flags, perm, p := le.Uint32(req), le.Uint32(req[4:]), string(req[8:])
		if !s.checkPath(p) {
			return nil, syscall.EINVAL
		}
		f, ok := s.files[p]
		switch {
		case ok && flags&(syscall.ClkFSOpenCreate|syscall.ClkFSOpenExcl) == syscall.ClkFSOpenCreate|syscall.ClkFSOpenExcl:
			return nil, syscall.EEXIST
		case ok && f.dir && flags&syscall.ClkFSOpenWrite != 0:
			return nil, syscall.EISDIR
		case ok && !f.dir && flags&syscall.ClkFSOpenDirectory != 0:
			return nil, syscall.ENOTDIR
		case !ok && flags&syscall.ClkFSOpenCreate == 0:
			return nil, syscall.ENOENT
		case !ok:
			if e := s.parentDir(p); e != 0 {
				return nil, e
			}
			f = &fakeFile{perm: perm & 0o777, mtime: now}
			s.files[p] = f
		}
		if flags&syscall.ClkFSOpenTrunc != 0 && !f.dir {
			f.data, f.mtime = nil, now
		}
		id := s.nextID
		s.nextID++
		s.ids[id] = &fakeOpen{f: f, flags: flags}
		b := le.AppendUint32(nil, id)
		b = le.AppendUint32(b, 0)
		return append(b, attr(f)...), 0

	case syscall.ClkFSClose:
		delete(s.ids, le.Uint32(req))
		return nil, 0

	case syscall.ClkFSRead:
		n, off := int(le.Uint32(req[4:])), le.Uint64(req[8:])
		if n > syscall.ClkFSMaxIO {
			s.violation("a read of %d bytes", n)
		}
		s.maxIO = max(s.maxIO, n)
		switch {
		case o.flags&syscall.ClkFSOpenRead == 0:
			return nil, syscall.EBADF
		case o.f.dir:
			return nil, syscall.EISDIR
		case off >= uint64(len(o.f.data)):
			return nil, 0
		}
		return o.f.data[off:min(uint64(len(o.f.data)), off+uint64(n))], 0

	case syscall.ClkFSWrite:
		off, data := int(le.Uint64(req[8:])), req[16:]
		if len(data) > syscall.ClkFSMaxIO {
			s.violation("a write of %d bytes", len(data))
		}
		s.maxIO = max(s.maxIO, len(data))
		if o.flags&syscall.ClkFSOpenWrite == 0 {
			return nil, syscall.EBADF
		}
		if o.flags&syscall.ClkFSOpenAppend != 0 {
			off = len(o.f.data)
		}
		if end := off + len(data); end > len(o.f.data) {
			o.f.data = append(o.f.data, make([]byte, end-len(o.f.data))...)
		}
		copy(o.f.data[off:], data)
		o.f.mtime = now
		return le.AppendUint64(nil, uint64(len(o.f.data))), 0

	case syscall.ClkFSStat:
		p := string(req)
		if !s.checkPath(p) {
			return nil, syscall.EINVAL
		}
		f, ok := s.files[p]
		if !ok {
			return nil, syscall.ENOENT
		}
		return attr(f), 0

	case syscall.ClkFSFstat:
		return attr(o.f), 0

	case syscall.ClkFSReadDir:
		var dir string
		for p, f := range s.files {
			if f == o.f {
				dir = p
			}
		}
		names := s.children(dir)
		i := int(le.Uint32(req[4:]))
		var ents []byte
		count := 0
		for ; i < len(names) && count < s.pageSize; i++ {
			e := append(attr(s.files[joinPath(dir, names[i])]), 0, 0)
			le.PutUint16(e[len(e)-2:], uint16(len(names[i])))
			e = append(e, names[i]...)
			if 16+len(ents)+len(e) > syscall.ClkMaxData {
				break
			}
			ents = append(ents, e...)
			count++
		}
		next := uint32(i)
		if i >= len(names) {
			next = 0
		}
		b := le.AppendUint32(nil, next)
		b = le.AppendUint32(b, uint32(count))
		return append(b, ents...), 0

	case syscall.ClkFSMkdir:
		perm, p := le.Uint32(req), string(req[4:])
		if !s.checkPath(p) {
			return nil, syscall.EINVAL
		}
		if _, ok := s.files[p]; ok {
			return nil, syscall.EEXIST
		}
		if e := s.parentDir(p); e != 0 {
			return nil, e
		}
		s.files[p] = &fakeFile{dir: true, perm: perm & 0o777, mtime: now}
		return nil, 0

	case syscall.ClkFSRemove:
		p := string(req)
		if !s.checkPath(p) {
			return nil, syscall.EINVAL
		}
		f, ok := s.files[p]
		switch {
		case p == "":
			return nil, syscall.EBUSY
		case !ok:
			return nil, syscall.ENOENT
		case f.dir && len(s.children(p)) > 0:
			return nil, syscall.ENOTEMPTY
		}
		delete(s.files, p)
		return nil, 0

	case syscall.ClkFSRename:
		n := int(le.Uint16(req))
		if 2+n > len(req) {
			s.violation("rename with an old path of %d bytes in %d", n, len(req))
			return nil, syscall.EINVAL
		}
		from, to := string(req[2:2+n]), string(req[2+n:])
		if !s.checkPath(from) || !s.checkPath(to) {
			return nil, syscall.EINVAL
		}
		f, ok := s.files[from]
		if !ok {
			return nil, syscall.ENOENT
		}
		if e := s.parentDir(to); e != 0 {
			return nil, e
		}
		if f.dir && strings.HasPrefix(to+"/", from+"/") {
			return nil, syscall.EINVAL
		}
		if g, ok := s.files[to]; ok {
			switch {
			case f.dir && !g.dir:
				return nil, syscall.ENOTDIR
			case !f.dir && g.dir:
				return nil, syscall.EISDIR
			case g.dir && len(s.children(to)) > 0:
				return nil, syscall.ENOTEMPTY
			}
		}
		moved := map[string]*fakeFile{}
		for p, g := range s.files {
			if p == from || strings.HasPrefix(p, from+"/") {
				moved[to+p[len(from):]] = g
				delete(s.files, p)
			}
		}
		for p, g := range moved {
			s.files[p] = g
		}
		return nil, 0

	case syscall.ClkFSTruncate:
		size := int(le.Uint64(req[8:]))
		if o.flags&syscall.ClkFSOpenWrite == 0 || o.f.dir {
			return nil, syscall.EINVAL
		}
		if size < len(o.f.data) {
			o.f.data = o.f.data[:size]
		} else {
			o.f.data = append(o.f.data, make([]byte, size-len(o.f.data))...)
		}
		o.f.mtime = now
		return nil, 0

	case syscall.ClkFSSync:
		return nil, 0
	}
	s.violation("request of type %d", typ)
	return nil, syscall.EINVAL
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func rootNames(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestClkDiskExistsOnlyWhileMounted(t *testing.T) {
	absent := func(when string) {
		t.Helper()
		if _, err := os.Stat("/disk"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: Stat(/disk) = %v, want ENOENT", when, err)
		}
		if _, err := os.Create("/disk/f"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: Create(/disk/f) = %v, want ENOENT", when, err)
		}
		if slices.Contains(rootNames(t), "disk") {
			t.Errorf("%s: / lists disk", when)
		}
	}
	absent("before the mount")

	s := newFakeService()
	if err := syscall.ClkMountService(s.call); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat("/disk")
	if err != nil || !fi.IsDir() {
		t.Errorf("Stat(/disk) = %v, %v; want a directory", fi, err)
	}
	ents, err := os.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ents, func(e fs.DirEntry) bool { return e.Name() == "disk" })
	if i < 0 || !ents[i].IsDir() {
		t.Errorf("ReadDir(/) = %v, want disk among them, a directory", ents)
	}
	if err := syscall.ClkMountService(nil); err != nil {
		t.Fatal(err)
	}
	absent("after the mount")
}

func TestClkDiskFilesReadBackWhatWasWritten(t *testing.T) {
	mountFake(t)
	name := "/disk/a.txt"
	if err := os.WriteFile(name, []byte("hello, disk"), 0o666); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "hello, disk" {
		t.Fatalf("ReadFile = %q, %v; want %q", b, err, "hello, disk")
	}

	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(" again"); err != nil {
		t.Fatal(err)
	}
	if off, err := f.Seek(0, io.SeekCurrent); err != nil || off != 17 {
		t.Errorf("offset after an appending write = %d, %v; want 17 (the end)", off, err)
	}
	f.Close()
	if b, _ := os.ReadFile(name); string(b) != "hello, disk again" {
		t.Errorf("after append: %q", b)
	}

	if _, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666); !errors.Is(err, fs.ErrExist) {
		t.Errorf("O_EXCL on an existing file: %v, want EEXIST", err)
	}

	f, err = os.OpenFile(name, os.O_RDWR|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != 0 {
		t.Errorf("Stat after O_TRUNC = %v, %v; want 0 bytes", fi, err)
	}
	f.WriteString("0123456789")
	if off, err := f.Seek(-3, io.SeekEnd); err != nil || off != 7 {
		t.Errorf("Seek(-3, end) = %d, %v; want 7", off, err)
	}
	buf := make([]byte, 8)
	if n, err := f.Read(buf); err != nil || string(buf[:n]) != "789" {
		t.Errorf("Read at 7 = %q, %v; want %q", buf[:n], err, "789")
	}
	if n, err := f.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v; want 0, EOF", n, err)
	}
	if _, err := f.WriteAt([]byte("AB"), 2); err != nil {
		t.Fatal(err)
	}
	if n, err := f.ReadAt(buf[:4], 1); err != nil || string(buf[:n]) != "1AB4" {
		t.Errorf("ReadAt(1) = %q, %v; want %q", buf[:n], err, "1AB4")
	}
	if err := f.Truncate(4); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if err := os.Truncate(name, 3); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != "01A" {
		t.Errorf("after truncating to 4, then 3: %q, want %q", b, "01A")
	}

	fi, err := os.Stat(name)
	if err != nil || fi.Size() != 3 || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Errorf("Stat = %v, %v; want a regular file of 3 bytes, mode 0644 (0666 less the umask)", fi, err)
	}
	if fi2, err := os.Lstat(name); err != nil || !os.SameFile(fi, fi2) {
		t.Errorf("Lstat = %v, %v; want the file Stat saw", fi2, err)
	}
	if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) || fi2.Size() != 3 {
		t.Errorf("File.Stat = %v, %v; want the file Stat saw", fi2, err)
	}
	if err := os.Chmod(name, 0o600); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Chmod = %v, want ENOSYS: the protocol cannot change modes", err)
	}
}

func TestClkDiskSplitsTransfersLargerThanAMessage(t *testing.T) {
	s := mountFake(t)
	data := make([]byte, 3*syscall.ClkFSMaxIO+123)
	for i := range data {
		data[i] = byte(i * 7 / 5)
	}
	if err := os.WriteFile("/disk/big", data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("/disk/big")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile = %d bytes, %v; want the %d written", len(got), err, len(data))
	}
	f, err := os.Open("/disk/big")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off := int64(syscall.ClkFSMaxIO - 5)
	buf := make([]byte, 2*syscall.ClkFSMaxIO)
	if n, err := f.ReadAt(buf, off); err != nil || !bytes.Equal(buf[:n], data[off:off+int64(len(buf))]) {
		t.Errorf("ReadAt(%d) of %d bytes = %d, %v; want them as written", off, len(buf), n, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[syscall.ClkFSWrite] < 4 || s.maxIO != syscall.ClkFSMaxIO {
		t.Errorf("%d writes, the largest transfer %d bytes; want at least 4 writes of at most %d", s.calls[syscall.ClkFSWrite], s.maxIO, syscall.ClkFSMaxIO)
	}
}

func TestClkDiskListsLargeDirectoriesPageByPage(t *testing.T) {
	s := mountFake(t)
	s.pageSize = 64
	if err := os.Mkdir("/disk/many", 0o777); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 300 {
		name := fmt.Sprintf("file-%03d", i)
		want = append(want, name)
		if err := os.WriteFile("/disk/many/"+name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir("/disk/many/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	want = append(want, "sub")

	ents, err := os.ReadDir("/disk/many")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
		if e.IsDir() != (e.Name() == "sub") {
			t.Errorf("%s: IsDir = %v", e.Name(), e.IsDir())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("ReadDir gave %d names, %q ... %q; want the %d made", len(got), got[:min(3, len(got))], got[max(0, len(got)-3):], len(want))
	}
	s.mu.Lock()
	pages := s.calls[syscall.ClkFSReadDir]
	s.mu.Unlock()
	if pages < 5 {
		t.Errorf("%d FSReadDir requests for 301 entries in pages of 64, want at least 5", pages)
	}

	// File.ReadDir in parts, then again from the start after a rewind.
	f, err := os.Open("/disk/many")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	part, err := f.ReadDir(100)
	if err != nil || len(part) != 100 || part[99].Name() != "file-099" {
		t.Fatalf("ReadDir(100) = %d entries, %v", len(part), err)
	}
	rest, err := f.Readdirnames(-1)
	if err != nil || len(rest) != 201 || rest[0] != "file-100" {
		t.Errorf("Readdirnames(-1) after 100 = %d names, %v; want the 201 left", len(rest), err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if all, err := f.Readdirnames(-1); err != nil || len(all) != 301 {
		t.Errorf("Readdirnames(-1) after a rewind = %d names, %v; want 301", len(all), err)
	}
}

func TestClkDiskDirectoriesAreMadeRemovedAndRenamed(t *testing.T) {
	mountFake(t)
	if err := os.MkdirAll("/disk/a/b/c", 0o777); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat("/disk/a/b"); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
		t.Errorf("Stat(/disk/a/b) = %v, %v; want a directory, mode 0755", fi, err)
	}
	if err := os.Mkdir("/disk/a", 0o777); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Mkdir of an existing directory: %v, want EEXIST", err)
	}
	if err := os.WriteFile("/disk/a/b/c/f", []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove("/disk/a/b/c"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("Remove of a directory with a file: %v, want ENOTEMPTY", err)
	}
	if err := syscall.Unlink("/disk/a/b/c"); err != syscall.EISDIR {
		t.Errorf("Unlink of a directory: %v, want EISDIR", err)
	}
	if err := syscall.Rmdir("/disk/a/b/c/f"); err != syscall.ENOTDIR {
		t.Errorf("Rmdir of a file: %v, want ENOTDIR", err)
	}

	if err := os.Rename("/disk/a/b/c/f", "/disk/a/g"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("/disk/a/./b/../g"); err != nil || string(b) != "f" {
		t.Errorf("the renamed file reads %q, %v", b, err)
	}
	if err := os.Rename("/disk/a/b", "/disk/z"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat("/disk/z/c"); err != nil || !fi.IsDir() {
		t.Errorf("Stat of a directory moved with its parent = %v, %v", fi, err)
	}
	if _, err := os.Stat("/disk/a/b"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of the old name = %v, want ENOENT", err)
	}

	tmp := t.TempDir() + "/t"
	if err := os.WriteFile(tmp, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]string{{"/disk/a/g", tmp + "2"}, {tmp, "/disk/t"}} {
		if err := os.Rename(r[0], r[1]); !errors.Is(err, syscall.EXDEV) {
			t.Errorf("Rename(%s, %s) = %v, want EXDEV", r[0], r[1], err)
		}
	}

	fi, err := os.Stat("/disk/../tmp")
	if want, _ := os.Stat("/tmp"); err != nil || !os.SameFile(fi, want) {
		t.Errorf("Stat(/disk/../tmp) = %v, %v; want /tmp", fi, err)
	}
	if err := os.Remove("/disk/z/c"); err != nil {
		t.Errorf("Remove of an empty directory: %v", err)
	}
	if err := os.RemoveAll("/disk/a"); err != nil {
		t.Errorf("RemoveAll: %v", err)
	}
	ents, err := os.ReadDir("/disk")
	if err != nil || len(ents) != 1 || ents[0].Name() != "z" {
		t.Errorf("ReadDir(/disk) = %v, %v; want z alone", ents, err)
	}
}

func TestClkDiskWorkingDirectoryResolvesRelativePaths(t *testing.T) {
	mountFake(t)
	if err := os.MkdirAll("/disk/w/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/disk/w/sub/f", []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	check := func(want string) {
		t.Helper()
		if got, err := os.Getwd(); err != nil || got != want {
			t.Errorf("Getwd = %q, %v; want %q", got, err, want)
		}
	}
	if err := os.Chdir("/disk/w"); err != nil {
		t.Fatal(err)
	}
	check("/disk/w")
	if b, err := os.ReadFile("sub/f"); err != nil || string(b) != "f" {
		t.Errorf("ReadFile(sub/f) = %q, %v", b, err)
	}
	if err := os.Chdir("sub"); err != nil {
		t.Fatal(err)
	}
	check("/disk/w/sub")
	if err := os.Chdir("f"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("Chdir to a file: %v, want ENOTDIR", err)
	}
	if err := os.Chdir("../../../tmp"); err != nil {
		t.Fatal(err)
	}
	check("/tmp")
	if err := os.Chdir("../disk"); err != nil {
		t.Fatal(err)
	}
	check("/disk")
	d, err := os.Open("w")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	os.Chdir("/")
	if err := d.Chdir(); err != nil {
		t.Fatal(err)
	}
	check("/disk/w")
}

func TestClkDiskCallsHoldNoLocks(t *testing.T) {
	s := mountFake(t)
	// While it serves, the service changes /tmp (fsMu for writing) and
	// opens a file (filesMu): either waits forever if the caller holds
	// that lock.
	tmp := t.TempDir()
	s.serving = func() {
		os.WriteFile(tmp+"/served", nil, 0o644)
		os.Stat(tmp)
	}
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			done <- func() error {
				name := fmt.Sprintf("/disk/g%d", g)
				if err := os.WriteFile(name, []byte(name), 0o644); err != nil {
					return err
				}
				if _, err := os.ReadFile(name); err != nil {
					return err
				}
				if _, err := os.ReadDir("/disk"); err != nil {
					return err
				}
				if err := os.Rename(name, name+"x"); err != nil {
					return err
				}
				return os.Remove(name + "x")
			}()
		}()
	}
	timeout := time.After(2 * time.Minute)
	for range 4 {
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-timeout:
			t.Fatal("calls to /disk did not end: a lock is held across the service's call")
		}
	}
}

func TestClkDiskLossIsEIOUntilTheServiceReturns(t *testing.T) {
	s := mountFake(t)
	if err := os.WriteFile("/disk/f", []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/disk/f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	s.mu.Lock()
	s.down = true
	s.mu.Unlock()
	if _, err := os.Stat("/disk/f"); !errors.Is(err, syscall.EIO) {
		t.Errorf("Stat with the service gone = %v, want EIO", err)
	}
	if _, err := f.Read(make([]byte, 4)); !errors.Is(err, syscall.EIO) {
		t.Errorf("Read with the service gone = %v, want EIO", err)
	}
	if !slices.Contains(rootNames(t), "disk") {
		t.Errorf("the mount left / when its service went")
	}

	// The service restarts on a new channel: paths reach it, while the
	// descriptor opened through the old one keeps failing.
	r := s.restarted()
	if err := syscall.ClkMountService(r.call); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("/disk/f"); err != nil || string(b) != "kept" {
		t.Errorf("ReadFile after the restart = %q, %v", b, err)
	}
	if _, err := f.Read(make([]byte, 4)); !errors.Is(err, syscall.EIO) {
		t.Errorf("Read through the old channel = %v, want EIO", err)
	}
}

func TestClkFSEnvNamesAHandleAsHandlesEnvDoes(t *testing.T) {
	for _, c := range []struct {
		s  string
		h  uint32
		ok bool
	}{
		{"0x1a", 0x1a, true}, {"0XFF", 0xff, true}, {"26", 26, true}, {"0xffffffff", 0xffffffff, true},
		{"0", 0, false}, {"0x", 0, false}, {"", 0, false}, {"0x100000000", 0, false}, {"12a", 0, false}, {"-1", 0, false},
	} {
		if h, ok := syscall.ClkParseHandle(c.s); h != c.h || ok != c.ok {
			t.Errorf("parseHandle(%q) = %#x, %v; want %#x, %v", c.s, h, ok, c.h, c.ok)
		}
	}
}
