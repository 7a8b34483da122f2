package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"slices"
	"strconv"
	"time"

	"clk/abi"
	"clk/sdk"
)

func fail(format string, args ...any) {
	fmt.Printf("diskcheck: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "write":
		size, err := strconv.ParseInt(os.Args[3], 0, 64)
		if err != nil || size < 0 {
			fail("bad size %q", os.Args[3])
		}
		write(os.Args[2], size)
	case len(os.Args) == 3 && os.Args[1] == "ops":
		ops(os.Args[2])
	case len(os.Args) == 2 && os.Args[1] == "nofs":
		nofs()
	case len(os.Args) == 2 && os.Args[1] == "child":
		child()
	default:
		fmt.Println("usage: diskcheck write PATH SIZE | ops DIR | nofs")
		os.Exit(2)
	}
}

// stream is the fixed pseudo-random content of write.
func stream() io.Reader { return rand.NewChaCha8([32]byte{'c', 'l', 'k'}) }

// write writes size bytes of the stream to name in odd-sized pieces, then
// reads the file back and checks it against the stream.
func write(name string, size int64) {
	start := time.Now()
	f, err := os.Create(name)
	if err != nil {
		fail("%v", err)
	}
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(stream(), size), h)
	buf := make([]byte, 100003)
	if _, err := io.CopyBuffer(f, src, buf); err != nil {
		fail("write %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		fail("close %s: %v", name, err)
	}
	took := time.Since(start)
	f, err = os.Open(name)
	if err != nil {
		fail("%v", err)
	}
	defer f.Close()
	back := sha256.New()
	n, err := io.CopyBuffer(back, f, buf)
	if err != nil {
		fail("read %s back: %v", name, err)
	}
	if n != size || !bytes.Equal(back.Sum(nil), h.Sum(nil)) {
		fail("%s reads back %d bytes, sha256 %x; wrote %d, sha256 %x", name, n, back.Sum(nil), size, h.Sum(nil))
	}
	fmt.Printf("diskcheck: wrote %s: %d bytes in %v, sha256 %x\n", name, size, took.Round(time.Millisecond), h.Sum(nil))
}

// ops changes files in dir through package os and checks each effect.
func ops(dir string) {
	must := func(what string, err error) {
		if err != nil {
			fail("%s: %v", what, err)
		}
	}
	must("mkdir", os.MkdirAll(path.Join(dir, "sub/deeper"), 0o755))
	a := path.Join(dir, "a file with a long name.txt")
	must("write", os.WriteFile(a, []byte("first\n"), 0o644))
	f, err := os.OpenFile(a, os.O_WRONLY|os.O_APPEND, 0)
	must("open for append", err)
	_, err = f.WriteString("second\n")
	must("append", err)
	must("close", f.Close())
	if b, err := os.ReadFile(a); err != nil || string(b) != "first\nsecond\n" {
		fail("after append: %q, %v", b, err)
	}
	must("truncate", os.Truncate(a, 3))
	if fi, err := os.Stat(a); err != nil || fi.Size() != 3 || fi.IsDir() {
		fail("after truncate: %v, %v", fi, err)
	}
	if _, err := os.OpenFile(a, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); !errors.Is(err, fs.ErrExist) {
		fail("exclusive create of an existing file: %v", err)
	}
	b := path.Join(dir, "sub", "b.txt")
	must("rename", os.Rename(a, b))
	if _, err := os.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		fail("the old name after rename: %v", err)
	}
	for i := range 50 {
		must("create", os.WriteFile(path.Join(dir, "sub/deeper", fmt.Sprintf("n%02d", i)), []byte{byte(i)}, 0o644))
	}
	es, err := os.ReadDir(path.Join(dir, "sub/deeper"))
	must("readdir", err)
	if len(es) != 50 || es[7].Name() != "n07" {
		fail("readdir: %d entries", len(es))
	}
	if err := os.Remove(path.Join(dir, "sub")); err == nil {
		fail("removed a directory that is not empty")
	}
	must("remove all", os.RemoveAll(path.Join(dir, "sub/deeper")))
	names, err := os.ReadDir(path.Join(dir, "sub"))
	must("readdir", err)
	if got := slices.Collect(func(yield func(string) bool) {
		for _, e := range names {
			if !yield(e.Name()) {
				return
			}
		}
	}); !slices.Equal(got, []string{"b.txt"}) {
		fail("sub holds %q, want b.txt alone", got)
	}
	fmt.Println("diskcheck: ops passed")
}

// nofs spawns a child with no handles at all: no file system channel.
func nofs() {
	p, err := sdk.Spawn("diskcheck", []string{"child"}, nil)
	if err != nil {
		fail("spawn: %v", err)
	}
	if _, err := sdk.Wait(p, abi.Signaled, sdk.After(time.Minute)); err != nil {
		fail("wait: %v", err)
	}
	fmt.Println("diskcheck: the child ran")
}

// child checks that it sees no /disk.
func child() {
	_, err := os.Stat("/disk")
	_, cerr := os.Create("/disk/x")
	if !errors.Is(err, fs.ErrNotExist) || cerr == nil {
		fmt.Printf("diskcheck: without the file system: stat %v, create %v\n", err, cerr)
		os.Exit(1)
	}
	fmt.Println("diskcheck: without the file system: /disk does not exist")
}
