package shell

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"testing/fstest"
	"time"
)

// memSystem is fakeSystem with files that can be changed: a tree in memory
// whose /tmp and /disk are writable. Every directory has an entry of its
// own, so that a directory stays when its last file goes.
type memSystem struct {
	fakeSystem

	mu sync.Mutex
	// tree is guarded by mu. An entry is replaced, never changed, so
	// that files opened from it read it without the lock.
	tree fstest.MapFS
	open int // files opened and not yet closed
}

var _ Writable = (*memSystem)(nil)

// Errors the memory tree gives where an operating system has an errno.
var (
	errMemIsDir    = errors.New("is a directory")
	errMemNotEmpty = errors.New("directory not empty")
	errMemNoSpace  = errors.New("no space left on device")
)

// diskSize is the size /disk reports.
const diskSize = 1 << 20

func newMemSystem(files fstest.MapFS) *memSystem {
	tree := fstest.MapFS{}
	for name, f := range files {
		tree[name] = f
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if _, ok := tree[d]; !ok {
				tree[d] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
			}
		}
	}
	return &memSystem{tree: tree}
}

// Files is the tree; dev/zero in it reads as slow, endless zero bytes.
func (m *memSystem) Files() fs.FS { return memFS{m} }

// opened is how many files are open.
func (m *memSystem) opened() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open
}

// file returns the contents of a file, and whether it is there.
func (m *memSystem) file(name string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.tree[name]
	if !ok || f.Mode.IsDir() {
		return nil, false
	}
	return f.Data, true
}

// memFS reads the tree under its lock.
type memFS struct{ m *memSystem }

func (fsys memFS) Open(name string) (fs.File, error) {
	fsys.m.mu.Lock()
	defer fsys.m.mu.Unlock()
	f, err := fsys.m.tree.Open(name)
	if err != nil {
		return nil, err
	}
	fsys.m.open++
	if name == "dev/zero" {
		return &zeroFile{memFile{File: f, m: fsys.m}}, nil
	}
	return &memFile{File: f, m: fsys.m}, nil
}

// memFile is a file of the tree opened for reading; it counts its close.
type memFile struct {
	fs.File
	m    *memSystem
	once sync.Once
}

func (f *memFile) Close() error {
	f.once.Do(func() {
		f.m.mu.Lock()
		f.m.open--
		f.m.mu.Unlock()
	})
	return f.File.Close()
}

// ReadDir passes on the directory's ReadDir, which the embedded fs.File
// hides.
func (f *memFile) ReadDir(n int) ([]fs.DirEntry, error) {
	d, ok := f.File.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Err: errors.New("not a directory")}
	}
	return d.ReadDir(n)
}

// zeroFile reads as zero bytes, a little at a time, for ever: a copy of
// it runs until it is stopped.
type zeroFile struct{ memFile }

func (*zeroFile) Read(b []byte) (int, error) {
	time.Sleep(time.Millisecond)
	n := min(len(b), 4096)
	clear(b[:n])
	return n, nil
}

// key is the tree's name for an absolute name.
func key(name string) string {
	if name == "/" {
		return "."
	}
	return strings.TrimPrefix(name, "/")
}

// writableKey reports whether k lies in /tmp or /disk.
func writableKey(k string) bool {
	return strings.HasPrefix(k, "tmp/") || strings.HasPrefix(k, "disk/")
}

// isDir reports whether k is a directory. Preconditions: m.mu is held.
func (m *memSystem) isDir(k string) bool {
	if k == "." {
		return true
	}
	f, ok := m.tree[k]
	return ok && f.Mode.IsDir()
}

// exists reports whether k is in the tree. Preconditions: m.mu is held.
func (m *memSystem) exists(k string) bool {
	_, ok := m.tree[k]
	return ok || k == "."
}

// check is the test every change makes first: the name is writable and
// its parent is a directory. Preconditions: m.mu is held.
func (m *memSystem) check(op, name string) error {
	k := key(name)
	switch {
	case !writableKey(k):
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrPermission}
	case !m.isDir(path.Dir(k)):
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return nil
}

func (m *memSystem) Create(name string, append bool) (io.WriteCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("open", name); err != nil {
		return nil, err
	}
	k := key(name)
	w := &memWriter{m: m, key: k}
	if f, ok := m.tree[k]; ok {
		if f.Mode.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errMemIsDir}
		}
		if append {
			w.data = f.Data
		}
	}
	w.publish()
	m.open++
	return w, nil
}

// memWriter is a file of the tree opened for writing.
type memWriter struct {
	m    *memSystem
	key  string
	data []byte
	last *fstest.MapFile // what it put in the tree last
	shut bool
}

// publish puts the data in the tree. The entry's slice is capped at its
// length, so that a later append never writes where a reader of it may
// read. Preconditions: w.m.mu is held.
func (w *memWriter) publish() {
	w.last = &fstest.MapFile{Data: w.data[:len(w.data):len(w.data)], Mode: 0o644}
	w.m.tree[w.key] = w.last
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	if w.shut {
		return 0, &fs.PathError{Op: "write", Path: "/" + w.key, Err: fs.ErrClosed}
	}
	if strings.HasPrefix(w.key, "disk/") && w.m.diskUsed()+uint64(len(b)) > diskSize {
		return 0, &fs.PathError{Op: "write", Path: "/" + w.key, Err: errMemNoSpace}
	}
	w.data = append(w.data, b...)
	// A file removed or replaced meanwhile no longer has a name: its
	// writes go nowhere, as they go to an unlinked inode.
	if w.m.tree[w.key] == w.last {
		w.publish()
	}
	return len(b), nil
}

func (w *memWriter) Close() error {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	if w.shut {
		return &fs.PathError{Op: "close", Path: "/" + w.key, Err: fs.ErrClosed}
	}
	w.shut = true
	w.m.open--
	return nil
}

func (m *memSystem) Mkdir(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.exists(key(name)) {
		return &fs.PathError{Op: "mkdir", Path: name, Err: fs.ErrExist}
	}
	if err := m.check("mkdir", name); err != nil {
		return err
	}
	m.tree[key(name)] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
	return nil
}

func (m *memSystem) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key(name)
	if !m.exists(k) {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	if err := m.check("remove", name); err != nil {
		return err
	}
	for other := range m.tree {
		if strings.HasPrefix(other, k+"/") {
			return &fs.PathError{Op: "remove", Path: name, Err: errMemNotEmpty}
		}
	}
	delete(m.tree, k)
	return nil
}

func (m *memSystem) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	from, to := key(oldname), key(newname)
	if !m.exists(from) {
		return &fs.PathError{Op: "rename", Path: oldname, Err: fs.ErrNotExist}
	}
	if err := m.check("rename", oldname); err != nil {
		return err
	}
	if err := m.check("rename", newname); err != nil {
		return err
	}
	if m.isDir(to) || (m.exists(to) && m.isDir(from)) || strings.HasPrefix(to, from+"/") {
		return &fs.PathError{Op: "rename", Path: newname, Err: fs.ErrExist}
	}
	moved := fstest.MapFS{}
	for k, f := range m.tree {
		if k == from || strings.HasPrefix(k, from+"/") {
			moved[to+strings.TrimPrefix(k, from)] = f
			delete(m.tree, k)
		}
	}
	for k, f := range moved {
		m.tree[k] = f
	}
	return nil
}

// Usage reports /disk as a volume of diskSize bytes, the rest of the tree
// outside /tmp as the read-only initrd, and knows nothing of /tmp.
func (m *memSystem) Usage(name string) (Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key(name)
	if !m.exists(k) {
		return Usage{}, &fs.PathError{Op: "usage", Path: name, Err: fs.ErrNotExist}
	}
	switch {
	case k == "disk" || strings.HasPrefix(k, "disk/"):
		return Usage{Total: diskSize, Free: diskSize - m.diskUsed(), Kind: "fat32"}, nil
	case k == "tmp" || strings.HasPrefix(k, "tmp/"):
		return Usage{}, &fs.PathError{Op: "usage", Path: name, Err: errors.ErrUnsupported}
	}
	var initrd uint64
	for k, f := range m.tree {
		if !writableKey(k) {
			initrd += uint64(len(f.Data))
		}
	}
	return Usage{Total: initrd, ReadOnly: true, Kind: "initrd"}, nil
}

// diskUsed is how many bytes the files of /disk hold. Preconditions: m.mu
// is held.
func (m *memSystem) diskUsed() uint64 {
	var n uint64
	for k, f := range m.tree {
		if strings.HasPrefix(k, "disk/") {
			n += uint64(len(f.Data))
		}
	}
	return n
}
