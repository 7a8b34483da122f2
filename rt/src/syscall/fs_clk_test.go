// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests share one tree, which only grows; each mounts under its own
// directory.

func TestClkMountedFilesRead(t *testing.T) {
	if err := syscall.ClkMount(map[string][]byte{
		"/read/a.txt":        []byte("hello"),
		"read/dir/b.txt":     []byte("world"),
		"read/dir/sub/c.txt": nil,
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/read/dir/b.txt")
	if err != nil || string(b) != "world" {
		t.Fatalf("ReadFile = %q, %v; want %q, nil", b, err, "world")
	}
	f, err := os.Open("/read/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 3)
	if n, err := f.ReadAt(buf, 2); err != nil || string(buf[:n]) != "llo" {
		t.Errorf("ReadAt(2) = %q, %v; want %q, nil", buf[:n], err, "llo")
	}
	if off, err := f.Seek(-2, io.SeekEnd); err != nil || off != 3 {
		t.Errorf("Seek(-2, end) = %d, %v; want 3, nil", off, err)
	}
	if b, err := io.ReadAll(f); err != nil || string(b) != "lo" {
		t.Errorf("read after Seek = %q, %v; want %q, nil", b, err, "lo")
	}
	fi, err := os.Stat("/read/dir/../a.txt")
	if err != nil || fi.Size() != 5 || !fi.Mode().IsRegular() {
		t.Errorf("Stat = %v, %v; want a regular file of 5 bytes", fi, err)
	}
}

func TestClkMountedDirectoriesList(t *testing.T) {
	if err := syscall.ClkMount(map[string][]byte{
		"list/z":   nil,
		"list/a":   nil,
		"list/m/x": nil,
	}); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir("/list")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		if e.IsDir() != (e.Name() == "m") {
			t.Errorf("%s: IsDir = %v", e.Name(), e.IsDir())
		}
	}
	if want := []string{"a", "m", "z"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir names = %q, want %q", names, want)
	}
	var walked []string
	fs.WalkDir(os.DirFS("/list"), ".", func(path string, d fs.DirEntry, err error) error {
		walked = append(walked, path)
		return err
	})
	if want := []string{".", "a", "m", "m/x", "z"}; !slices.Equal(walked, want) {
		t.Errorf("WalkDir = %q, want %q", walked, want)
	}
}

func TestClkWorkingDirectoryResolvesRelativePaths(t *testing.T) {
	if err := syscall.ClkMount(map[string][]byte{"wd/sub/f": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir("/")
	if err := os.Chdir("/wd/sub"); err != nil {
		t.Fatal(err)
	}
	if wd, err := os.Getwd(); err != nil || wd != "/wd/sub" {
		t.Errorf("Getwd = %q, %v; want /wd/sub", wd, err)
	}
	if _, err := os.Stat("f"); err != nil {
		t.Errorf("Stat of relative path: %v", err)
	}
}

func TestClkTreeRefusesChanges(t *testing.T) {
	if err := syscall.ClkMount(map[string][]byte{"ro/f": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		op   string
		err  error
		want error
	}{
		{"create", os.WriteFile("/ro/new", nil, 0o644), syscall.EROFS},
		{"overwrite", os.WriteFile("/ro/f", nil, 0o644), syscall.EROFS},
		{"mkdir", os.Mkdir("/ro/d", 0o755), syscall.EROFS},
		{"mkdir existing", os.Mkdir("/ro", 0o755), fs.ErrExist},
		{"remove", os.Remove("/ro/f"), syscall.EROFS},
		{"remove missing", os.Remove("/ro/missing"), fs.ErrNotExist},
		{"create in missing dir", os.WriteFile("/nodir/f", nil, 0o644), fs.ErrNotExist},
		{"open file as dir", func() error { _, err := os.Open("/ro/f/"); return err }(), syscall.ENOTDIR},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.op, tt.err, tt.want)
		}
	}
	if err := syscall.ClkMount(map[string][]byte{"ro/f": nil}); err != syscall.EEXIST {
		t.Errorf("mounting over a file: got %v, want EEXIST", err)
	}
	if err := syscall.ClkMount(map[string][]byte{"ro/f/g": nil}); err != syscall.ENOTDIR {
		t.Errorf("mounting under a file: got %v, want ENOTDIR", err)
	}
	if err := syscall.ClkMount(map[string][]byte{"../x": nil}); err != syscall.EINVAL {
		t.Errorf("mounting with ..: got %v, want EINVAL", err)
	}
}

func TestClkRootExistsAndUnmountedPathsDoNot(t *testing.T) {
	fi, err := os.Stat("/")
	if err != nil || !fi.IsDir() {
		t.Fatalf("Stat(/) = %v, %v; want a directory", fi, err)
	}
	if _, err := os.Stat("/etc/passwd"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(/etc/passwd) = %v, want ErrNotExist", err)
	}
}

func TestClkPipeCarriesBytesInOrder(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := make([]byte, 200<<10) // more than the pipe holds
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() {
		w.Write(want)
		w.Close()
	}()
	got, err := io.ReadAll(r)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ReadAll = %d bytes, %v; want the %d written", len(got), err, len(want))
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write on closed write end succeeded")
	}
}

func TestClkPipeWriteAfterReaderClosedFails(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write = %v, want EPIPE", err)
	}
}

func TestClkDefaultHostsNamesLoopback(t *testing.T) {
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatalf("reading the default /etc/hosts: %v", err)
	}
	if !strings.Contains(string(b), "127.0.0.1\tlocalhost") {
		t.Errorf("/etc/hosts = %q, want a line for 127.0.0.1 localhost", b)
	}
}

func TestClkDevNullAndZero(t *testing.T) {
	null, err := os.OpenFile("/dev/null", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0)
	if err != nil {
		t.Fatalf("opening /dev/null for writing: %v", err)
	}
	defer null.Close()
	if n, err := null.Write([]byte("dropped")); n != 7 || err != nil {
		t.Errorf("Write to /dev/null = %d, %v; want 7, nil", n, err)
	}
	if n, err := null.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("Read from /dev/null = %d, %v; want 0, EOF", n, err)
	}
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatalf("opening /dev/zero: %v", err)
	}
	defer zero.Close()
	b := []byte("not zero")
	if n, err := zero.Read(b); n != len(b) || err != nil || !slices.Equal(b, make([]byte, len(b))) {
		t.Errorf("Read from /dev/zero = %d, %v, %q; want %d zero bytes", n, err, b, len(b))
	}
	fi, err := os.Stat("/dev/null")
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("Stat(/dev/null) = %v, %v; want a character device", fi, err)
	}
	if _, err := os.Create("/dev/other"); !errors.Is(err, syscall.EROFS) {
		t.Errorf("creating /dev/other: %v, want EROFS", err)
	}
}

// The /tmp tests each work in a directory of their own under /tmp.

func TestClkTmpIsTheTempDir(t *testing.T) {
	if d := os.TempDir(); d != "/tmp" {
		t.Errorf("os.TempDir() = %q, want /tmp", d)
	}
	fi, err := os.Stat("/tmp")
	if err != nil {
		t.Fatal(err)
	}
	if want := fs.ModeDir | fs.ModeSticky | 0o777; fi.Mode() != want {
		t.Errorf("mode of /tmp = %v, want %v", fi.Mode(), want)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Dev != 2 {
		t.Errorf("Dev of /tmp = %d, want 2, apart from the rest of the tree", st.Dev)
	}
	dir := t.TempDir()
	if !strings.HasPrefix(dir, "/tmp/") {
		t.Errorf("t.TempDir() = %q, want a directory in /tmp", dir)
	}
	f, err := os.CreateTemp(dir, "pre*.suf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	base := filepath.Base(f.Name())
	if !strings.HasPrefix(base, "pre") || !strings.HasSuffix(base, ".suf") || len(base) == len("pre.suf") {
		t.Errorf("CreateTemp made %q, want pre<random>.suf", base)
	}
	if fi, err := f.Stat(); err != nil || fi.Mode() != 0o600 {
		t.Errorf("CreateTemp's file: Stat = %v, %v; want mode 0600", fi, err)
	}
	sub, err := os.MkdirTemp(dir, "d*")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sub); err != nil || fi.Mode() != fs.ModeDir|0o700 {
		t.Errorf("MkdirTemp's directory: Stat = %v, %v; want mode drwx------", fi, err)
	}
}

func TestClkTmpReadWriteSeekTruncate(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("hello, world"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("HELLO"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("end"), 20); err != nil {
		t.Fatal(err)
	}
	want := "HELLO, world\x00\x00\x00\x00\x00\x00\x00\x00end"
	if b, err := os.ReadFile(name); err != nil || string(b) != want {
		t.Errorf("contents = %q, %v; want %q", b, err, want)
	}
	if off, err := f.Seek(-3, io.SeekEnd); err != nil || off != 20 {
		t.Errorf("Seek(-3, end) = %d, %v; want 20", off, err)
	}
	buf := make([]byte, 8)
	if n, err := f.Read(buf); err != nil || string(buf[:n]) != "end" {
		t.Errorf("Read at 20 = %q, %v; want %q", buf[:n], err, "end")
	}
	if n, err := f.ReadAt(buf[:5], 7); err != nil || string(buf[:n]) != "world" {
		t.Errorf("ReadAt(7) = %q, %v; want %q", buf[:n], err, "world")
	}
	if err := f.Truncate(5); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, 8); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "HELLO\x00\x00\x00" {
		t.Errorf("after truncating to 5 then 8: %q, %v; want HELLO and three zero bytes", b, err)
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != 8 || fi.Mode() != 0o644 {
		t.Errorf("Stat = %v, %v; want 8 bytes, mode 0644 (0666 less the umask)", fi, err)
	}
	if _, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666); !errors.Is(err, fs.ErrExist) {
		t.Errorf("O_EXCL on an existing file: %v, want ErrExist", err)
	}
	g, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	g.Seek(0, io.SeekStart)
	g.WriteString("++")
	g.Close()
	if b, _ := os.ReadFile(name); string(b) != "HELLO\x00\x00\x00++" {
		t.Errorf("after an O_APPEND write: %q, want the bytes at the end", b)
	}
	if _, err := g.Write([]byte("x")); err == nil {
		t.Error("Write on a closed file succeeded")
	}
	r, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Write([]byte("x")); err == nil {
		t.Error("Write on a file opened read-only succeeded")
	}
	if err := os.WriteFile(name, []byte("new"), 0); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "new" {
		t.Errorf("after O_TRUNC rewrite, an open reader sees %q, want %q", b, "new")
	}
}

func TestClkTmpTimesAndModes(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	before := time.Now().Truncate(time.Second)
	if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.ModTime().Before(before) {
		t.Errorf("ModTime %v of a new file is before %v", fi.ModTime(), before)
	}
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	atime := time.Date(2002, 2, 3, 4, 5, 6, 7, time.UTC)
	if err := os.Chtimes(name, atime, mtime); err != nil {
		t.Fatal(err)
	}
	st := new(syscall.Stat_t)
	if err := syscall.Stat(name, st); err != nil {
		t.Fatal(err)
	}
	if got := time.Unix(st.Mtim.Unix()); !got.Equal(mtime) {
		t.Errorf("mtime = %v, want %v", got, mtime)
	}
	if got := time.Unix(st.Atim.Unix()); !got.Equal(atime) {
		t.Errorf("atime = %v, want %v", got, atime)
	}
	if err := os.Chtimes(name, time.Time{}, mtime.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	syscall.Stat(name, st)
	if got := time.Unix(st.Atim.Unix()); !got.Equal(atime) {
		t.Errorf("a zero atime changed it: %v, want %v", got, atime)
	}
	if err := os.Chmod(name, 0o751|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(name); fi.Mode() != 0o751|fs.ModeSticky {
		t.Errorf("mode after Chmod = %v, want %v", fi.Mode(), 0o751|fs.ModeSticky)
	}
	if err := os.Chown(name, 7, 8); err != nil {
		t.Fatal(err)
	}
	syscall.Stat(name, st)
	if st.Uid != 7 || st.Gid != 8 {
		t.Errorf("owner after Chown = %d:%d, want 7:8", st.Uid, st.Gid)
	}
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o777); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "d")); fi.Mode() != fs.ModeDir|0o700 {
		t.Errorf("Mkdir(0777) under umask 077 made %v, want drwx------", fi.Mode())
	}
}

func TestClkTmpDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b", "a", "c"} {
		if err := os.Mkdir(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
		if e.IsDir() != (e.Name() != "file") {
			t.Errorf("%s: IsDir = %v", e.Name(), e.IsDir())
		}
	}
	if want := []string{"a", "b", "c", "file"}; !slices.Equal(got, want) {
		t.Errorf("ReadDir = %q, want %q", got, want)
	}
	if st := new(syscall.Stat_t); syscall.Stat(dir, st) != nil || st.Nlink != 5 {
		t.Errorf("links of a directory with 3 subdirectories = %d, want 5", st.Nlink)
	}
	for _, tt := range []struct {
		op   string
		err  error
		want error
	}{
		{"mkdir existing", os.Mkdir(filepath.Join(dir, "a"), 0o755), fs.ErrExist},
		{"mkdir under a file", os.Mkdir(filepath.Join(dir, "file", "x"), 0o755), syscall.ENOTDIR},
		{"rmdir non-empty", syscall.Rmdir(filepath.Join(dir, "a")), syscall.ENOTEMPTY},
		{"rmdir a file", syscall.Rmdir(filepath.Join(dir, "file")), syscall.ENOTDIR},
		{"unlink a directory", syscall.Unlink(filepath.Join(dir, "b")), syscall.EISDIR},
		{"rmdir /tmp", syscall.Rmdir("/tmp"), syscall.EBUSY},
		{"create with a slash", os.WriteFile(filepath.Join(dir, "new")+"/", nil, 0o644), syscall.EISDIR},
		{"open a directory to write", func() error { _, err := os.OpenFile(dir, os.O_WRONLY, 0); return err }(), syscall.EISDIR},
		{"symlink", os.Symlink("file", filepath.Join(dir, "link")), syscall.EPERM},
		{"hard link", os.Link(filepath.Join(dir, "file"), filepath.Join(dir, "link")), syscall.EPERM},
		{"long name", os.WriteFile(filepath.Join(dir, strings.Repeat("n", 256)), nil, 0o644), syscall.ENAMETOOLONG},
		{"NUL in a name", os.WriteFile(filepath.Join(dir, "a\x00b"), nil, 0o644), syscall.EINVAL},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.op, tt.err, tt.want)
		}
	}
	if err := os.Remove(filepath.Join(dir, "b")); err != nil {
		t.Errorf("removing an empty directory: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "a")); err != nil {
		t.Errorf("RemoveAll: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat after RemoveAll = %v, want ErrNotExist", err)
	}
}

// RemoveAll reads a directory in batches of 1024 names and removes them
// between reads, so a directory must keep its place while entries go.
func TestClkTmpRemoveAllLargeTree(t *testing.T) {
	top := filepath.Join(t.TempDir(), "top")
	for i := range 1500 {
		sub := filepath.Join(top, fmt.Sprintf("d%d", i%3))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprint(i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(top); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(top); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat after RemoveAll = %v, want ErrNotExist", err)
	}
}

func TestClkTmpRename(t *testing.T) {
	if err := syscall.ClkMount(map[string][]byte{"rename/ro": []byte("ro")}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("a"), []byte("a"), 0o644)
	os.WriteFile(p("b"), []byte("b"), 0o644)
	os.MkdirAll(p("d/e"), 0o755)
	os.MkdirAll(p("full/x"), 0o755)
	os.Mkdir(p("empty"), 0o755)
	if err := os.Rename(p("a"), p("b")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p("b")); err != nil || string(b) != "a" {
		t.Errorf("b after renaming a over it = %q, %v; want %q", b, err, "a")
	}
	if _, err := os.Stat(p("a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a after rename: %v, want ErrNotExist", err)
	}
	// (os.Rename refuses any existing directory as the new name.)
	if err := syscall.Rename(p("d"), p("empty")); err != nil {
		t.Errorf("renaming a directory over an empty one: %v", err)
	}
	if _, err := os.Stat(p("empty/e")); err != nil {
		t.Errorf("moved directory's entry: %v", err)
	}
	for _, tt := range []struct {
		from, to string
		want     error
	}{
		{p("empty"), p("full"), syscall.ENOTEMPTY},
		{p("empty"), p("b"), syscall.ENOTDIR},
		{p("b"), p("full"), syscall.EISDIR},
		{p("full"), p("full/x/y"), syscall.EINVAL},
		{p("b"), "/b", syscall.EXDEV},
		{"/rename/ro", p("ro"), syscall.EXDEV},
		{"/rename/ro", "/rename/ro2", syscall.EROFS},
		{p("missing"), p("c"), syscall.ENOENT},
		{"/tmp", p("tmp"), syscall.EBUSY},
	} {
		err := syscall.Rename(tt.from, tt.to)
		if err != tt.want {
			t.Errorf("Rename(%s, %s) = %v, want %v", tt.from, tt.to, err, tt.want)
		}
	}
	if err := os.Rename(p("b"), p("b")); err != nil {
		t.Errorf("renaming a file to itself: %v", err)
	}
}

func TestClkTmpOutsideIsReadOnly(t *testing.T) {
	for _, tt := range []struct {
		op  string
		err error
	}{
		{"create in /", os.WriteFile("/new", nil, 0o644)},
		{"mkdir in /", os.Mkdir("/newdir", 0o755)},
		{"chmod /etc/hosts", os.Chmod("/etc/hosts", 0o600)},
		{"truncate /etc/hosts", os.Truncate("/etc/hosts", 0)},
		{"remove /etc/hosts", os.Remove("/etc/hosts")},
		{"chtimes /etc/hosts", os.Chtimes("/etc/hosts", time.Now(), time.Now())},
		{"rmdir /etc", syscall.Rmdir("/etc")},
	} {
		if !errors.Is(tt.err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", tt.op, tt.err)
		}
	}
}

func TestClkTmpBudget(t *testing.T) {
	dir := t.TempDir()
	used := syscall.ClkTmpUsed()
	defer syscall.ClkSetTmpBudget(syscall.ClkSetTmpBudget(used + 256<<10))
	big := make([]byte, 200<<10)
	name := filepath.Join(dir, "big")
	if err := os.WriteFile(name, big, 0o644); err != nil {
		t.Fatalf("writing 200 KiB of a 256 KiB budget: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "more"), big, 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing past the budget: %v, want ENOSPC", err)
	}
	for _, size := range []int64{1 << 20, 1<<63 - 1} {
		if err := os.Truncate(name, size); !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("truncating to %d bytes, past the budget: %v, want ENOSPC", size, err)
		}
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "more"))
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "more"), big, 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing while a removed file is open: %v, want ENOSPC (its bytes are still held)", err)
	}
	if n, err := f.Read(make([]byte, 10)); n != 10 || err != nil {
		t.Errorf("reading a removed open file = %d, %v; want 10, nil", n, err)
	}
	f.Close()
	os.Remove(filepath.Join(dir, "more"))
	if err := os.WriteFile(filepath.Join(dir, "more"), big, 0o644); err != nil {
		t.Errorf("writing after the last close of a removed file: %v", err)
	}
	os.Remove(filepath.Join(dir, "more"))
	if got := syscall.ClkTmpUsed(); got != used {
		t.Errorf("after removing every file /tmp holds %d bytes, want %d as before", got, used)
	}
}

func TestClkTmpMountedFilesCopyOnWrite(t *testing.T) {
	orig := []byte("mounted")
	if err := syscall.ClkMount(map[string][]byte{"tmp/mounted/f": orig}); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll("/tmp/mounted")
	f, err := os.OpenFile("/tmp/mounted/f", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("opening a mounted file in /tmp for writing: %v", err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("M"), 0); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile("/tmp/mounted/f"); string(b) != "Mounted" {
		t.Errorf("after the write: %q, want %q", b, "Mounted")
	}
	if string(orig) != "mounted" {
		t.Errorf("the mounted slice changed to %q", orig)
	}
}

func TestClkTmpRemovedWorkingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wd")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir("/")
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if wd, err := syscall.Getwd(); err != syscall.ENOENT {
		t.Errorf("Getwd in a removed directory = %q, %v; want ENOENT", wd, err)
	}
	if err := os.WriteFile("f", nil, 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("creating a file in a removed directory: %v, want ErrNotExist", err)
	}
}
