//go:build !clk

package fat

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openImage mounts an image file through a FileDevice.
func openImage(t testing.TB, img string) (*FS, *os.File) {
	t.Helper()
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := NewFileDevice(f, 512)
	if err != nil {
		t.Fatal(err)
	}
	return mount(t, dev), f
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestWhatThisPackageWritesMtoolsAndFsckRead(t *testing.T) {
	tool(t, "fsck.fat")
	tool(t, "mcopy")
	dir := t.TempDir()
	img := mkfsImage(t, dir, 65536)
	fsys, f := openImage(t, img)
	defer f.Close()

	want := map[string][]byte{}
	put := func(name string, data []byte) {
		t.Helper()
		writeFile(t, fsys, name, data)
		want[name] = data
	}
	put("big file.bin", randomBytes(1, 6<<20+777))
	put("A Long File Name With Spaces.txt", []byte("long\n"))
	put("UPPER.TXT", []byte("upper\n"))
	put("lower.txt", []byte("lower\n"))
	for _, d := range []string{"Nested", "Nested/Deeper Still", "Nested/Deeper Still/deepest"} {
		if err := fsys.Mkdir(d); err != nil {
			t.Fatal(err)
		}
	}
	put("Nested/Deeper Still/deepest/leaf.dat", randomBytes(2, 70_000))
	if err := fsys.Mkdir("many"); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		put(fmt.Sprintf("many/member %04d.txt", i), []byte(fmt.Sprint(i)))
	}
	// Renames, deletes and truncates.
	put("to rename.txt", []byte("renamed\n"))
	if err := fsys.Rename("to rename.txt", "Nested/Renamed Into Nested.txt"); err != nil {
		t.Fatal(err)
	}
	want["Nested/Renamed Into Nested.txt"] = want["to rename.txt"]
	delete(want, "to rename.txt")
	if err := fsys.Rename("Nested/Deeper Still", "Moved Directory"); err != nil {
		t.Fatal(err)
	}
	want["Moved Directory/deepest/leaf.dat"] = want["Nested/Deeper Still/deepest/leaf.dat"]
	delete(want, "Nested/Deeper Still/deepest/leaf.dat")
	for i := 0; i < 3000; i += 3 {
		name := fmt.Sprintf("many/member %04d.txt", i)
		if err := fsys.Remove(name); err != nil {
			t.Fatal(err)
		}
		delete(want, name)
	}
	put("shrunk.bin", randomBytes(3, 50_000))
	if err := fsys.Truncate("shrunk.bin", 1234); err != nil {
		t.Fatal(err)
	}
	want["shrunk.bin"] = want["shrunk.bin"][:1234]
	put("grown.bin", []byte("abc"))
	if err := fsys.Truncate("grown.bin", 10_000); err != nil {
		t.Fatal(err)
	}
	want["grown.bin"] = append([]byte("abc"), make([]byte, 9997)...)
	if err := fsys.Sync(); err != nil {
		t.Fatal(err)
	}

	if out, code := fsck(t, img); code != 0 {
		t.Fatalf("fsck.fat -n exit %d:\n%s", code, out)
	}
	checked := 0
	for name, data := range want {
		if strings.HasPrefix(name, "many/") && checked%100 != 0 {
			checked++
			continue
		}
		checked++
		got := mtools(t, "mcopy", "-n", "-i", img, "::"+name, "-")
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Errorf("mcopy ::%s: %d bytes differ from the %d written", name, len(got), len(data))
		}
	}
	listing := string(mtools(t, "mdir", "-i", img, "::"))
	for _, n := range []string{"big file.bin", "A Long File Name With Spaces.txt", "Moved Directory", "lower.txt"} {
		if !strings.Contains(listing, n) {
			t.Errorf("mdir does not list %q:\n%s", n, listing)
		}
	}
	many := string(mtools(t, "mdir", "-b", "-i", img, "::many"))
	if n := strings.Count(many, "\n"); n != 2000 {
		t.Errorf("mdir -b ::many lists %d names, want 2000", n)
	}
}

func TestWhatMtoolsWritesThisPackageReads(t *testing.T) {
	tool(t, "mcopy")
	dir := t.TempDir()
	img := mkfsImage(t, dir, 65536)
	files := map[string][]byte{
		"Long Directory Name/A file with a long name.txt": []byte("hello from mtools\n"),
		"Long Directory Name/lower.txt":                   []byte("lower\n"),
		"Long Directory Name/sub dir/big.bin":             randomBytes(4, 5<<20+3),
		"SHORT.TXT":                                       []byte("short\n"),
		"MiXeD.TxT":                                       []byte("mixed\n"),
	}
	mtools(t, "mmd", "-i", img, "::Long Directory Name", "::Long Directory Name/sub dir")
	for name, data := range files {
		local := filepath.Join(dir, "local")
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mtools(t, "mcopy", "-i", img, local, "::"+name)
	}
	fsys, f := openImage(t, img)
	defer f.Close()
	for name, data := range files {
		got, err := readFile(fsys, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes, %v; want the %d mtools wrote", name, len(got), err, len(data))
		}
	}
	ents, err := fsys.ReadDir("Long Directory Name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, "|") != "A file with a long name.txt|lower.txt|sub dir" {
		t.Errorf("listing %q", names)
	}
	if u, err := fsys.StatFS(); err != nil || u.Label != "MKFS" {
		t.Errorf("label %q, %v; want MKFS", u.Label, err)
	}
}

func TestFormattedVolumePassesFsckAndMtoolsReadsIt(t *testing.T) {
	tool(t, "fsck.fat")
	tool(t, "mtype")
	for _, label := range []string{"", "clk vol"} {
		dev := NewMemDevice(512, 140000)
		if err := Format(dev, label); err != nil {
			t.Fatal(err)
		}
		fsys := mount(t, dev)
		writeFile(t, fsys, "Hello World.txt", []byte("hello\n"))
		fsys.Sync()
		img := saveImage(t, dev, t.TempDir())
		if out, code := fsck(t, img); code != 0 {
			t.Fatalf("label %q: fsck.fat -n exit %d:\n%s", label, code, out)
		}
		if got := string(mtools(t, "mtype", "-i", img, "::Hello World.txt")); got != "hello\n" {
			t.Fatalf("mtype = %q", got)
		}
		local := filepath.Join(t.TempDir(), "x")
		os.WriteFile(local, []byte("from mtools"), 0o644)
		mtools(t, "mcopy", "-i", img, local, "::From Mtools.txt")
		if out, code := fsck(t, img); code != 0 {
			t.Fatalf("after mcopy: fsck.fat -n exit %d:\n%s", code, out)
		}
		fsys = mount(t, loadImage(t, img, 512))
		if got := string(mustRead(t, fsys, "from mtools.txt")); got != "from mtools" {
			t.Fatalf("file mcopy wrote reads %q", got)
		}
	}
}

func TestFormatPicksTheClusterSizeMkfsFatDoes(t *testing.T) {
	tool(t, "mkfs.fat")
	for _, mib := range []int{40, 300, 9000} {
		img := mkfsImageOf(t, t.TempDir(), mib<<10)
		f, err := os.Open(img)
		if err != nil {
			t.Fatal(err)
		}
		dev, err := NewFileDevice(f, 512)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := Mount(dev, Options{ReadOnly: true})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		mem := NewMemDevice(512, int64(mib)<<11)
		if err := Format(mem, ""); err != nil {
			t.Fatal(err)
		}
		ours := mount(t, mem)
		if ours.g.clusterSize != theirs.g.clusterSize {
			t.Errorf("%d MiB: Format picks clusters of %d bytes, mkfs.fat %d", mib, ours.g.clusterSize, theirs.g.clusterSize)
		}
	}
}

// fsck.fat 4.2 reads FAT[1]'s clean-shutdown bit: on a volume changed
// since its last Sync it says the dirty bit is set and, under -n, exits
// 1 for the change it would make. mtools ignores the bit, reading and
// writing both kinds of volume and leaving the bit as it was.
func TestFsckAndMtoolsHandleVolumesCleanAndNot(t *testing.T) {
	tool(t, "fsck.fat")
	tool(t, "mtype")
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "Written Before.txt", []byte("before\n"))
	for _, clean := range []bool{false, true} {
		if clean {
			fsys.Sync()
		}
		img := saveImage(t, dev, t.TempDir())
		out, code := fsck(t, img)
		kinds, rest := classify(out)
		if clean && (code != 0 || len(kinds) != 0 || rest != "") {
			t.Fatalf("clean volume: fsck.fat -n exit %d:\n%s", code, out)
		}
		if !clean && (code != 1 || strings.Join(kinds, ",") != "dirty bit,free count unknown" || rest != "") {
			t.Fatalf("volume changed since Sync: fsck.fat -n exit %d, findings %q:\n%s", code, kinds, out)
		}
		if got := string(mtools(t, "mtype", "-i", img, "::Written Before.txt")); got != "before\n" {
			t.Fatalf("clean %v: mtype = %q", clean, got)
		}
		local := filepath.Join(t.TempDir(), "x")
		os.WriteFile(local, []byte("from mtools"), 0o644)
		mtools(t, "mcopy", "-i", img, local, "::From Mtools.txt")
		back := loadImage(t, img, 512)
		if got := cleanBits(back, fsys); (got[0]&fat1CleanShutdown != 0) != clean || got[0] != got[1] {
			t.Fatalf("clean %v: FAT[1] %#x after mcopy", clean, got)
		}
		if got := string(mustRead(t, mount(t, back), "From Mtools.txt")); got != "from mtools" {
			t.Fatalf("clean %v: the file mcopy wrote reads %q", clean, got)
		}
	}
}
