package fat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFormattedVolumeMountsWithItsGeometry(t *testing.T) {
	_, fsys := newVolume(t)
	u, err := fsys.StatFS()
	if err != nil {
		t.Fatal(err)
	}
	if u.ClusterSize != 512 || u.Label != "TEST" || u.Clusters < minFAT32Clusters || u.FreeClusters != u.Clusters-1 {
		t.Fatalf("StatFS = %+v: want 512-byte clusters, label TEST, all clusters but the root's free", u)
	}
	if u.TotalBytes != uint64(u.Clusters)*512 || u.FreeBytes != uint64(u.FreeClusters)*512 {
		t.Fatalf("StatFS = %+v: bytes disagree with clusters", u)
	}
}

func TestFormatRefusesDevicesTooSmallForFAT32(t *testing.T) {
	err := Format(NewMemDevice(512, 60000), "")
	if !errors.Is(err, ErrTooSmall) {
		t.Fatalf("Format of 60000 sectors = %v, want ErrTooSmall", err)
	}
	err = FormatWith(NewMemDevice(512, testSectors), FormatOptions{SectorsPerCluster: 8})
	if !errors.Is(err, ErrTooSmall) {
		t.Fatalf("Format of %d sectors with 8-sector clusters = %v, want ErrTooSmall", testSectors, err)
	}
}

func TestFormatPicksClusterSizeByVolumeSize(t *testing.T) {
	for _, c := range []struct {
		ss      int
		sectors int64
		want    int // bytes per cluster
	}{
		{512, testSectors, 512},
		{512, 1 << 20, 4096},   // 512 MiB
		{512, 20 << 21, 16384}, // 20 GiB
		{4096, 70000, 4096},    // 273 MiB of 4 KiB sectors
	} {
		dev := NewMemDevice(c.ss, c.sectors)
		if err := Format(dev, ""); err != nil {
			t.Fatalf("%d×%d: %v", c.sectors, c.ss, err)
		}
		fsys, err := Mount(dev, Options{})
		if err != nil {
			t.Fatalf("%d×%d: %v", c.sectors, c.ss, err)
		}
		if fsys.g.clusterSize != c.want {
			t.Errorf("%d sectors of %d bytes: clusters of %d bytes, want %d", c.sectors, c.ss, fsys.g.clusterSize, c.want)
		}
	}
}

func TestWrittenDataReadsBackAfterRemount(t *testing.T) {
	dev, fsys := newVolume(t)
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	writeFile(t, fsys, "data.bin", data)
	fsys = mount(t, dev)
	if got := mustRead(t, fsys, "data.bin"); !bytes.Equal(got, data) {
		t.Fatal("data differs after remount")
	}
}

func TestLongNamesKeepTheirCaseAndMatchInAnyCase(t *testing.T) {
	dev, fsys := newVolume(t)
	names := []string{"Mixed Case Name.Text", "lower.txt", "ünïcödé ☃ name", "a.b.c.d", ".hidden", strings.Repeat("x", 255)}
	for _, n := range names {
		writeFile(t, fsys, n, []byte(n))
	}
	fsys = mount(t, dev)
	for _, n := range names {
		for _, spelled := range []string{n, strings.ToUpper(n), strings.ToLower(n)} {
			if got, err := readFile(fsys, spelled); err != nil || string(got) != n {
				t.Errorf("read %q = %q, %v; want %q", spelled, got, err, n)
			}
		}
	}
	ents, err := fsys.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, e := range ents {
		listed[e.Name()] = true
	}
	for _, n := range names {
		if !listed[n] {
			t.Errorf("%q not listed as itself; listing: %v", n, listed)
		}
	}
}

func TestNamesNeedingThemGetUniqueNumberedShortNames(t *testing.T) {
	_, fsys := newVolume(t)
	shorts := map[string]string{}
	for i := range 12 {
		n := fmt.Sprintf("Long File Name %d.text", i)
		writeFile(t, fsys, n, nil)
		info, err := fsys.Stat(n)
		if err != nil {
			t.Fatal(err)
		}
		s := info.Sys().(*EntryInfo).ShortName
		if prev, dup := shorts[s]; dup {
			t.Fatalf("%q and %q share the short name %s", prev, n, s)
		}
		shorts[s] = n
	}
	if shorts["LONGFI~1.TEX"] == "" || shorts["LONGF~10.TEX"] == "" {
		t.Fatalf("short names %v: want NAME~N.EXT style, ~10 cutting the name", shorts)
	}
	// Each short name opens its file too.
	for s, n := range shorts {
		a, _ := fsys.Stat(s)
		if a == nil || a.Name() != n {
			t.Errorf("Stat(%q) = %v, want the entry %q", s, a, n)
		}
	}
}

func TestUpperCase83NamesGetNoLongNameEntries(t *testing.T) {
	_, fsys := newVolume(t)
	writeFile(t, fsys, "README.TXT", nil)
	writeFile(t, fsys, "readme2.txt", nil)
	root := fsys.root
	if e := root.lookup("README.TXT"); e == nil || e.lfn != 0 || e.short.String() != "README.TXT" {
		t.Fatalf("README.TXT: %+v, want a short entry alone", e)
	}
	if e := root.lookup("readme2.txt"); e == nil || e.lfn != 1 || e.short.String() != "README2.TXT" {
		t.Fatalf("readme2.txt: %+v, want short name README2.TXT and one long-name entry", e)
	}
}

func TestNamesFATCannotHoldAreRefused(t *testing.T) {
	_, fsys := newVolume(t)
	for _, n := range []string{"a*b", "q?", "x:y", "<", ">", "p|q", `back\slash`, `quo"te`, "tab\t", "dot.", "space ", strings.Repeat("y", 256), "bad\xffutf8"} {
		_, err := fsys.Create(n)
		if !errors.Is(err, fs.ErrInvalid) || !errors.Is(err, ErrBadName) {
			t.Errorf("Create(%q) = %v, want ErrBadName matching fs.ErrInvalid", n, err)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) {
			t.Errorf("Create(%q) error %T is not a *fs.PathError", n, err)
		}
	}
}

func TestWritesPastTheEndFillTheGapWithZeros(t *testing.T) {
	dev, fsys := newVolume(t)
	// Leave non-zero bytes where the gap will be: write, then shrink.
	writeFile(t, fsys, "f", bytes.Repeat([]byte{0xAA}, 3000))
	if err := fsys.Truncate("f", 10); err != nil {
		t.Fatal(err)
	}
	f, err := fsys.OpenFile("f", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("end"), 5000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := append(append(bytes.Repeat([]byte{0xAA}, 10), make([]byte, 4990)...), "end"...)
	if got := mustRead(t, mount(t, dev), "f"); !bytes.Equal(got, want) {
		t.Fatalf("after a write past the end: %d bytes, gap not zero", len(got))
	}
}

func TestAppendWritesAtTheEnd(t *testing.T) {
	_, fsys := newVolume(t)
	writeFile(t, fsys, "log", []byte("one\n"))
	f, err := fsys.OpenFile("log", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	f.Write([]byte("two\n"))
	if _, err := f.WriteAt([]byte("x"), 0); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("WriteAt on an O_APPEND file = %v, want fs.ErrInvalid", err)
	}
	f.Close()
	if got := string(mustRead(t, fsys, "log")); got != "one\ntwo\n" {
		t.Fatalf("log = %q", got)
	}
}

func TestTruncateShrinkFreesClustersAndGrowZeroFills(t *testing.T) {
	_, fsys := newVolume(t)
	before, _ := fsys.StatFS()
	writeFile(t, fsys, "f", bytes.Repeat([]byte{1}, 10*512))
	if err := fsys.Truncate("f", 1000); err != nil {
		t.Fatal(err)
	}
	u, _ := fsys.StatFS()
	if used := before.FreeClusters - u.FreeClusters; used != 2 {
		t.Fatalf("after shrinking to 1000 bytes the file holds %d clusters, want 2", used)
	}
	if err := fsys.Truncate("f", 3000); err != nil {
		t.Fatal(err)
	}
	got := mustRead(t, fsys, "f")
	want := append(bytes.Repeat([]byte{1}, 1000), make([]byte, 2000)...)
	if !bytes.Equal(got, want) {
		t.Fatal("grown file is not the old bytes then zeros")
	}
	if err := fsys.Truncate("f", 0); err != nil {
		t.Fatal(err)
	}
	if u, _ := fsys.StatFS(); u.FreeClusters != before.FreeClusters {
		t.Fatalf("an empty file holds %d clusters", before.FreeClusters-u.FreeClusters)
	}
	if info, _ := fsys.Stat("f"); info.Sys().(*EntryInfo).Cluster != 0 {
		t.Fatal("an empty file still names a first cluster")
	}
}

func TestRemoveFreesClustersAndRefusesFullDirectories(t *testing.T) {
	_, fsys := newVolume(t)
	before, _ := fsys.StatFS()
	fsys.Mkdir("d")
	writeFile(t, fsys, "d/f", make([]byte, 5000))
	if err := fsys.Remove("d"); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Remove of a full directory = %v, want ErrNotEmpty", err)
	}
	if err := fsys.Remove("d/f"); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Remove("d"); err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Stat("d"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat after Remove = %v, want fs.ErrNotExist", err)
	}
	if err := fsys.Remove("d"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("second Remove = %v, want fs.ErrNotExist", err)
	}
	if u, _ := fsys.StatFS(); u.FreeClusters != before.FreeClusters {
		t.Fatalf("%d clusters not freed", before.FreeClusters-u.FreeClusters)
	}
}

func TestDotEntriesNameTheDirectoryAndItsParent(t *testing.T) {
	_, fsys := newVolume(t)
	fsys.Mkdir("a")
	fsys.Mkdir("a/b")
	ad, err := fsys.subdir(fsys.root, fsys.root.lookup("a"))
	if err != nil {
		t.Fatal(err)
	}
	bd, err := fsys.subdir(ad, ad.lookup("b"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d        *dir
		self, up uint32
		what     string
	}{{ad, ad.first, 0, "a"}, {bd, bd.first, ad.first, "a/b"}} {
		if shortName(c.d.entry(0)[:11]) != dotName || entryFirst(c.d.entry(0)) != c.self {
			t.Errorf("%s: \".\" entry %q names cluster %d, want %d", c.what, c.d.entry(0)[:11], entryFirst(c.d.entry(0)), c.self)
		}
		if shortName(c.d.entry(1)[:11]) != dotDotName || entryFirst(c.d.entry(1)) != c.up {
			t.Errorf("%s: \"..\" entry names cluster %d, want %d", c.what, entryFirst(c.d.entry(1)), c.up)
		}
	}
}

func TestRenameReplacesFilesAndMovesDirectories(t *testing.T) {
	dev, fsys := newVolume(t)
	before, _ := fsys.StatFS()
	writeFile(t, fsys, "old", []byte("old data"))
	writeFile(t, fsys, "target", make([]byte, 4000))
	if err := fsys.Rename("old", "target"); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, fsys, "target")); got != "old data" {
		t.Fatalf("target = %q after rename over it", got)
	}
	if _, err := fsys.Stat("old"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("old name still there: %v", err)
	}
	fsys.Mkdir("src")
	fsys.Mkdir("src/inner")
	writeFile(t, fsys, "src/inner/f", []byte("deep"))
	fsys.Mkdir("dst")
	if err := fsys.Rename("src", "dst/moved Dir"); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Rename("dst/moved Dir", "dst/moved dir"); err != nil { // a new spelling
		t.Fatal(err)
	}
	fsys = mount(t, dev)
	if got := string(mustRead(t, fsys, "DST/MOVED DIR/inner/f")); got != "deep" {
		t.Fatalf("moved file = %q", got)
	}
	ents, _ := fsys.ReadDir("dst")
	if len(ents) != 1 || ents[0].Name() != "moved dir" {
		t.Fatalf("dst lists %v, want [moved dir]", ents)
	}
	d, ent, _ := fsys.lookup("dst/moved dir")
	md, err := fsys.subdir(d, ent)
	if err != nil {
		t.Fatal(err)
	}
	if up := entryFirst(md.entry(1)); up != d.first {
		t.Fatalf("moved directory's \"..\" names cluster %d, want %d", up, d.first)
	}
	fsys.Remove("dst/moved dir/inner/f")
	fsys.Remove("dst/moved dir/inner")
	fsys.Remove("dst/moved dir")
	fsys.Remove("dst")
	fsys.Remove("target")
	if u, _ := fsys.StatFS(); u.FreeClusters != before.FreeClusters {
		t.Fatalf("%d clusters leaked by renames", before.FreeClusters-u.FreeClusters)
	}
}

func TestRenameRefusesWhatPOSIXRefuses(t *testing.T) {
	_, fsys := newVolume(t)
	fsys.Mkdir("a")
	fsys.Mkdir("a/b")
	fsys.Mkdir("full")
	writeFile(t, fsys, "full/x", nil)
	writeFile(t, fsys, "file", nil)
	for _, c := range []struct {
		old, new string
		want     error
	}{
		{"a", "a/b/c", fs.ErrInvalid},
		{"a", "a/c", fs.ErrInvalid},
		{"a", "file", ErrNotDir},
		{"file", "a", ErrIsDir},
		{"a/b", "full", ErrNotEmpty},
		{"missing", "x", fs.ErrNotExist},
		{"file", "nodir/x", fs.ErrNotExist},
		{"file", "bad*name", fs.ErrInvalid},
	} {
		if err := fsys.Rename(c.old, c.new); !errors.Is(err, c.want) {
			t.Errorf("Rename(%q, %q) = %v, want %v", c.old, c.new, err, c.want)
		}
	}
	if err := fsys.Rename("a/b", "empty"); err != nil {
		t.Fatal(err)
	}
	fsys.Mkdir("a/b")
	if err := fsys.Rename("empty", "a/b"); err != nil {
		t.Fatalf("Rename of a directory over an empty one = %v", err)
	}
}

func TestOpenFlagsBehaveLikeOS(t *testing.T) {
	_, fsys := newVolume(t)
	if _, err := fsys.Open("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file = %v", err)
	}
	writeFile(t, fsys, "f", []byte("content"))
	if _, err := fsys.OpenFile("f", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666); !errors.Is(err, fs.ErrExist) {
		t.Errorf("O_EXCL on an existing file = %v", err)
	}
	f, _ := fsys.Open("f")
	if _, err := f.Write([]byte("x")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Write to a read-only File = %v", err)
	}
	f.Close()
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Read after Close = %v", err)
	}
	f, _ = fsys.OpenFile("f", os.O_RDWR|os.O_TRUNC, 0)
	if info, _ := f.Stat(); info.Size() != 0 {
		t.Errorf("O_TRUNC left %d bytes", info.Size())
	}
	f.Close()
	fsys.Mkdir("d")
	if _, err := fsys.OpenFile("d", os.O_RDWR, 0); !errors.Is(err, ErrIsDir) {
		t.Errorf("opening a directory for writing = %v", err)
	}
	if _, err := fsys.Open("f/x"); !errors.Is(err, ErrNotDir) {
		t.Errorf("a file as a directory = %v", err)
	}
	ro, err := fsys.OpenFile("ro", os.O_RDWR|os.O_CREATE, 0o444)
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	if _, err := fsys.OpenFile("ro", os.O_RDWR, 0); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("writing a read-only file = %v", err)
	}
	if info, _ := fsys.Stat("ro"); info.Mode().Perm() != 0o444 {
		t.Errorf("read-only file mode %v", info.Mode())
	}
}

func TestSeekReadAndReadAtFollowIOConventions(t *testing.T) {
	_, fsys := newVolume(t)
	writeFile(t, fsys, "f", []byte("0123456789"))
	f, _ := fsys.Open("f")
	defer f.Close()
	if pos, _ := f.Seek(-3, io.SeekEnd); pos != 7 {
		t.Fatalf("Seek(-3, end) = %d", pos)
	}
	b := make([]byte, 5)
	n, err := f.Read(b)
	if n != 3 || string(b[:n]) != "789" || err != nil && err != io.EOF {
		t.Fatalf("Read at 7 = %d %q %v", n, b[:n], err)
	}
	if n, err := f.Read(b); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v", n, err)
	}
	if n, err := f.ReadAt(b, 8); n != 2 || err != io.EOF {
		t.Fatalf("short ReadAt = %d, %v; want 2, io.EOF", n, err)
	}
	if _, err := f.Seek(-1, io.SeekStart); !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("negative Seek = %v", err)
	}
}

func TestReadOnlyMountRefusesEveryChange(t *testing.T) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "f", []byte("x"))
	fsys.Mkdir("d")
	ro, err := Mount(dev, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !ro.ReadOnly() {
		t.Fatal("ReadOnly() = false")
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, fs.ErrPermission) || !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on a read-only mount = %v, want ErrReadOnly, fs.ErrPermission", what, err)
		}
	}
	_, err = ro.Create("g")
	check("Create", err)
	_, err = ro.OpenFile("f", os.O_WRONLY, 0)
	check("OpenFile for writing", err)
	check("Mkdir", ro.Mkdir("e"))
	check("Remove", ro.Remove("f"))
	check("Rename", ro.Rename("f", "g"))
	check("Truncate", ro.Truncate("f", 0))
	if got := mustRead(t, ro, "f"); string(got) != "x" {
		t.Fatalf("read on a read-only mount = %q", got)
	}
}

func TestTimestampsComeFromTheClock(t *testing.T) {
	dev := NewMemDevice(512, testSectors)
	Format(dev, "")
	now := time.Date(2030, 1, 2, 3, 4, 6, 0, time.UTC)
	fsys, err := Mount(dev, Options{Clock: func() time.Time { return now }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, fsys, "f", []byte("x"))
	created := now
	now = now.Add(time.Hour + 1500*time.Millisecond)
	f, _ := fsys.OpenFile("f", os.O_WRONLY, 0)
	f.Write([]byte("y"))
	f.Close()
	info, _ := fsys.Stat("f")
	if want := now.Truncate(2 * time.Second); !info.ModTime().Equal(want) {
		t.Errorf("ModTime = %v, want %v", info.ModTime(), want)
	}
	if got := info.Sys().(*EntryInfo).Created; !got.Equal(created) {
		t.Errorf("Created = %v, want %v", got, created)
	}
}

func TestRemovedOpenFileKeepsItsDataUntilClosed(t *testing.T) {
	_, fsys := newVolume(t)
	before, _ := fsys.StatFS()
	writeFile(t, fsys, "f", bytes.Repeat([]byte("z"), 3000))
	f, _ := fsys.OpenFile("f", os.O_RDWR, 0)
	if err := fsys.Remove("f"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fsys, "g", bytes.Repeat([]byte("g"), 3000))
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("z"), 3000)) {
		t.Fatalf("reading a removed open file: %d bytes, %v", len(got), err)
	}
	if info, err := f.Stat(); err != nil || info.Size() != 3000 || info.Name() != "f" || info.Sys().(*EntryInfo).ShortName != "F" {
		t.Fatalf("Stat of a removed open file = %v, %v", info, err)
	}
	f.Close()
	fsys.Remove("g")
	if u, _ := fsys.StatFS(); u.FreeClusters != before.FreeClusters {
		t.Fatalf("%d clusters not freed after the last Close", before.FreeClusters-u.FreeClusters)
	}
}

// A removed file still open holds its clusters until its last Close,
// but a check after a crash would find them free: the count Sync writes
// says so.
func TestSyncCountsTheClustersOfARemovedOpenFileAsFree(t *testing.T) {
	dev, fsys := newVolume(t)
	count := func() uint32 {
		b := make([]byte, 512)
		dev.ReadSectors(b, int64(fsys.g.fsInfo))
		return binary.LittleEndian.Uint32(b[fsiFreeCount:])
	}
	writeFile(t, fsys, "f", make([]byte, 3000)) // six clusters
	f, _ := fsys.Open("f")
	fsys.Remove("f")
	fsys.Sync()
	u, _ := fsys.StatFS()
	if c := count(); c != u.FreeClusters+6 {
		t.Fatalf("free count %d with the removed file open, want %d + its 6 clusters", c, u.FreeClusters)
	}
	f.Close()
	fsys.Sync()
	if u, _ = fsys.StatFS(); count() != u.FreeClusters {
		t.Fatalf("free count %d after the last Close, want %d", count(), u.FreeClusters)
	}
}

func TestDeletedSlotsAreReused(t *testing.T) {
	_, fsys := newVolume(t)
	for i := range 40 {
		writeFile(t, fsys, fmt.Sprintf("file number %d", i), nil)
	}
	slots := fsys.root.slots()
	for range 5 {
		for i := range 40 {
			fsys.Remove(fmt.Sprintf("file number %d", i))
		}
		for i := range 40 {
			writeFile(t, fsys, fmt.Sprintf("file number %d", i), nil)
		}
	}
	if fsys.root.slots() != slots {
		t.Fatalf("the root grew from %d to %d slots while its entries were deleted and made again", slots, fsys.root.slots())
	}
}

func TestThousandsOfEntriesInOneDirectory(t *testing.T) {
	dev, fsys := newVolume(t)
	fsys.Mkdir("many")
	const n = 3000
	start := time.Now()
	for i := range n {
		writeFile(t, fsys, fmt.Sprintf("many/Entry number %04d.data", i), []byte{byte(i)})
	}
	t.Logf("%d creates in %v", n, time.Since(start))
	fsys = mount(t, dev)
	ents, err := fsys.ReadDir("many")
	if err != nil || len(ents) != n {
		t.Fatalf("ReadDir = %d entries, %v; want %d", len(ents), err, n)
	}
	for i := 0; i < n; i += 97 {
		name := fmt.Sprintf("many/ENTRY NUMBER %04d.DATA", i)
		if got := mustRead(t, fsys, name); len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("%s = %v", name, got)
		}
	}
}

func TestFilesLargerThanFourMiB(t *testing.T) {
	dev, fsys := newVolume(t)
	data := make([]byte, 6<<20+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	f, _ := fsys.Create("big")
	for off := 0; off < len(data); off += 100_000 {
		if _, err := f.Write(data[off:min(off+100_000, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	fsys = mount(t, dev)
	if got := mustRead(t, fsys, "big"); !bytes.Equal(got, data) {
		t.Fatal("6 MiB file differs after remount")
	}
	f, _ = fsys.Open("big")
	b := make([]byte, 1000)
	if _, err := f.ReadAt(b, 5<<20+7); err != nil || !bytes.Equal(b, data[5<<20+7:5<<20+1007]) {
		t.Fatalf("ReadAt in the middle: %v", err)
	}
	f.Close()
}

func TestRunningOutOfSpaceChangesNothing(t *testing.T) {
	_, fsys := newVolume(t)
	u, _ := fsys.StatFS()
	f, _ := fsys.Create("fill")
	if _, err := f.Write(make([]byte, int(u.FreeBytes)-512)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 1024)); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Write past the free space = %v, want ErrNoSpace", err)
	}
	info, _ := f.Stat()
	if info.Size() != int64(u.FreeBytes)-512 {
		t.Fatalf("size %d after a refused write", info.Size())
	}
	if _, err := f.Write(make([]byte, 512)); err != nil {
		t.Fatalf("the last cluster: %v", err)
	}
	f.Close()
	if err := fsys.Mkdir("d"); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Mkdir on a full volume = %v", err)
	}
	if fsys.ReadOnly() {
		t.Fatal("a full volume went read-only")
	}
	fsys.Remove("fill")
	if err := fsys.Mkdir("d"); err != nil {
		t.Fatalf("Mkdir after freeing space = %v", err)
	}
}

func TestConcurrentUseKeepsEveryFile(t *testing.T) {
	dev, fsys := newVolume(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := fmt.Sprintf("g%d", g)
			if err := fsys.Mkdir(dir); err != nil {
				t.Error(err)
				return
			}
			for i := range 50 {
				name := fmt.Sprintf("%s/file %d", dir, i)
				f, err := fsys.Create(name)
				if err != nil {
					t.Error(err)
					return
				}
				for range 3 {
					f.Write(bytes.Repeat([]byte{byte(g)}, 700))
				}
				f.Close()
				if i%3 == 0 {
					fsys.Remove(name)
				}
			}
		}()
	}
	wg.Wait()
	fsys = mount(t, dev)
	for g := range 4 {
		for i := range 50 {
			b, err := readFile(fsys, fmt.Sprintf("g%d/file %d", g, i))
			switch {
			case i%3 == 0 && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("g%d/file %d: removed but %v", g, i, err)
			case i%3 != 0 && !bytes.Equal(b, bytes.Repeat([]byte{byte(g)}, 2100)):
				t.Errorf("g%d/file %d: %d bytes, %v", g, i, len(b), err)
			}
		}
	}
}

func TestDirectoryFileListsInChunks(t *testing.T) {
	_, fsys := newVolume(t)
	for i := range 10 {
		writeFile(t, fsys, fmt.Sprintf("f%d", i), nil)
	}
	d, err := fsys.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var names []string
	for {
		ents, err := d.ReadDir(3)
		if err == io.EOF {
			break
		}
		if err != nil || len(ents) == 0 || len(ents) > 3 {
			t.Fatalf("ReadDir(3) = %d, %v", len(ents), err)
		}
		for _, e := range ents {
			names = append(names, e.Name())
		}
	}
	if len(names) != 10 {
		t.Fatalf("listed %v", names)
	}
	d.Seek(0, io.SeekStart)
	if all, _ := d.ReadDir(-1); len(all) != 10 {
		t.Fatalf("after Seek(0) ReadDir(-1) = %d entries", len(all))
	}
}

func TestGeneratedShortNamesAvoidOtherEntriesLongNames(t *testing.T) {
	dev, fsys := newVolume(t)
	// An entry another system wrote: long name "ab~1", short name ZZZ.
	short := shortName([]byte("ZZZ        "))
	ents := entriesFor("ab~1", short, true, newShortEntry(short, attrArchive, 0, testTime))
	root := fsys.root
	s, err := fsys.placeRun(root, len(ents), -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	root.put(s, ents)
	if err := fsys.writeSlots(root, s, s+len(ents), true); err != nil {
		t.Fatal(err)
	}
	fsys = mount(t, dev)
	writeFile(t, fsys, "a b", []byte("new"))
	info, _ := fsys.Stat("a b")
	if got := info.Sys().(*EntryInfo).ShortName; got == "AB~1" {
		t.Fatalf("\"a b\" got the short name AB~1, another entry's long name")
	}
	if got, err := fsys.Stat("ab~1"); err != nil || got.Sys().(*EntryInfo).ShortName != "ZZZ" {
		t.Fatalf("ab~1 now finds %v, %v", got, err)
	}
}

func TestFSInfoFreeCountIsUnknownWhileChangingAndTrueAfterSync(t *testing.T) {
	dev, fsys := newVolume(t)
	count := func() uint32 {
		b := make([]byte, 512)
		dev.ReadSectors(b, int64(fsys.g.fsInfo))
		return binary.LittleEndian.Uint32(b[fsiFreeCount:])
	}
	writeFile(t, fsys, "f", make([]byte, 3000))
	if c := count(); c != fsiUnknown {
		t.Fatalf("free count %d on disk after an unsynced change, want unknown", c)
	}
	fsys.Sync()
	u, _ := fsys.StatFS()
	if c := count(); c != u.FreeClusters {
		t.Fatalf("free count %d after Sync, want %d", c, u.FreeClusters)
	}
	fsys.Rename("f", "g")
	if c := count(); c != fsiUnknown {
		t.Fatalf("free count %d on disk after a rename, want unknown", c)
	}
	fsys.Sync()
	if c := count(); c != u.FreeClusters {
		t.Fatalf("free count %d after a rename and Sync, want %d", c, u.FreeClusters)
	}
}

func TestAFileReplacedByRenameStaysReadableWhileOpen(t *testing.T) {
	_, fsys := newVolume(t)
	before, _ := fsys.StatFS()
	writeFile(t, fsys, "old", bytes.Repeat([]byte("o"), 2000))
	writeFile(t, fsys, "new", bytes.Repeat([]byte("n"), 1000))
	f, _ := fsys.Open("old")
	want, _ := f.Stat()
	if err := fsys.Rename("new", "old"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("o"), 2000)) {
		t.Fatalf("the replaced file reads %d bytes, %v", len(got), err)
	}
	if info, _ := f.Stat(); info.Size() != 2000 || info.Sys().(*EntryInfo).Cluster != want.Sys().(*EntryInfo).Cluster {
		t.Fatalf("Stat of the replaced file = %d bytes at cluster %d", info.Size(), info.Sys().(*EntryInfo).Cluster)
	}
	f.Close()
	fsys.Remove("old")
	if u, _ := fsys.StatFS(); u.FreeClusters != before.FreeClusters {
		t.Fatalf("%d clusters not freed", before.FreeClusters-u.FreeClusters)
	}
}
