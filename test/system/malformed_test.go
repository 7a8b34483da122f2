package system

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Malformed disks: each image is a FAT32 volume made by mkfs.fat and then
// damaged in place, as a disk from elsewhere may come. The fields patched
// are those of fatgen103, the reference drivers/fat cites.

// FAT32 boot sector offsets and FAT values (fatgen103, "Boot Sector and
// BPB" and "FAT Data Structure").
const (
	bpbBytsPerSec     = 11
	bpbSecPerClus     = 13
	bpbRsvdSecCnt     = 14
	bpbNumFATs        = 16
	bpbFATSz32        = 36
	bpbRootClus       = 44
	fat1CleanShutdown = 0x08000000 // FAT[1]'s ClnShutBitMask
)

// volume is what a test needs of an image's layout, read from its boot
// sector.
type volume struct {
	sectorSize, clusterSectors int
	fatStart, fatSectors       int64
	fats                       int
	dataStart                  int64
	rootCluster                uint32
}

func readVolume(t *testing.T, img string) volume {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 512)
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	v := volume{
		sectorSize:     int(le.Uint16(b[bpbBytsPerSec:])),
		clusterSectors: int(b[bpbSecPerClus]),
		fatStart:       int64(le.Uint16(b[bpbRsvdSecCnt:])),
		fatSectors:     int64(le.Uint32(b[bpbFATSz32:])),
		fats:           int(b[bpbNumFATs]),
		rootCluster:    le.Uint32(b[bpbRootClus:]),
	}
	v.dataStart = v.fatStart + int64(v.fats)*v.fatSectors
	return v
}

// patch writes b at byte offset off of img.
func patch(t *testing.T, img string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// fatEntry reads entry c of the first FAT.
func fatEntry(t *testing.T, img string, v volume, c uint32) uint32 {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 4)
	if _, err := f.ReadAt(b, v.fatStart*int64(v.sectorSize)+int64(c)*4); err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint32(b)
}

// setFATEntry writes entry c of every FAT, as a consistent system would.
func setFATEntry(t *testing.T, img string, v volume, c, value uint32) {
	t.Helper()
	b := binary.LittleEndian.AppendUint32(nil, value)
	for i := range v.fats {
		patch(t, img, (v.fatStart+int64(i)*v.fatSectors)*int64(v.sectorSize)+int64(c)*4, b)
	}
}

// firstCluster returns the first cluster of the root directory's entry
// whose 8.3 name is short ("A       BIN").
func firstCluster(t *testing.T, img string, v volume, short string) uint32 {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := make([]byte, v.clusterSectors*v.sectorSize)
	if _, err := f.ReadAt(root, (v.dataStart+int64(v.rootCluster-2)*int64(v.clusterSectors))*int64(v.sectorSize)); err != nil {
		t.Fatal(err)
	}
	for e := root; len(e) >= 32; e = e[32:] {
		if string(e[:11]) == short {
			return uint32(binary.LittleEndian.Uint16(e[20:]))<<16 | uint32(binary.LittleEndian.Uint16(e[26:]))
		}
	}
	t.Fatalf("no entry %q in the root directory's first cluster", short)
	return 0
}

// imageSum is the sha256 of the whole image.
func imageSum(t *testing.T, img string) string {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return string(h.Sum(nil))
}

// freshImage makes an empty 512 MiB FAT32 volume labelled CLK.
func freshImage(t *testing.T) string {
	t.Helper()
	mkfs := dosfstool(t, "mkfs.fat")
	img := filepath.Join(t.TempDir(), "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	return img
}

// logged counts the entries of the kernel log that dmesg listed in
// reply and re matches. The lines dmesg lists carry their time; the same
// lines printed as they were logged, which may come out in the middle
// of any reply, do not, and are not counted.
func logged(re *regexp.Regexp, reply string) int {
	return len(regexp.MustCompile(`(?m)^\[ *[0-9]+\.[0-9]+\] `+re.String()).FindAllString(reply, -1))
}

// TestKernelRefusesAMalformedDiskOnceAndGoesOn boots clk with images
// whose boot sector or root directory cannot be trusted: a zeroed boot
// sector, 0 bytes per sector, 3 sectors per cluster, a root directory
// cluster past the volume's end, and a root directory whose chain loops.
// For each, the file system service says it refused the volume and why,
// once; the kernel says the disk is not mounted and activates the
// service's module no more (it stays installed); /disk is then missing,
// for ls, df and a redirection alike, and the shell answers the next
// command; the image is left as it was.
func TestKernelRefusesAMalformedDiskOnceAndGoesOn(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, img string, v volume)
		why    string // the refusal's reason, a regular expression
	}{
		{"zeroed boot sector", func(t *testing.T, img string, v volume) {
			patch(t, img, 0, make([]byte, 512))
		}, `boot sector: no 0x55 0xAA signature at byte 510`},
		{"no bytes per sector", func(t *testing.T, img string, v volume) {
			patch(t, img, bpbBytsPerSec, []byte{0, 0})
		}, `boot sector: bytes per sector 0 is not a power of two from 512 to 4096`},
		{"three sectors per cluster", func(t *testing.T, img string, v volume) {
			patch(t, img, bpbSecPerClus, []byte{3})
		}, `boot sector: sectors per cluster 3 is not a power of two`},
		{"root cluster past the end", func(t *testing.T, img string, v volume) {
			patch(t, img, bpbRootClus, binary.LittleEndian.AppendUint32(nil, 0x0FFFFFF0))
		}, `boot sector: root directory cluster 268435440 is not a data cluster`},
		{"root directory chain loops", func(t *testing.T, img string, v volume) {
			setFATEntry(t, img, v, v.rootCluster, v.rootCluster)
		}, `root directory: directory at cluster 2: chain from cluster 2 is longer than [0-9]+ clusters \(a loop\?\)`},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			img := freshImage(t)
			c.damage(t, img, readVolume(t, img))
			before := imageSum(t, img)

			m := diskPrompt(t, "pc", img)
			notMounted := regexp.MustCompile(`storage: the disk at [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] is not mounted: activate fatfs [0-9.]+: instance did not start: [0-9.]+ pid [0-9]+: refused: start: refused the volume`)
			waitForLog(t, m, notMounted, "the kernel did not say the disk is not mounted")
			// Lines the kernel logs come out between prompts too: the
			// replies are searched, not compared whole.
			if got := command(t, m, "ls /disk", diskLimits); !regexp.MustCompile(`(?m)^ls: [^\n]*disk: no such file or directory$`).MatchString(got) {
				t.Errorf("ls /disk after the refusal: %q", got)
			}
			if got := command(t, m, "echo alive", diskLimits); !regexp.MustCompile(`(?m)^alive$`).MatchString(got) {
				t.Errorf("echo after ls /disk: %q", got)
			}
			if got := command(t, m, "df", diskLimits); !regexp.MustCompile(`(?m)^df: /disk: the disk is not mounted$`).MatchString(got) {
				t.Errorf("df after the refusal: %q", got)
			}
			if got := command(t, m, "echo lost > /disk/new.txt", diskLimits); !strings.Contains(got, "no such file or directory") {
				t.Errorf("a redirection to /disk after the refusal: %q", got)
			}
			if got := command(t, m, "ps", diskLimits); strings.Contains(got, "fatfs") {
				t.Errorf("ps after the refusal still shows the service:\n%s", got)
			}
			// No loop: after all those commands the service was started
			// once, and refused once.
			log := command(t, m, "dmesg", diskLimits)
			refused := regexp.MustCompile(`module: fatfs: refused the volume: fat: mount: ` + c.why + `: corrupt FAT volume`)
			if n := logged(refused, log); n != 1 {
				t.Errorf("the kernel log shows the refusal %d times, want once (%s):\n%s", n, refused, log)
			}
			if n := logged(regexp.MustCompile(`storage: fatfs [0-9.]+ \(pid [0-9]+\) serves the disk`), log); n != 0 {
				t.Errorf("the kernel says %d times that the file system service serves, want never:\n%s", n, log)
			}
			if got := command(t, m, "mod list", diskLimits); !regexp.MustCompile(`(?m)^fatfs\s+1\.0\.0\s+installed\s`).MatchString(got) {
				t.Errorf("mod list after the refusal does not show fatfs installed and idle:\n%s", got)
			}
			if n := logged(notMounted, log); n != 1 {
				t.Errorf("the kernel said %d times that the disk is not mounted, want once:\n%s", n, log)
			}
			powerOff(t, m)
			if imageSum(t, img) != before {
				t.Error("the refused image was written")
			}
		})
	}
}

// TestKernelMountsAnUnrepairableDiskReadOnly boots clk with a volume not
// cleanly unmounted whose damage no interrupted write leaves: two files'
// cluster chains cross. The mount's repair refuses to guess, so the
// file system service mounts the volume read-only and says why; the
// files read as the host wrote them, every change fails with EROFS, df
// says ro, and the image is left as it was.
func TestKernelMountsAnUnrepairableDiskReadOnly(t *testing.T) {
	mcopy := dosfstool(t, "mcopy")
	img := freshImage(t)
	dir := t.TempDir()
	files := map[string][]byte{
		"a.bin": bytes.Repeat([]byte("the first file\n"), 700),
		"b.bin": bytes.Repeat([]byte("the second file\n"), 700),
	}
	for _, name := range []string{"a.bin", "b.bin"} {
		local := filepath.Join(dir, name)
		if err := os.WriteFile(local, files[name], 0o644); err != nil {
			t.Fatal(err)
		}
		host(t, mcopy, "-i", img, local, "::/"+name)
	}
	v := readVolume(t, img)
	a, b := firstCluster(t, img, v, "A       BIN"), firstCluster(t, img, v, "B       BIN")
	// b.bin's first cluster leads into a.bin's second: the chains cross.
	setFATEntry(t, img, v, b, fatEntry(t, img, v, a))
	setFATEntry(t, img, v, 1, fatEntry(t, img, v, 1)&^fat1CleanShutdown)
	before := imageSum(t, img)

	m := diskPrompt(t, "pc", img)
	waitForLog(t, m, regexp.MustCompile(`fatfs: mounted "CLK", [0-9]+ MiB, [0-9]+ MiB free, read-only`), "the file system service did not mount the volume read-only")

	if got := command(t, m, "ls /disk", diskLimits); !strings.Contains(got, "a.bin") || !strings.Contains(got, "b.bin") {
		t.Errorf("ls /disk: %q", got)
	}
	if got := command(t, m, "sha256sum /disk/a.bin", diskLimits); !strings.HasPrefix(got, sha(files["a.bin"])+"  ") {
		t.Errorf("sha256sum of a file of the read-only volume: %q, want %s", got, sha(files["a.bin"]))
	}
	for _, change := range []string{"echo refused > /disk/new.txt", "echo refused >> /disk/a.bin", "mkdir /disk/dir", "rm /disk/a.bin", "mv /disk/a.bin /disk/c.bin"} {
		if got := command(t, m, change, diskLimits); !strings.Contains(got, "read-only file system") {
			t.Errorf("%s on the read-only volume: %q, want EROFS", change, got)
		}
	}
	if got := command(t, m, "echo alive", diskLimits); !regexp.MustCompile(`(?m)^alive$`).MatchString(got) {
		t.Errorf("echo after the refused changes: %q", got)
	}
	if got := command(t, m, "df", diskLimits); !regexp.MustCompile(`/disk\s+fat32\s+[0-9]+\s+[0-9]+\s+[0-9]+\s+[0-9]+%\s+ro`).MatchString(got) {
		t.Errorf("df of the read-only volume: %q", got)
	}
	if got := command(t, m, "ps", diskLimits); strings.Count(got, "fatfs") != 1 {
		t.Errorf("ps shows the file system service %d times, want once:\n%s", strings.Count(got, "fatfs"), got)
	}
	log := command(t, m, "dmesg", diskLimits)
	why := regexp.MustCompile(`module: fatfs: not cleanly unmounted; not repaired, so read-only: [^\n]*cluster [0-9]+ of file /B\.BIN is in another chain too: corrupt FAT volume`)
	if n := logged(why, log); n != 1 {
		t.Errorf("the kernel log says why the volume is read-only %d times, want once (%s):\n%s", n, why, log)
	}
	if n := logged(regexp.MustCompile(`storage: fatfs [0-9.]+ \(pid [0-9]+\) serves the disk`), log); n != 1 {
		t.Errorf("the kernel started the file system service %d times, want once:\n%s", n, log)
	}
	powerOff(t, m)
	if imageSum(t, img) != before {
		t.Error("the volume mounted read-only was written")
	}
}
