package diskimg

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"clk/drivers/fat"
)

// fakeStage1 is a boot sector with stage 1's disk address packet and
// signature, as nasm writes it.
func fakeStage1() []byte {
	b := make([]byte, SectorSize)
	copy(b, "stage one code")
	b[stage1DAP] = 16
	b[bootSigOffset], b[bootSigOffset+1] = 0x55, 0xaa
	return b
}

// fakeStage2 is a stage 2 of n bytes with the header's magic.
func fakeStage2(n int) []byte {
	b := bytes.Repeat([]byte{0x90}, n)
	copy(b[stage2MagicOffset:], stage2Magic)
	clear(b[stage2KernelLBA : stage2Cmdline+stage2CmdlineMax])
	return b
}

func testConfig() Config {
	kernel := make([]byte, 10001)
	initrd := make([]byte, 5003)
	for i := range kernel {
		kernel[i] = byte(i * 7)
	}
	for i := range initrd {
		initrd[i] = byte(i*13 + 1)
	}
	return Config{Stage1: fakeStage1(), Stage2: fakeStage2(2000), Kernel: kernel, Initrd: initrd, Cmdline: "clk.run=hello -- x", DataMiB: 40}
}

func writeFile(t *testing.T, c Config) (string, Layout) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clk.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := Write(f, c)
	if err != nil {
		t.Fatal(err)
	}
	return path, l
}

func readAt(t *testing.T, img []byte, lba uint32, n int) []byte {
	t.Helper()
	off := int64(lba) * SectorSize
	if off+int64(n) > int64(len(img)) {
		t.Fatalf("%d bytes at sector %d are past the image's end", n, lba)
	}
	return img[off : off+int64(n)]
}

func TestEachPartIsWhereTheLoaderLooks(t *testing.T) {
	c := testConfig()
	path, l := writeFile(t, c)
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != int(l.Total)*SectorSize {
		t.Fatalf("image of %d bytes, layout says %d sectors", len(img), l.Total)
	}
	le := binary.LittleEndian
	// Both copies of stage 1 point at stage 2.
	for _, lba := range []uint32{0, l.Boot.LBA} {
		s := readAt(t, img, lba, SectorSize)
		if !bytes.Equal(s[:stage1DAP], c.Stage1[:stage1DAP]) || s[510] != 0x55 || s[511] != 0xaa {
			t.Errorf("sector %d does not hold stage 1", lba)
		}
		dap := s[stage1DAP:]
		if n, at := le.Uint16(dap[dapCount:]), le.Uint64(dap[dapLBA:]); uint32(n) != l.Stage2.Sectors || at != uint64(l.Stage2.LBA) {
			t.Errorf("sector %d: stage 2 recorded as %d sectors at %d, layout says %d at %d", lba, n, at, l.Stage2.Sectors, l.Stage2.LBA)
		}
	}
	// The partition table: the boot partition active, then FAT32.
	mbr := img[:SectorSize]
	if sig := le.Uint32(mbr[diskSigOffset:]); sig != DiskSignature {
		t.Errorf("disk signature %#x", sig)
	}
	for i, want := range []struct {
		status, typ byte
		x           Extent
	}{{partActive, partTypeBoot, l.Boot}, {0, partTypeFAT32, l.Data}, {}, {}} {
		e := mbr[partTable+i*partEntrySize:][:partEntrySize]
		got := Extent{le.Uint32(e[8:]), le.Uint32(e[12:])}
		if e[0] != want.status || e[4] != want.typ || got != want.x {
			t.Errorf("partition %d: status %#x type %#x %+v; want %#x %#x %+v", i+1, e[0], e[4], got, want.status, want.typ, want.x)
		}
	}
	// Stage 2's header names the kernel, the initrd and the command line.
	s2 := readAt(t, img, l.Stage2.LBA, len(c.Stage2))
	if le.Uint32(s2[stage2KernelLBA:]) != l.Kernel.LBA || le.Uint32(s2[stage2KernelBytes:]) != uint32(len(c.Kernel)) ||
		le.Uint32(s2[stage2InitrdLBA:]) != l.Initrd.LBA || le.Uint32(s2[stage2InitrdBytes:]) != uint32(len(c.Initrd)) {
		t.Errorf("stage 2 header %x, layout %+v", s2[stage2KernelLBA:stage2Cmdline], l)
	}
	if cmd, _, _ := bytes.Cut(s2[stage2Cmdline:stage2Cmdline+stage2CmdlineMax], []byte{0}); string(cmd) != c.Cmdline {
		t.Errorf("command line %q, want %q", cmd, c.Cmdline)
	}
	if !bytes.Equal(s2[stage2Cmdline+stage2CmdlineMax:], c.Stage2[stage2Cmdline+stage2CmdlineMax:]) {
		t.Errorf("stage 2's code changed")
	}
	if !bytes.Equal(readAt(t, img, l.Kernel.LBA, len(c.Kernel)), c.Kernel) {
		t.Errorf("the kernel is not at sector %d", l.Kernel.LBA)
	}
	if !bytes.Equal(readAt(t, img, l.Initrd.LBA, len(c.Initrd)), c.Initrd) {
		t.Errorf("the initrd is not at sector %d", l.Initrd.LBA)
	}
}

func TestPartsAreAlignedAndApart(t *testing.T) {
	for _, c := range []Config{testConfig(), {Stage1: fakeStage1(), Stage2: fakeStage2(Stage2Max), Kernel: make([]byte, 3<<20+1)}} {
		l, err := Plan(c)
		if err != nil {
			t.Fatal(err)
		}
		if l.Boot.LBA%partAlign != 0 || l.Data.LBA%partAlign != 0 || l.Boot.Sectors%partAlign != 0 {
			t.Errorf("partitions not on 1 MiB boundaries: %+v", l)
		}
		if l.Kernel.LBA%fileAlign != 0 || l.Initrd.LBA%fileAlign != 0 {
			t.Errorf("kernel or initrd not on a 4 KiB boundary: %+v", l)
		}
		parts := []Extent{{l.Boot.LBA, 1}, l.Stage2, l.Kernel, l.Initrd}
		for i := 1; i < len(parts); i++ {
			prev := parts[i-1]
			if parts[i].Sectors != 0 && parts[i].LBA < prev.LBA+prev.Sectors {
				t.Errorf("part %d at %d overlaps the one before, %+v", i, parts[i].LBA, prev)
			}
		}
		last := l.Kernel
		if l.Initrd.Sectors != 0 {
			last = l.Initrd
		}
		if last.LBA+last.Sectors > l.Boot.LBA+l.Boot.Sectors || l.Data.LBA < l.Boot.LBA+l.Boot.Sectors || l.Data.LBA+l.Data.Sectors != l.Total {
			t.Errorf("the boot partition does not hold its parts, or the data partition overlaps it: %+v", l)
		}
		wantData := uint32(c.DataMiB) * (mib / SectorSize)
		if c.DataMiB == 0 {
			wantData = DefaultDataMiB * (mib / SectorSize)
		}
		if l.Data.Sectors != wantData {
			t.Errorf("data partition of %d sectors, want %d", l.Data.Sectors, wantData)
		}
	}
}

func TestTheDataPartitionIsAnEmptyFAT32Volume(t *testing.T) {
	path, l := writeFile(t, testConfig())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fsys, err := fat.Mount(&partition{f: readOnly{f}, first: int64(l.Data.LBA), sectors: int64(l.Data.Sectors)}, fat.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fsys.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("the data volume holds %d entries, want none", len(entries))
	}
	if mdir, err := exec.LookPath("mdir"); err == nil {
		out, err := exec.Command(mdir, "-i", path+"@@"+strconv.FormatInt(int64(l.Data.LBA)*SectorSize, 10), "::").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Volume in drive : is "+VolumeLabel) {
			t.Errorf("mtools' mdir on the data partition: %v\n%s", err, out)
		}
	}
}

// readOnly lets Mount read a file opened read-only.
type readOnly struct{ *os.File }

func (readOnly) Truncate(int64) error { return errors.New("read-only") }

func TestTwoBuildsAreTheSameBytes(t *testing.T) {
	sum := func() [32]byte {
		path, _ := writeFile(t, testConfig())
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	if a, b := sum(), sum(); a != b {
		t.Errorf("two images of the same inputs differ: %x, %x", a, b)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	noSig := fakeStage1()
	noSig[511] = 0
	noDAP := fakeStage1()
	noDAP[stage1DAP] = 0
	noMagic := fakeStage2(1000)
	noMagic[stage2MagicOffset] = 'X'
	for name, mutate := range map[string]func(*Config){
		"short stage 1":         func(c *Config) { c.Stage1 = c.Stage1[:511] },
		"stage 1 without 55 AA": func(c *Config) { c.Stage1 = noSig },
		"stage 1 without a DAP": func(c *Config) { c.Stage1 = noDAP },
		"stage 2 too large":     func(c *Config) { c.Stage2 = fakeStage2(Stage2Max + 1) },
		"stage 2 without magic": func(c *Config) { c.Stage2 = noMagic },
		"no kernel":             func(c *Config) { c.Kernel = nil },
		"command line too long": func(c *Config) { c.Cmdline = strings.Repeat("x", stage2CmdlineMax) },
		"NUL in command line":   func(c *Config) { c.Cmdline = "a\x00b" },
		"negative data size":    func(c *Config) { c.DataMiB = -1 },
		"data past 2 TiB":       func(c *Config) { c.DataMiB = 2 << 20 },
	} {
		c := testConfig()
		mutate(&c)
		if _, err := Plan(c); !errors.Is(err, ErrInput) {
			t.Errorf("%s: Plan error %v, want ErrInput", name, err)
		}
	}
}

// TestTheAssembledLoaderFitsTheBuilder assembles image/boot with nasm,
// where it is installed, and plans an image with it: the offsets the
// builder writes must be those the assembly reserves.
func TestTheAssembledLoaderFitsTheBuilder(t *testing.T) {
	nasm, err := exec.LookPath("nasm")
	if err != nil {
		t.Skip("nasm is not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	var stages [2][]byte
	for i, name := range []string{"stage1", "stage2"} {
		out := filepath.Join(dir, name+".bin")
		src := filepath.Join("..", "boot", name+".asm")
		if b, err := exec.Command(nasm, "-f", "bin", "-I", filepath.Join("..", "boot")+"/", "-o", out, src).CombinedOutput(); err != nil {
			t.Fatalf("nasm %s: %v\n%s", src, err, b)
		}
		if stages[i], err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
	}
	c := testConfig()
	c.Stage1, c.Stage2 = stages[0], stages[1]
	if _, err := Plan(c); err != nil {
		t.Fatal(err)
	}
	// The header fields are zero in the assembled stage 2: the builder's
	// offsets land on them, not on code.
	if h := stages[1][stage2KernelLBA : stage2Cmdline+stage2CmdlineMax]; !bytes.Equal(h, make([]byte, len(h))) {
		t.Errorf("stage 2's header is not where the builder writes it")
	}
	dap := stages[0][stage1DAP:]
	if binary.LittleEndian.Uint16(dap[4:]) != 0x8000 || dap[dapCount] != 0 || !bytes.Equal(dap[dapLBA:dapLBA+8], make([]byte, 8)) {
		t.Errorf("stage 1's disk address packet is not where the builder writes it: % x", dap[:16])
	}
}
