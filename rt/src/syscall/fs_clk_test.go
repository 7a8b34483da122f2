// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
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
