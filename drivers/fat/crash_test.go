//go:build !clk

package fat

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
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

// fsckAllowed are the only complaints a crash may leave, as fsck.fat
// 4.2 words them: FAT[1]'s clean-shutdown bit is clear, the FATs differ
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
	{"dirty bit", regexp.MustCompile(`^Dirty bit is set\. Fs was not properly unmounted and some data may be corrupt\.\n Automatically removing dirty bit\.\n`)},
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

// crashRun is a workload, the image it starts from, what it leaves
// without a crash, and what cutting the power during it has found.
type crashRun struct {
	base   *MemDevice
	ops    []crashOp
	states []map[string][]byte // the tree before each op, and after the last
	total  int                 // sectors written without a crash
	dir    string
	*crashTally
}

// crashTally is what cuts have found.
type crashTally struct {
	cuts     int
	exits    map[int]int    // fsck.fat's exit codes on the images the cuts left
	outcomes map[string]int // its findings there
	repairs  map[string]int // what the Repair of the next Mount did
}

func newCrashTally() *crashTally {
	return &crashTally{exits: map[int]int{}, outcomes: map[string]int{}, repairs: map[string]int{}}
}

// newCrashRun runs ops on a copy of base without a crash, keeping the
// tree after each, and checks the result with fsck.fat. Its cuts are
// counted in tally.
func newCrashRun(t *testing.T, base *MemDevice, ops []crashOp, tally *crashTally) *crashRun {
	c := &crashRun{base: base, ops: ops, dir: t.TempDir(), crashTally: tally}
	clean := &crashDevice{MemDevice: base.Clone(), budget: -1}
	fsys := mount(t, clean)
	c.states = make([]map[string][]byte, len(ops)+1)
	c.states[0], _ = tree(fsys)
	for i, op := range ops {
		if err := op.do(fsys); err != nil {
			t.Fatalf("op %d without a crash: %v", i, err)
		}
		var err error
		if c.states[i+1], err = tree(fsys); err != nil {
			t.Fatal(err)
		}
	}
	c.total = clean.written
	if out, code := fsck(t, saveImage(t, clean.MemDevice, c.dir)); code != 0 || !fsckSaysNothing(out) {
		t.Fatalf("the workload without a crash: fsck.fat exit %d:\n%s", code, out)
	}
	return c
}

// cut runs the workload again with the power cut after budget sector
// writes. fsck.fat -n must find nothing or only what fsckAllowed lists.
// The volume, mounted read-write again, is repaired; it must then hold
// for every path the interrupted operation did not touch what it held
// when the operation before finished, and after a Sync fsck.fat -n must
// exit 0 and find nothing.
func (c *crashRun) cut(t *testing.T, budget int) {
	dev := &crashDevice{MemDevice: c.base.Clone(), budget: budget}
	fsys := mount(t, dev)
	k := 0
	for ; k < len(c.ops); k++ {
		if err := c.ops[k].do(fsys); err != nil {
			if !errors.Is(err, errPowerCut) && !errors.Is(err, ErrReadOnly) {
				t.Fatalf("budget %d: op %d: %v", budget, k, err)
			}
			break
		}
	}
	out, code := fsck(t, saveImage(t, dev.MemDevice, c.dir))
	kinds, rest := classify(out)
	if rest != "" || code != 0 && len(kinds) == 0 {
		t.Fatalf("power cut after %d of %d sector writes, in op %d: fsck.fat exit %d with complaints not allowed:\n%s", budget, c.total, k, code, out)
	}
	c.cuts++
	c.exits[code]++
	sort.Strings(kinds)
	c.outcomes[strings.Join(slicesCompact(kinds), " + ")]++

	after, err := Mount(dev.MemDevice, testOptions())
	if err != nil {
		t.Fatalf("budget %d: remount: %v", budget, err)
	}
	rep := after.MountReport()
	if rep.RepairErr != nil || rep.Repair.PastEnd != 0 {
		t.Fatalf("power cut after %d sector writes, in op %d: the next Mount's Repair: %+v", budget, k, rep)
	}
	c.repairs[repairKinds(rep)]++
	got, err := tree(after)
	if err != nil {
		t.Fatalf("budget %d: walking the crashed volume: %v", budget, err)
	}
	want := maps(c.states[k])
	if k < len(c.ops) {
		forget(got, c.ops[k].touches)
		forget(want, c.ops[k].touches)
	}
	if diff := sameTree(got, want); diff != "" {
		t.Fatalf("power cut after %d sector writes, in op %d: %s", budget, k, diff)
	}
	if err := after.Sync(); err != nil {
		t.Fatalf("budget %d: Sync after Repair: %v", budget, err)
	}
	if out, code := fsck(t, saveImage(t, dev.MemDevice, c.dir)); code != 0 || !fsckSaysNothing(out) {
		t.Fatalf("power cut after %d sector writes, in op %d, then repaired (%v) and synced: fsck.fat -n exit %d:\n%s", budget, k, rep.Repair, code, out)
	}
}

// repairKinds names what the Repair of a Mount did, for the crash
// tests' tallies.
func repairKinds(rep MountReport) string {
	if !rep.Repaired {
		return "not run, the volume was clean"
	}
	r := rep.Repair
	var did []string
	for _, k := range []struct {
		did  bool
		what string
	}{
		{r.FreedClusters > 0, "clusters freed"},
		{r.CutChains > 0, "chains cut"},
		{r.Fragments > 0, "fragments deleted"},
		{r.FATSectors > 0, "FAT copied"},
		{r.FreeCount, "free count written"},
	} {
		if k.did {
			did = append(did, k.what)
		}
	}
	if len(did) == 0 {
		return "clean bit set alone"
	}
	return strings.Join(did, " + ")
}

// report sums up what the cuts found.
func (c *crashTally) report() string {
	var lines []string
	for k, n := range c.outcomes {
		if k == "" {
			k = "nothing"
		}
		lines = append(lines, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(lines)
	var repairs []string
	for k, n := range c.repairs {
		repairs = append(repairs, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(repairs)
	return fmt.Sprintf("%d cuts: fsck.fat exits %v; findings: %s. Repaired at the next Mount, then synced, fsck.fat exited 0 with no finding for every image; Repair did: %s",
		c.cuts, c.exits, strings.Join(lines, "; "), strings.Join(repairs, "; "))
}

func crashBase(t *testing.T) *MemDevice {
	base := NewMemDevice(512, testSectors)
	if err := FormatWith(base, FormatOptions{VolumeID: 1}); err != nil {
		t.Fatal(err)
	}
	return base
}

// TestCrashAtAnyWriteLeavesAVolumeFsckAccepts cuts the power after every
// number of sector writes the workload makes (every seventh, with
// -short).
func TestCrashAtAnyWriteLeavesAVolumeFsckAccepts(t *testing.T) {
	tool(t, "fsck.fat")
	c := newCrashRun(t, crashBase(t), crashWorkload(), newCrashTally())
	step := 1
	if testing.Short() {
		step = 7
	}
	for budget := 0; budget < c.total; budget += step {
		c.cut(t, budget)
	}
	t.Logf("%d ops writing %d sectors, cut after every %d: %s", len(c.ops), c.total, step, c.report())
}

// A name of more than 15 long-name entries takes two sectors, written
// last first. Where it lands at a directory's end, the slots of its
// first sector still read as the end until written: they are marked
// deleted beforehand, so that no cut leaves its short entry past an end
// mark, where this package does not look and fsck.fat does.
func TestALongNameCutShortAtADirectorysEndLeavesNothingPastTheEnd(t *testing.T) {
	base := crashBase(t)
	fsys := mount(t, base)
	fsys.Mkdir("d")
	fsys.Sync()
	name := "d/" + strings.Repeat("Very long name ", 14) + "end"
	for budget := 0; ; budget++ {
		dev := &crashDevice{MemDevice: base.Clone(), budget: budget}
		err := mount(t, dev).Mkdir(name)
		ro, _ := Mount(dev.MemDevice, Options{ReadOnly: true})
		d, err2 := ro.loadDir(firstCluster(t, ro, "d"))
		if err2 != nil {
			t.Fatal(err2)
		}
		if d.tailGarbage {
			t.Fatalf("cut after %d sectors: entries past the end of the directory", budget)
		}
		if err == nil {
			break
		}
	}
}

// Repair writes in an order a crash can stop anywhere: the volume stays
// marked as not clean until its last write, and the next Mount repairs
// what is left.
func TestRepairCutShortAnywhereIsFinishedByTheNextMount(t *testing.T) {
	tool(t, "fsck.fat")
	base, want := damagedVolume(t, false)
	for budget := 0; ; budget++ {
		dev := &crashDevice{MemDevice: base.Clone(), budget: budget}
		cut := mount(t, dev).MountReport()
		if cut.RepairErr != nil && !errors.Is(cut.RepairErr, errPowerCut) {
			t.Fatalf("cut after %d sectors: %v", budget, cut.RepairErr)
		}
		fsys := mount(t, dev.MemDevice)
		if rep := fsys.MountReport(); rep.RepairErr != nil {
			t.Fatalf("cut after %d sectors, then MountReport %+v", budget, rep)
		}
		got, err := tree(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameTree(got, want); diff != "" {
			t.Fatalf("cut after %d sectors, then repaired: %s", budget, diff)
		}
		if out, code := fsck(t, saveImage(t, dev.MemDevice, t.TempDir())); code != 0 || !fsckSaysNothing(out) {
			t.Fatalf("cut after %d sectors, then repaired: fsck.fat -n exit %d:\n%s", budget, code, out)
		}
		if cut.RepairErr == nil {
			t.Logf("Repair writes %d sectors; cut after each of 0 to %d, the next Mount finished it", dev.written, budget-1)
			break
		}
	}
}

// fsckSaysNothing reports whether fsck.fat's output is its banner and
// its summary alone.
func fsckSaysNothing(out string) bool {
	kinds, rest := classify(out)
	return len(kinds) == 0 && rest == "" && strings.Count(out, "\n") == 2
}

// randomCrashOps returns n random operations that are valid one after
// the other on an empty volume: mkdirs, creates, appends, writes in place
// and past the end, truncates, removes of files and empty directories,
// renames of files and directories (over other files too), and Syncs,
// one of them last.
// Names stay short enough for their entries to fit one sector.
func randomCrashOps(seed uint64, n int) []crashOp {
	r := rand.New(rand.NewPCG(seed, 7))
	dirs := map[string]bool{"": true}
	files := map[string]int{} // size
	names := []string{"a", "B.TXT", "Long Name Number One.txt", "notes.md", "Data", "deep directory name", strings.Repeat("lengthy ", 20) + "end"}
	sorted := func(m map[string]bool) []string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		sort.Strings(s)
		return s
	}
	fileList := func() []string {
		var s []string
		for k := range files {
			s = append(s, k)
		}
		sort.Strings(s)
		return s
	}
	free := func() string {
		ds := sorted(dirs)
		for range 20 {
			p := path.Join(ds[r.IntN(len(ds))], names[r.IntN(len(names))])
			if !dirs[p] && files[p] == 0 {
				if _, ok := files[p]; !ok {
					return p
				}
			}
		}
		return ""
	}
	hasKids := func(d string) bool {
		for k := range dirs {
			if strings.HasPrefix(k, d+"/") {
				return true
			}
		}
		for k := range files {
			if strings.HasPrefix(k, d+"/") {
				return true
			}
		}
		return false
	}
	var ops []crashOp
	for len(ops) < n {
		fl := fileList()
		switch op := r.IntN(9); {
		case op == 0:
			if p := free(); p != "" {
				dirs[p] = true
				ops = append(ops, crashOp{[]string{p}, func(fsys *FS) error { return fsys.Mkdir(p) }})
			}
		case op <= 2:
			if p := free(); p != "" {
				size := r.IntN(6000)
				files[p] = size
				ops = append(ops, crashWrite(p, randomBytes(uint64(len(ops)), size)))
			}
		case op == 3 && len(fl) > 0:
			p := fl[r.IntN(len(fl))]
			n := r.IntN(4000)
			files[p] += n
			ops = append(ops, crashAppend(p, randomBytes(uint64(len(ops)), n)))
		case op == 4 && len(fl) > 0:
			p := fl[r.IntN(len(fl))]
			off := r.IntN(files[p] + 3000)
			n := 1 + r.IntN(2000)
			files[p] = max(files[p], off+n)
			ops = append(ops, crashWriteAt(p, randomBytes(uint64(len(ops)), n), int64(off)))
		case op == 5 && len(fl) > 0:
			p := fl[r.IntN(len(fl))]
			size := r.IntN(files[p] + 3000)
			files[p] = size
			ops = append(ops, crashOp{[]string{p}, func(fsys *FS) error { return fsys.Truncate(p, int64(size)) }})
		case op == 6 && len(fl) > 0:
			p := fl[r.IntN(len(fl))]
			delete(files, p)
			ops = append(ops, crashOp{[]string{p}, func(fsys *FS) error { return fsys.Remove(p) }})
		case op == 7:
			ds := sorted(dirs)
			d := ds[r.IntN(len(ds))]
			if d == "" || hasKids(d) {
				continue
			}
			delete(dirs, d)
			ops = append(ops, crashOp{[]string{d}, func(fsys *FS) error { return fsys.Remove(d) }})
		case op == 8:
			all := append(fl, sorted(dirs)[1:]...)
			if len(all) == 0 {
				continue
			}
			old := all[r.IntN(len(all))]
			var to string
			if _, isFile := files[old]; isFile && len(fl) > 1 && r.IntN(3) == 0 {
				to = fl[r.IntN(len(fl))] // replace another file
				if to == old {
					continue
				}
			} else if to = free(); to == "" {
				continue
			}
			if dirs[old] && (strings.HasPrefix(to, old+"/")) {
				continue
			}
			touch := []string{old, to}
			if dirs[old] {
				for k := range dirs {
					if strings.HasPrefix(k, old+"/") {
						delete(dirs, k)
						dirs[to+strings.TrimPrefix(k, old)] = true
					}
				}
				for k, v := range files {
					if strings.HasPrefix(k, old+"/") {
						delete(files, k)
						files[to+strings.TrimPrefix(k, old)] = v
					}
				}
				delete(dirs, old)
				dirs[to] = true
			} else {
				files[to] = files[old]
				delete(files, old)
			}
			ops = append(ops, crashOp{touch, func(fsys *FS) error { return fsys.Rename(old, to) }})
		}
		if r.IntN(15) == 0 {
			ops = append(ops, crashOp{nil, func(fsys *FS) error { return fsys.Sync() }})
		}
	}
	return append(ops, crashOp{nil, func(fsys *FS) error { return fsys.Sync() }})
}

// The random crash workloads to run, and the cuts in each, when not
// the defaults; for measuring, as the package documentation does.
var (
	crashWorkloads = flag.Int("fat.crashworkloads", 0, "random crash workloads to run (default 6, 2 with -short)")
	crashCuts      = flag.Int("fat.crashcuts", 20, "power cuts in each random crash workload")
)

// TestCrashesInRandomWorkloadsLeaveOnlyAllowedDamage cuts the power at
// random points of random workloads of 80 operations.
func TestCrashesInRandomWorkloadsLeaveOnlyAllowedDamage(t *testing.T) {
	tool(t, "fsck.fat")
	base := crashBase(t)
	workloads := *crashWorkloads
	switch {
	case workloads > 0:
	case testing.Short():
		workloads = 2
	default:
		workloads = 6
	}
	all := newCrashTally()
	for seed := range uint64(workloads) {
		one := newCrashTally()
		c := newCrashRun(t, base, randomCrashOps(seed, 80), one)
		r := rand.New(rand.NewPCG(seed, 1))
		for range *crashCuts {
			c.cut(t, r.IntN(c.total))
		}
		t.Logf("workload %d, %d sectors: %s", seed, c.total, one.report())
		all.add(one)
	}
	t.Logf("all %d workloads: %s", workloads, all.report())
}

// add counts another tally's cuts in c.
func (c *crashTally) add(o *crashTally) {
	c.cuts += o.cuts
	for k, n := range o.exits {
		c.exits[k] += n
	}
	for k, n := range o.outcomes {
		c.outcomes[k] += n
	}
	for k, n := range o.repairs {
		c.repairs[k] += n
	}
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
