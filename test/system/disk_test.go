package system

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// diskLimits allow for writing and reading megabytes through the disk's
// services under TCG.
var diskLimits = limits{boot: 30 * time.Second, command: 120 * time.Second, shutdown: 30 * time.Second}

// dosfstool returns the path of one of dosfstools' or mtools' commands,
// which scripts/deps.sh installs; the test skips without them.
func dosfstool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/sbin/" + name; fileExists(p) {
		return p
	}
	t.Skipf("%s is not installed (scripts/deps.sh installs dosfstools and mtools)", name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// host runs a command on the host and returns its output.
func host(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
	}
	return out
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// diskBoot boots the kernel with the initrd and img as a virtio disk,
// and waits for the file system service to mount the volume.
func diskBoot(t *testing.T, machine, img string) *qemu.Machine {
	t.Helper()
	m := diskPrompt(t, machine, img)
	waitForLog(t, m, regexp.MustCompile(`fatfs: mounted "CLK", [0-9]+ MiB`), "the file system service did not mount the disk")
	return m
}

// diskPrompt boots the kernel with the initrd and img as a virtio disk,
// up to the shell's prompt.
func diskPrompt(t *testing.T, machine, img string) *qemu.Machine {
	t.Helper()
	elf := artefact(t, "CLK_SYSTEST_ELF")
	initrd := artefact(t, "CLK_SYSTEST_INITRD")
	boot := qemu.PVH(machine, elf)
	boot.Args = append(boot.Args, "-initrd", initrd)
	devs, err := qemu.Devices{Disk: img}.Args()
	if err != nil {
		t.Fatal(err)
	}
	m := startMachineWith(t, boot, diskLimits, qemu.Options{Args: devs, CPUs: 2})
	if _, err := m.Expect(qemu.Prompt, diskLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	return m
}

// waitForLog asks for the kernel log until re matches it, and returns
// the log: the services come up after the prompt, each in its own time.
func waitForLog(t *testing.T, m *qemu.Machine, re *regexp.Regexp, failure string) string {
	t.Helper()
	for try := 0; ; try++ {
		log := command(t, m, "dmesg", diskLimits)
		if re.MatchString(log) {
			return log
		}
		if try == 120 {
			t.Fatalf("%s:\n%s", failure, log)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// powerOff shuts the guest down and checks that QEMU ended as after an
// ACPI power-off.
func powerOff(t *testing.T, m *qemu.Machine) {
	t.Helper()
	if err := m.Send("shutdown\r"); err != nil {
		t.Fatal(err)
	}
	if status, err := m.Wait(diskLimits.shutdown); err != nil || status != 0 {
		t.Fatalf("shutdown: status %d, %v", status, err)
	}
}

// TestKernelSharesADiskWithTheHost puts files on a FAT32 image with the
// host's mtools, boots clk with it as a virtio disk on pc and q35, and
// checks both ways: clk reads what the host wrote (a file over 4 MiB
// included, by sha256), writes files through the shell and through a
// ring-3 program using package os, which the host then reads with the
// same sha256; the volume passes fsck.fat -n; and after a reboot clk
// still finds its files.
func TestKernelSharesADiskWithTheHost(t *testing.T) {
	mkfs, fsck := dosfstool(t, "mkfs.fat"), dosfstool(t, "fsck.fat")
	mcopy, mtype, mmd := dosfstool(t, "mcopy"), dosfstool(t, "mtype"), dosfstool(t, "mmd")
	for _, machine := range []string{"pc", "q35"} {
		t.Run(machine, func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "disk.img")
			host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288") // 512 MiB: FAT32 needs 65,525 clusters
			big := make([]byte, 5<<20+12345)
			rand.NewChaCha8([32]byte{1}).Read(big)
			for name, data := range map[string][]byte{"hello.txt": []byte("hello from the host\n"), "big.bin": big} {
				local := filepath.Join(dir, name)
				if err := os.WriteFile(local, data, 0o644); err != nil {
					t.Fatal(err)
				}
				host(t, mcopy, "-i", img, local, "::/"+name)
			}
			host(t, mmd, "-i", img, "::/Host Directory")
			host(t, mcopy, "-i", img, filepath.Join(dir, "hello.txt"), "::/Host Directory/A long name, with spaces.txt")

			m := diskBoot(t, machine, img)
			if got := command(t, m, "cat /disk/hello.txt", diskLimits); got != "hello from the host\n" {
				t.Errorf("cat of the host's file: %q", got)
			}
			if got := command(t, m, "cat '/disk/host directory/a long name, with spaces.txt'", diskLimits); got != "hello from the host\n" {
				t.Errorf("cat of the host's long name: %q", got)
			}
			if got := command(t, m, "sha256sum /disk/big.bin", diskLimits); !strings.HasPrefix(got, sha(big)+"  ") {
				t.Errorf("sha256sum of the host's %d bytes: %q, want %s", len(big), got, sha(big))
			}
			command(t, m, "echo written by the shell > /disk/shell.txt", diskLimits)
			command(t, m, "echo and appended >> /disk/shell.txt", diskLimits)
			command(t, m, "mkdir -p /disk/clk/made/here", diskLimits)
			command(t, m, "cp /disk/big.bin /disk/clk/made/here/copy.bin", diskLimits)
			wrote := command(t, m, "run diskcheck write /disk/clk/stream.bin 4500000", diskLimits)
			streamSum := regexp.MustCompile(`sha256 ([0-9a-f]{64})`).FindStringSubmatch(wrote)
			if streamSum == nil {
				t.Fatalf("diskcheck write: %q", wrote)
			}
			if got := command(t, m, "run diskcheck ops /disk/ops", diskLimits); !strings.Contains(got, "diskcheck: ops passed") {
				t.Errorf("diskcheck ops: %q", got)
			}
			if got := command(t, m, "run diskcheck nofs", diskLimits); !strings.Contains(got, "without the file system: /disk does not exist") {
				t.Errorf("a program without the file system's channel: %q", got)
			}
			// A program copied onto the disk runs from there.
			command(t, m, "cp /bin/hello /disk/clk/hi", diskLimits)
			if got := command(t, m, "run /disk/clk/hi from-disk", diskLimits); !strings.Contains(got, "hello from ring 3") || !strings.Contains(got, "from-disk") {
				t.Errorf("run of a program on the disk: %q", got)
			}
			if got := command(t, m, "df", diskLimits); !regexp.MustCompile(`/disk\s+fat32\s+[0-9]+\s+[0-9]+\s+[0-9]+\s+[0-9]+%\s+rw`).MatchString(got) {
				t.Errorf("df: %q", got)
			}
			powerOff(t, m)

			if out, err := exec.Command(fsck, "-n", img).CombinedOutput(); err != nil {
				t.Errorf("fsck.fat -n after clk wrote: %v\n%s", err, out)
			}
			if got := host(t, mtype, "-i", img, "::/shell.txt"); string(got) != "written by the shell\nand appended\n" {
				t.Errorf("the host reads shell.txt as %q", got)
			}
			if got := host(t, mtype, "-i", img, "::/clk/made/here/copy.bin"); !bytes.Equal(got, big) {
				t.Errorf("the host reads clk's copy as %d bytes, sha256 %s; want %d, %s", len(got), sha(got), len(big), sha(big))
			}
			if got := sha(host(t, mtype, "-i", img, "::/clk/stream.bin")); got != streamSum[1] {
				t.Errorf("the host reads diskcheck's file with sha256 %s, diskcheck wrote %s", got, streamSum[1])
			}

			// After a reboot, clk finds what it wrote.
			m = diskBoot(t, machine, img)
			if got := command(t, m, "sha256sum /disk/clk/stream.bin", diskLimits); !strings.HasPrefix(got, streamSum[1]) {
				t.Errorf("after a reboot: %q, want %s", got, streamSum[1])
			}
			if got := command(t, m, "ls /disk/ops/sub", diskLimits); !strings.Contains(got, "b.txt") {
				t.Errorf("after a reboot, ls /disk/ops/sub: %q", got)
			}
			powerOff(t, m)
		})
	}
}

// TestKernelSurvivesItsDiskDriverKilledMidWrite stops the block driver
// while a program writes a large file: the program gets an error, the
// shell goes on, and once the driver is started again the file system
// service mounts the volume anew and reads it; after the power-off the
// volume passes fsck.fat -n.
func TestKernelSurvivesItsDiskDriverKilledMidWrite(t *testing.T) {
	mkfs, fsck := dosfstool(t, "mkfs.fat"), dosfstool(t, "fsck.fat")
	mcopy := dosfstool(t, "mcopy")
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	hello := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(hello, []byte("still here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host(t, mcopy, "-i", img, hello, "::/hello.txt")

	m := diskBoot(t, "pc", img)
	blk := regexp.MustCompile(`(?m)^([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+1af4:1001\s.*virtio-blk\s+[0-9]+$`).FindStringSubmatch(command(t, m, "lspci", diskLimits))
	if blk == nil {
		t.Fatal("lspci shows no virtio-blk driver")
	}
	command(t, m, "run diskcheck write /disk/victim.bin 100000000 &", diskLimits)
	// Let the write get going, then take the disk away under it.
	for try := 0; !strings.Contains(command(t, m, "ls /disk", diskLimits), "victim.bin"); try++ {
		if try == 120 {
			t.Fatal("the writer did not start")
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(time.Second)
	command(t, m, "driver stop "+blk[1], diskLimits)
	// The writer's error and its end come when they come, between
	// prompts: look for them in the whole console.
	told := regexp.MustCompile(`diskcheck: (write|close) /disk/victim\.bin: [^\n]*(input/output error|read-only)`)
	ended := regexp.MustCompile(`run: diskcheck \(pid [0-9]+\): exit status 1`)
	for start := time.Now(); !told.MatchString(m.Console()) || !ended.MatchString(m.Console()); {
		if time.Since(start) > diskLimits.command {
			t.Fatal("the writer was not told the disk failed, or did not end")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := command(t, m, "echo alive", diskLimits); !regexp.MustCompile(`(?m)^alive$`).MatchString(got) {
		t.Errorf("after the driver stopped, echo: %q", got)
	}
	command(t, m, "driver start "+blk[1], diskLimits)
	mounts := regexp.MustCompile(`fatfs: mounted "CLK"`)
	for try := 0; len(mounts.FindAllString(command(t, m, "dmesg", diskLimits), -1)) < 2; try++ {
		if try == 120 {
			t.Fatal("the file system service did not mount the disk again")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if got := command(t, m, "cat /disk/hello.txt", diskLimits); got != "still here\n" {
		t.Errorf("after the restart, cat: %q", got)
	}
	command(t, m, "echo after the restart > /disk/after.txt", diskLimits)
	powerOff(t, m)
	if out, err := exec.Command(fsck, "-n", img).CombinedOutput(); err != nil {
		t.Errorf("fsck.fat -n after the driver was killed mid-write: %v\n%s", err, out)
	}
}
