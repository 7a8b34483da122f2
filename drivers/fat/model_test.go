package fat

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"sort"
	"strings"
	"testing"
)

// modelEntry is a file or directory of the model the property test
// checks the package against: by folded path, with the name as last
// spelled, its contents and whether it is a directory.
type modelEntry struct {
	name string
	data []byte
	dir  bool
}

type model map[string]*modelEntry

// display returns the path of a folded path as the volume lists it.
func (m model) display(key string) string {
	var parts []string
	var prefix string
	for p := range strings.SplitSeq(key, "/") {
		prefix = path.Join(prefix, p)
		parts = append(parts, m[prefix].name)
	}
	return strings.Join(parts, "/")
}

// tree returns the model as the tree function returns a volume.
func (m model) tree() map[string][]byte {
	out := make(map[string][]byte)
	for k, e := range m {
		if e.dir {
			out[m.display(k)+"/"] = nil
		} else {
			out[m.display(k)] = e.data
		}
	}
	return out
}

// children reports whether a directory of the model has entries.
func (m model) children(key string) bool {
	for k := range m {
		if strings.HasPrefix(k, key+"/") {
			return true
		}
	}
	return false
}

// randomOps runs n random operations on fsys and on a model, checking
// that each does the same on both, remounting now and then, and returns
// the model.
func randomOps(t *testing.T, dev Device, seed uint64, n int) model {
	r := rand.New(rand.NewPCG(seed, 99))
	fsys := mount(t, dev)
	m := model{}
	names := []string{"a", "B.TXT", "Long Name Number One.txt", "notes.md", "ÜBER Größe", "x.y.z", "Data", "deep directory name", "LOG", strings.Repeat("lengthy ", 20) + "end"}
	respell := func(s string) string {
		switch r.IntN(3) {
		case 0:
			return strings.ToUpper(s)
		case 1:
			return strings.ToLower(s)
		}
		return s
	}
	keys := func(dirs bool) []string {
		var ks []string
		for k, e := range m {
			if e.dir == dirs {
				ks = append(ks, k)
			}
		}
		sort.Strings(ks)
		return ks
	}
	// somewhere returns a folded path for a new entry: a name in the root
	// or in an existing directory, and how to spell it.
	somewhere := func() (key, spelled string) {
		parent, pspell := "", ""
		if dirs := keys(true); len(dirs) > 0 && r.IntN(3) > 0 {
			parent = dirs[r.IntN(len(dirs))]
			pspell = respell(m.display(parent))
		}
		name := names[r.IntN(len(names))]
		return path.Join(parent, fold(name)), path.Join(pspell, name)
	}
	bytesOf := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	data := func() []byte {
		if r.IntN(10) == 0 {
			return bytesOf(100_000 + r.IntN(50_000))
		}
		return bytesOf(r.IntN(20_000))
	}
	fail := func(op string, err error) {
		t.Helper()
		t.Fatalf("seed %d: %s: %v", seed, op, err)
	}
	for i := range n {
		files, dirs := keys(false), keys(true)
		switch op := r.IntN(10); {
		case op == 0 && len(m) < 60: // mkdir
			k, sp := somewhere()
			if m[k] != nil {
				continue
			}
			if err := fsys.Mkdir(sp); err != nil {
				fail("mkdir "+sp, err)
			}
			m[k] = &modelEntry{name: path.Base(sp), dir: true}
		case op <= 2: // create or overwrite
			k, sp := somewhere()
			if e := m[k]; e != nil && e.dir {
				continue
			}
			b := data()
			f, err := fsys.Create(sp)
			if err != nil {
				fail("create "+sp, err)
			}
			if _, err := f.Write(b); err != nil {
				fail("write "+sp, err)
			}
			f.Close()
			if m[k] == nil {
				m[k] = &modelEntry{name: path.Base(sp)}
			}
			m[k].data = b
		case op == 3 && len(files) > 0: // write at an offset, maybe past the end
			k := files[r.IntN(len(files))]
			e := m[k]
			off := r.IntN(len(e.data) + 5000)
			b := bytesOf(r.IntN(3000))
			f, err := fsys.OpenFile(respell(m.display(k)), os.O_RDWR, 0)
			if err != nil {
				fail("open "+k, err)
			}
			if _, err := f.WriteAt(b, int64(off)); err != nil {
				fail("writeat "+k, err)
			}
			f.Close()
			if len(b) > 0 {
				if end := off + len(b); end > len(e.data) {
					e.data = append(e.data, make([]byte, end-len(e.data))...)
				}
				copy(e.data[off:], b)
			}
		case op == 4 && len(files) > 0: // append
			k := files[r.IntN(len(files))]
			b := bytesOf(r.IntN(5000))
			f, err := fsys.OpenFile(respell(m.display(k)), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				fail("open "+k, err)
			}
			if _, err := f.Write(b); err != nil {
				fail("append "+k, err)
			}
			f.Close()
			m[k].data = append(m[k].data, b...)
		case op == 5 && len(files) > 0: // truncate
			k := files[r.IntN(len(files))]
			e := m[k]
			size := r.IntN(len(e.data) + 3000)
			if err := fsys.Truncate(respell(m.display(k)), int64(size)); err != nil {
				fail("truncate "+k, err)
			}
			if size > len(e.data) {
				e.data = append(e.data, make([]byte, size-len(e.data))...)
			}
			e.data = e.data[:size]
		case op == 6 && len(m) > 0: // remove
			all := append(files, dirs...)
			k := all[r.IntN(len(all))]
			err := fsys.Remove(respell(m.display(k)))
			switch {
			case m[k].dir && m.children(k):
				if !errors.Is(err, ErrNotEmpty) {
					fail("remove of a full directory "+k, err)
				}
			case err != nil:
				fail("remove "+k, err)
			default:
				delete(m, k)
			}
		case op == 7 && len(m) > 0: // rename
			all := append(files, dirs...)
			k := all[r.IntN(len(all))]
			nk, sp := somewhere()
			src, dst := m[k], m[nk]
			switch {
			case src.dir && (nk == k || strings.HasPrefix(nk, k+"/")):
				continue
			case dst != nil && nk != k && (dst.dir != src.dir || dst.dir && m.children(nk)):
				continue
			}
			if err := fsys.Rename(respell(m.display(k)), sp); err != nil {
				fail(fmt.Sprintf("rename %s to %s", k, sp), err)
			}
			moved := map[string]*modelEntry{}
			for ok, e := range m {
				if ok == k || strings.HasPrefix(ok, k+"/") {
					moved[nk+strings.TrimPrefix(ok, k)] = e
					delete(m, ok)
				}
			}
			for mk, e := range moved {
				m[mk] = e
			}
			m[nk].name = path.Base(sp)
		case op == 8 && len(files) > 0: // read
			k := files[r.IntN(len(files))]
			got, err := readFile(fsys, respell(m.display(k)))
			if err != nil || !bytes.Equal(got, m[k].data) {
				fail("read "+k, fmt.Errorf("%d bytes, %v; want %d", len(got), err, len(m[k].data)))
			}
		case op == 9: // sync and remount
			if err := fsys.Sync(); err != nil {
				fail("sync", err)
			}
			fsys = mount(t, dev)
		}
		if i%50 == 0 {
			got, err := tree(fsys)
			if err != nil {
				fail("tree", err)
			}
			if diff := sameTree(got, m.tree()); diff != "" {
				t.Fatalf("seed %d, after op %d: %s", seed, i, diff)
			}
		}
	}
	if err := fsys.Sync(); err != nil {
		fail("sync", err)
	}
	got, err := tree(mount(t, dev))
	if err != nil {
		fail("tree", err)
	}
	if diff := sameTree(got, m.tree()); diff != "" {
		t.Fatalf("seed %d, after remounting: %s", seed, diff)
	}
	return m
}

func TestRandomOperationsMatchAModel(t *testing.T) {
	for seed := range uint64(4) {
		dev := NewMemDevice(512, testSectors)
		if err := FormatWith(dev, FormatOptions{VolumeID: 1}); err != nil {
			t.Fatal(err)
		}
		randomOps(t, dev, seed, 400)
		fsckClean(t, dev)
	}
}

func TestRandomOperationsMatchAModelOnBigSectors(t *testing.T) {
	dev := NewMemDevice(4096, 70000)
	if err := FormatWith(dev, FormatOptions{VolumeID: 1}); err != nil {
		t.Fatal(err)
	}
	randomOps(t, dev, 10, 400)
	fsckClean(t, dev)
}
