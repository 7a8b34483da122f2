package fat

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// ioFS shows an FS through io/fs, whose conformance test checks Open,
// Stat, ReadDir and the Files they return against one another.
type ioFS struct{ fsys *FS }

func (v ioFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return v.fsys.Open(name)
}

func (v ioFS) ReadDir(name string) ([]fs.DirEntry, error) { return v.fsys.ReadDir(name) }
func (v ioFS) Stat(name string) (fs.FileInfo, error)      { return v.fsys.Stat(name) }

func TestVolumeConformsToIOFS(t *testing.T) {
	_, fsys := newVolume(t)
	fsys.Mkdir("dir")
	fsys.Mkdir("dir/Sub Dir")
	files := []string{"a.txt", "dir/B Long Name.dat", "dir/Sub Dir/c", "empty"}
	for i, name := range files {
		writeFile(t, fsys, name, make([]byte, i*1000))
	}
	if err := fstest.TestFS(ioFS{fsys}, files...); err != nil {
		t.Fatal(err)
	}
}
