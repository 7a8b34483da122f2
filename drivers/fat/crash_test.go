//go:build !clk

package fat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// errPowerCut is what a crashDevice answers once its budget is spent.
var errPowerCut = errors.New("power cut")

// crashDevice accepts a budget of sector writes and then no more, as if
// the power went: a write that runs past the budget lands only its first
// sectors (sector writes are atomic, longer ones are not), and every
// write and flush after fails.
type crashDevice struct {
	*MemDevice
	budget  int // sectors still accepted; < 0 for no limit
	written int
}

func (c *crashDevice) WriteSectors(p []byte, first int64) error {
	n := len(p) / c.sectorSize
	if c.budget >= 0 && n > c.budget {
		if c.budget > 0 {
			c.MemDevice.WriteSectors(p[:c.budget*c.sectorSize], first)
			c.written += c.budget
			c.budget = 0
		}
		return errPowerCut
	}
	if c.budget >= 0 {
		c.budget -= n
	}
	c.written += n
	return c.MemDevice.WriteSectors(p, first)
}

func (c *crashDevice) Flush() error {
	if c.budget == 0 {
		return errPowerCut
	}
	return nil
}

// crashOp is one step of the crash workload and the paths it may leave
// changed if the power goes during it.
type crashOp struct {
	touches []string
	do      func(fsys *FS) error
}

func crashWrite(name string, data []byte) crashOp {
	return crashOp{[]string{name}, func(fsys *FS) error {
		f, err := fsys.Create(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
		return f.Close()
	}}
}

func crashAppend(name string, data []byte) crashOp {
	return crashOp{[]string{name}, func(fsys *FS) error {
		f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
		return f.Close()
	}}
}

func crashWriteAt(name string, data []byte, off int64) crashOp {
	return crashOp{[]string{name}, func(fsys *FS) error {
		f, err := fsys.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		if _, err := f.WriteAt(data, off); err != nil {
			return err
		}
		return f.Close()
	}}
}

// crashWorkload creates, writes, appends, truncates, renames and deletes
// on a volume of one-sector clusters, where every change spans many
// clusters and so many FAT and directory writes.
func crashWorkload() []crashOp {
	bytesOf := func(seed, n int) []byte { return randomBytes(uint64(seed), n) }
	longName := "docs/" + strings.Repeat("Very long name ", 14) + "end.txt" // 222 units: 18 slots, two sectors
	ops := []crashOp{
		{[]string{"docs"}, func(fsys *FS) error { return fsys.Mkdir("docs") }},
		crashWrite("docs/Readme First.txt", bytesOf(1, 1500)),
		crashWrite("NOTES.TXT", bytesOf(2, 100)),
		crashAppend("NOTES.TXT", bytesOf(3, 2000)),
		{[]string{"docs/sub dir"}, func(fsys *FS) error { return fsys.Mkdir("docs/sub dir") }},
		crashWrite("docs/sub dir/data.bin", bytesOf(4, 5000)),
		crashWriteAt("docs/Readme First.txt", bytesOf(5, 700), 400),
		crashWriteAt("docs/sub dir/data.bin", bytesOf(6, 100), 7000),
		{[]string{"docs/sub dir/data.bin"}, func(fsys *FS) error { return fsys.Truncate("docs/sub dir/data.bin", 700) }},
		{[]string{"NOTES.TXT"}, func(fsys *FS) error { return fsys.Truncate("NOTES.TXT", 4000) }},
		{nil, func(fsys *FS) error { return fsys.Sync() }},
		{[]string{"NOTES.TXT", "docs/Notes moved.txt"}, func(fsys *FS) error { return fsys.Rename("NOTES.TXT", "docs/Notes moved.txt") }},
		{[]string{"docs/sub dir", "sub dir renamed"}, func(fsys *FS) error { return fsys.Rename("docs/sub dir", "sub dir renamed") }},
		crashWrite("victim.txt", bytesOf(7, 3000)),
		{[]string{"docs/Readme First.txt", "victim.txt"}, func(fsys *FS) error { return fsys.Rename("docs/Readme First.txt", "victim.txt") }},
		{[]string{"sub dir renamed/data.bin"}, func(fsys *FS) error { return fsys.Remove("sub dir renamed/data.bin") }},
		{[]string{"sub dir renamed"}, func(fsys *FS) error { return fsys.Remove("sub dir renamed") }},
	}
	for i := range 24 {
		ops = append(ops, crashWrite(fmt.Sprintf("docs/member file number %02d.dat", i), bytesOf(10+i, 300*i)))
	}
	for i := 0; i < 24; i += 2 {
		name := fmt.Sprintf("docs/member file number %02d.dat", i)
		ops = append(ops, crashOp{[]string{name}, func(fsys *FS) error { return fsys.Remove(name) }})
	}
	// A crash between the two sector writes of the long name's entries
	// leaves the file under its short name alone.
	longOp := crashWrite(longName, bytesOf(40, 900))
	longOp.touches = append(longOp.touches, "docs/VERYLO~1.TXT")
	ops = append(ops,
		longOp,
		crashOp{[]string{"docs/member file number 01.dat", "docs/m1"}, func(fsys *FS) error {
			return fsys.Rename("docs/member file number 01.dat", "docs/m1")
		}},
		crashOp{[]string{longName, "docs/VERYLO~1.TXT"}, func(fsys *FS) error { return fsys.Remove(longName) }},
		crashAppend("docs/Notes moved.txt", bytesOf(41, 3333)),
		crashOp{nil, func(fsys *FS) error { return fsys.Sync() }},
	)
	return ops
}

// fsckAllowed are the only complaints a crash may leave: the FATs differ
// (the first is newer, and fsck.fat takes it), clusters are allocated but
// in no chain (lost clusters), a file's chain is longer than its size
// (fsck.fat trims it to the size, which is the file as last completed),
// an unknown free count, and, only for names of more than 15 long-name
// entries, which span two sectors, a fragment of a long name that fsck
// leaves alone.
var fsckAllowed = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"FATs differ", regexp.MustCompile(`^FATs differ but appear to be intact\.\n  Using first FAT\.\n`)},
	{"lost clusters", regexp.MustCompile(`^Reclaimed \d+ unused clusters? \(\d+ bytes\)\.\n`)},
	{"chain longer than size", regexp.MustCompile(`^/[^\n]*\n  File size is \d+ bytes, cluster chain length is > \d+ bytes\.\n  Truncating file to \d+ bytes\.\n`)},
	{"free count unknown", regexp.MustCompile(`^Free cluster summary uninitialized \(should be \d+\)\n`)},
	{"long-name fragment", regexp.MustCompile(`^Long filename fragment "[^"\n]*" found outside a LFN sequence\.\n  \(Maybe the start bit is missing on the last fragment\)\n  Not auto-correcting this\.\n`)},
	{"", regexp.MustCompile(`^(fsck\.fat [^\n]*||Leaving filesystem unchanged\.|[^\n]*: \d+ files, \d+/\d+ clusters)\n`)},
}

// classify splits fsck.fat's output into the allowed complaints; any
// text left over is returned as unexplained.
func classify(out string) (kinds []string, unexplained string) {
	for out != "" {
		matched := false
		for _, a := range fsckAllowed {
			if m := a.re.FindString(out); m != "" {
				if a.kind != "" {
					kinds = append(kinds, a.kind)
				}
				out, matched = out[len(m):], true
				break
			}
		}
		if !matched {
			return kinds, out
		}
	}
	return kinds, ""
}

// TestCrashAtAnyWriteLeavesAVolumeFsckAccepts cuts the power after every
// number of sector writes the workload makes (every few, with -short),
// then checks the image with fsck.fat -n, which must find nothing or only
// the complaints fsckAllowed lists, and remounts it: every path the
// interrupted operation did not touch must hold what it held when the
// operation before it finished.
func TestCrashAtAnyWriteLeavesAVolumeFsckAccepts(t *testing.T) {
	tool(t, "fsck.fat")
	base := NewMemDevice(512, testSectors)
	if err := FormatWith(base, FormatOptions{VolumeID: 1}); err != nil {
		t.Fatal(err)
	}
	ops := crashWorkload()

	// A run without a crash: how many sectors the workload writes, and
	// the tree after each operation.
	clean := &crashDevice{MemDevice: base.Clone(), budget: -1}
	fsys := mount(t, clean)
	states := make([]map[string][]byte, len(ops)+1)
	states[0], _ = tree(fsys)
	for i, op := range ops {
		if err := op.do(fsys); err != nil {
			t.Fatalf("op %d without a crash: %v", i, err)
		}
		var err error
		if states[i+1], err = tree(fsys); err != nil {
			t.Fatal(err)
		}
	}
	total := clean.written
	if out, code := fsck(t, saveImage(t, clean.MemDevice, t.TempDir())); code != 0 {
		t.Fatalf("the workload without a crash: fsck.fat exit %d:\n%s", code, out)
	}

	step := 1
	if testing.Short() {
		step = 7
	}
	dir := t.TempDir()
	outcomes := map[string]int{}
	exits := map[int]int{}
	for budget := 0; budget < total; budget += step {
		dev := &crashDevice{MemDevice: base.Clone(), budget: budget}
		fsys := mount(t, dev)
		k := 0
		for ; k < len(ops); k++ {
			if err := ops[k].do(fsys); err != nil {
				if !errors.Is(err, errPowerCut) && !errors.Is(err, ErrReadOnly) {
					t.Fatalf("budget %d: op %d: %v", budget, k, err)
				}
				break
			}
		}
		out, code := fsck(t, saveImage(t, dev.MemDevice, dir))
		kinds, rest := classify(out)
		if rest != "" || code != 0 && len(kinds) == 0 {
			t.Fatalf("power cut after %d of %d sector writes, in op %d: fsck.fat exit %d with complaints not allowed:\n%s", budget, total, k, code, out)
		}
		exits[code]++
		sort.Strings(kinds)
		outcomes[strings.Join(slicesCompact(kinds), " + ")]++

		after, err := Mount(dev.MemDevice, testOptions())
		if err != nil {
			t.Fatalf("budget %d: remount: %v", budget, err)
		}
		got, err := tree(after)
		if err != nil {
			t.Fatalf("budget %d: walking the crashed volume: %v", budget, err)
		}
		if k < len(ops) {
			forget(got, ops[k].touches)
		}
		want := maps(states[k])
		if k < len(ops) {
			forget(want, ops[k].touches)
		}
		if diff := sameTree(got, want); diff != "" {
			t.Fatalf("power cut after %d sector writes, in op %d: %s", budget, k, diff)
		}
	}
	var lines []string
	for k, n := range outcomes {
		if k == "" {
			k = "nothing"
		}
		lines = append(lines, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(lines)
	t.Logf("%d ops writing %d sectors; cut every %d: fsck.fat exits %v; findings: %s", len(ops), total, step, exits, strings.Join(lines, "; "))
}

// forget deletes the paths, and everything under them, from a tree.
func forget(tr map[string][]byte, paths []string) {
	for k := range tr {
		for _, p := range paths {
			if k == p || k == p+"/" || strings.HasPrefix(k, p+"/") {
				delete(tr, k)
			}
		}
	}
}

func maps(tr map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(tr))
	for k, v := range tr {
		out[k] = bytes.Clone(v)
	}
	return out
}

func slicesCompact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
