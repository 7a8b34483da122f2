package system

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fsReplaceBytes is what the writer writes while the file system service
// is replaced under it: under TCG, several times what it writes across
// the replacements (about 2 MiB), so that it is still writing after the
// last.
const fsReplaceBytes = 16 << 20

// fsReplacements is the number of replacements made while the writer
// writes, each after the file has grown.
const fsReplacements = 5

// streamSum is the sha256 of the first n bytes of diskcheck's stream.
func streamSum(n int64) string {
	h := sha256.New()
	io.Copy(h, io.LimitReader(rand.NewChaCha8([32]byte{'c', 'l', 'k'}), n))
	return hex.EncodeToString(h.Sum(nil))
}

// TestKernelReplacesTheFileSystemUnderAWriter boots clk with a disk,
// whose file system service is the module fatfs, and has a ring-3
// program write a file of fsReplaceBytes through package os (then read
// it back) while fatfs is replaced by the same version again and again,
// each time after the file has grown: the program's open file goes from
// instance to instance. The program must finish with the stream's
// sha256, mod list must name fatfs active with its capabilities; mod
// stop fatfs must unmount /disk; and after the power-off the host must
// read the file with that sha256 and fsck.fat -n must find the volume
// clean, which only the stopping instance's sync leaves it.
func TestKernelReplacesTheFileSystemUnderAWriter(t *testing.T) {
	mkfs, fsck := dosfstool(t, "mkfs.fat"), dosfstool(t, "fsck.fat")
	mtype := dosfstool(t, "mtype")
	img := filepath.Join(t.TempDir(), "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	m := diskBoot(t, "pc", img)
	l := diskLimits
	if got := command(t, m, "mod list", l); !regexp.MustCompile(`(?m)^fatfs\s+1\.0\.0\s+active\s+[0-9]+\s+[0-9a-f]{32}\s+memory=128M threads=16 provides=fs$`).MatchString(got) {
		t.Fatalf("mod list does not show fatfs serving:\n%s", got)
	}

	command(t, m, "run diskcheck write /disk/big.bin "+strconv.Itoa(fsReplaceBytes)+" &", l)
	size := regexp.MustCompile(`(?m)^big\.bin\s+([0-9]+)$`)
	grown := func(than int64) (int64, bool) {
		got := command(t, m, "ls /disk", l)
		sm := size.FindStringSubmatch(got)
		if sm == nil {
			return than, false
		}
		n, _ := strconv.ParseInt(sm[1], 10, 64)
		return n, n > than
	}
	done := regexp.MustCompile(`diskcheck: wrote /disk/big\.bin: ([0-9]+) bytes in [^,]*, sha256 ([0-9a-f]{64})`)
	failed := regexp.MustCompile(`diskcheck: [^\n]*(error|refused|bad file)[^\n]*`)
	replaced := regexp.MustCompile(`installed fatfs 1\.0\.0 signed by [0-9a-f]{32}; fatfs 1\.0\.0 serves \(pid [0-9]+\)`)
	var last int64
	for i := range fsReplacements {
		for try := 0; ; try++ {
			if f := failed.FindString(m.Console()); f != "" {
				t.Fatalf("the writer failed: %s", f)
			}
			if done.MatchString(m.Console()) {
				t.Fatalf("the writer finished after %d replacements, want %d under it: write more", i, fsReplacements)
			}
			if n, ok := grown(last); ok {
				last = n
				break
			}
			if try == 240 {
				t.Fatalf("the file stayed at %d bytes", last)
			}
			time.Sleep(250 * time.Millisecond)
		}
		got := command(t, m, "mod replace fatfs /modules/fatfs.clkm", l)
		if !replaced.MatchString(got) {
			t.Fatalf("mod replace fatfs: %q", got)
		}
	}
	for start := time.Now(); !done.MatchString(m.Console()); time.Sleep(250 * time.Millisecond) {
		if f := failed.FindString(m.Console()); f != "" {
			t.Fatalf("the writer failed: %s", f)
		}
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("the writer did not finish after the replacements, the file at %d bytes", last)
		}
	}
	t.Logf("%d replacements of fatfs while diskcheck wrote %d bytes, the last at %d", fsReplacements, fsReplaceBytes, last)
	want := streamSum(fsReplaceBytes)
	sm := done.FindStringSubmatch(m.Console())
	if sm[1] != strconv.Itoa(fsReplaceBytes) || sm[2] != want {
		t.Errorf("diskcheck wrote %s bytes with sha256 %s, want %d and %s", sm[1], sm[2], fsReplaceBytes, want)
	}
	if got := command(t, m, "sha256sum /disk/big.bin", l); !strings.Contains(got, "\n"+want+"  /disk/big.bin\n") && !strings.HasPrefix(got, want+"  ") {
		t.Errorf("sha256sum through the last instance: %q, want %s", got, want)
	}
	log := command(t, m, "mod log", l)
	records := regexp.MustCompile(`(?m) replace fatfs [^\n]*`).FindAllString(log, -1)
	if len(records) != fsReplacements {
		t.Errorf("mod log does not show %d replacements of fatfs:\n%s", fsReplacements, log)
	}
	// How long each held the clients, for the reader of the test's log.
	for _, r := range records {
		t.Log(strings.TrimSpace(r))
	}
	// Stopping the module unmounts /disk, and the instance syncs the
	// volume as it goes: the power-off finds nothing to write.
	command(t, m, "mod stop fatfs", l)
	waitForLog(t, m, regexp.MustCompile(`storage: the disk at [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] is not mounted: fatfs is installed`), "the kernel did not unmount /disk when fatfs stopped")
	if got := command(t, m, "ls /disk", l); !strings.Contains(got, "no such file or directory") {
		t.Errorf("ls /disk after mod stop fatfs: %q", got)
	}
	powerOff(t, m)

	if out, err := exec.Command(fsck, "-n", img).CombinedOutput(); err != nil {
		t.Errorf("fsck.fat -n after the replacements and the stop: %v\n%s", err, out)
	}
	if got := sha(host(t, mtype, "-i", img, "::/big.bin")); got != want {
		t.Errorf("the host reads big.bin with sha256 %s, want %s", got, want)
	}
}
