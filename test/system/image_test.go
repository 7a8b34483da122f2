package system

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"clk/image/diskimg"
	"clk/internal/qemu"
)

// The raw disk image (build/clk.img) booted by clk's own BIOS loader,
// image/boot: with the command line README.md gives users, word for
// word, on both PC machine types; chainloaded by GRUB; and with a kernel
// the loader must refuse.

// imageLimits allow for the loader reading about 70 MB through the BIOS
// or the IDE ports of a busy host before the kernel starts.
var imageLimits = limits{boot: 90 * time.Second, command: 10 * time.Second, shutdown: 30 * time.Second}

// imageMemMiB is the guest memory of README.md's command line.
const imageMemMiB = 2048

// readmeCommand returns README.md's command line for booting the image,
// with the image's path and extra arguments.
func readmeCommand(img string, extra ...string) []string {
	args := []string{"-m", strconv.Itoa(imageMemMiB), "-drive", "format=raw,file=" + img, "-serial", "stdio", "-display", "none"}
	return append(args, extra...)
}

func TestImageShellOnPC(t *testing.T) {
	imageSession(t, "raw image, -M pc", readmeCommand(artefact(t, "CLK_SYSTEST_IMG")))
}

func TestImageShellOnQ35(t *testing.T) {
	imageSession(t, "raw image, -M q35", readmeCommand(artefact(t, "CLK_SYSTEST_IMG"), "-M", "q35"))
}

func TestImageShellWithSnapshot(t *testing.T) {
	imageSession(t, "raw image, -snapshot", readmeCommand(artefact(t, "CLK_SYSTEST_IMG"), "-snapshot"))
}

// imageSession boots QEMU with exactly args and wants the loader's line,
// the kernel's prompt, the guest's whole memory, the initrd's files, and
// an ACPI power-off at shutdown.
func imageSession(t *testing.T, name string, args []string) {
	l := imageLimits
	m, err := qemu.StartArgs(context.Background(), name, args, l.boot+5*l.command+l.shutdown)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Kill()
		if t.Failed() {
			t.Logf("console of %s:\n%s\nQEMU stderr:\n%s", name, m.Console(), m.Stderr())
		}
	})
	if _, err := m.Expect("clk boot: loading", l.boot); err != nil {
		t.Fatalf("loader: %v", err)
	}
	if _, err := m.Expect(qemu.Prompt, l.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	t.Logf("%s: first prompt after %v", name, time.Since(m.Started()).Round(time.Millisecond))
	if !strings.Contains(m.Console(), "booted by multiboot2") {
		t.Errorf("the kernel does not say it was booted by a Multiboot2 loader")
	}
	reply := command(t, m, "mem", l)
	if mm := memReply.FindStringSubmatch(reply); mm == nil {
		t.Errorf("mem: %q", reply)
	} else if total, _ := strconv.Atoi(mm[1]); total > imageMemMiB || total < imageMemMiB-64 {
		t.Errorf("mem: %d MiB total on a guest of %d MiB: the loader's memory map is wrong", total, imageMemMiB)
	}
	if got := command(t, m, "cat /etc/motd | head -n 1", l); !regexp.MustCompile(`^Welcome to clk[^\n]*\n$`).MatchString(got) {
		t.Errorf("cat /etc/motd (the initrd the loader placed): %q", got)
	}
	if err := m.Send("shutdown\r"); err != nil {
		t.Fatal(err)
	}
	if status, err := m.Wait(l.shutdown); err != nil || status != 0 {
		t.Errorf("shutdown: QEMU exit status %d, %v; want 0, an ACPI power-off", status, err)
	}
}

// chainloadConfig makes GRUB chainload the first sector of the image's
// boot partition, as GRUB does another system's boot loader.
const chainloadConfig = `serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "clk image" {
	insmod part_msdos
	insmod chain
	set root=(hd0,msdos1)
	chainloader +1
	boot
}
`

// TestImageChainloadedByGRUB boots GRUB from a CD, which chainloads the
// boot partition of a copy of the image whose master boot record only
// halts: the loader must work from the partition's first sector alone.
func TestImageChainloadedByGRUB(t *testing.T) {
	img := artefact(t, "CLK_SYSTEST_IMG")
	kernel, err := os.ReadFile(artefact(t, "CLK_SYSTEST_ELF"))
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := os.ReadFile(artefact(t, "CLK_SYSTEST_INITRD"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("grub-mkrescue"); err != nil {
		t.Skip("grub-mkrescue is not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	stage1, stage2 := loaderOf(t, img)
	copyImg := filepath.Join(dir, "clk.img")
	writeImage(t, copyImg, diskimg.Config{Stage1: stage1, Stage2: stage2, Kernel: kernel, Initrd: initrd, DataMiB: 40})
	f, err := os.OpenFile(copyImg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// cli; hlt; jmp back to the hlt: the BIOS cannot boot this disk.
	_, err = f.WriteAt([]byte{0xfa, 0xf4, 0xeb, 0xfd}, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(tree, "boot/grub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "boot/grub/grub.cfg"), []byte(chainloadConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	iso := filepath.Join(dir, "grub.iso")
	if out, err := exec.Command("grub-mkrescue", "-o", iso, tree).CombinedOutput(); err != nil {
		t.Fatalf("grub-mkrescue: %v\n%s", err, out)
	}
	b := qemu.Boot{Name: "raw image chainloaded by GRUB, -M pc", Machine: "pc", Args: []string{
		"-drive", "format=raw,file=" + copyImg, "-cdrom", iso, "-boot", "d",
	}}
	m := startMachineWith(t, b, imageLimits, qemu.Options{Args: []string{"-m", strconv.Itoa(imageMemMiB)}})
	if _, err := m.Expect("clk boot: loading", imageLimits.boot); err != nil {
		t.Fatalf("loader: %v", err)
	}
	if _, err := m.Expect(qemu.Prompt, imageLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	if got := command(t, m, "cat /etc/motd | head -n 1", imageLimits); !strings.HasPrefix(got, "Welcome to clk") {
		t.Errorf("cat /etc/motd: %q", got)
	}
}

// TestImageLoaderErrorsHalt builds images the loader must refuse, with
// the loader taken from CLK_SYSTEST_IMG: bad kernels, a CPU without long
// mode, and a disk that ends inside the kernel, read through the ATA
// ports (pc) and through the BIOS (q35). Each must print its message and
// leave the CPU halted, the kernel never started.
func TestImageLoaderErrorsHalt(t *testing.T) {
	img := artefact(t, "CLK_SYSTEST_IMG")
	kernel, err := os.ReadFile(artefact(t, "CLK_SYSTEST_ELF"))
	if err != nil {
		t.Fatal(err)
	}
	stage1, stage2 := loaderOf(t, img)
	const readError = "clk boot: disk read error loading the kernel or the initrd; halted"
	for _, c := range []struct {
		name    string
		kernel  []byte
		cut     bool   // the disk ends halfway through the kernel
		machine string // pc or q35
		cpu     string // QEMU's -cpu; empty means the harness's
		want    string
	}{
		{"no ELF magic", append([]byte("\x7fELG"), kernel[4:]...), false, "pc", "", "clk boot: bad kernel ELF: no ELF magic; halted"},
		{"cut short", kernel[:len(kernel)/2], false, "pc", "", "clk boot: bad kernel ELF: a segment lies outside the file"},
		{"32-bit", append(append([]byte{}, kernel[:4]...), append([]byte{1}, kernel[5:]...)...), false, "pc", "", "clk boot: bad kernel ELF: not a little-endian x86-64 executable; halted"},
		{"no long mode", kernel, false, "pc", "qemu32", "clk boot: this CPU has no long mode (x86-64): clk cannot run on it; halted"},
		{"disk too short through ATA", kernel, true, "pc", "", readError},
		{"disk too short through the BIOS", kernel, true, "q35", "", readError},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.img")
			l := writeImage(t, bad, diskimg.Config{Stage1: stage1, Stage2: stage2, Kernel: c.kernel, DataMiB: 40})
			if c.cut {
				if err := os.Truncate(bad, (int64(l.Kernel.LBA)+int64(l.Kernel.Sectors)/2)*diskimg.SectorSize); err != nil {
					t.Fatal(err)
				}
			}
			var extra []string
			if c.cpu != "" {
				extra = []string{"-cpu", c.cpu} // after the harness's -cpu max, so it wins
			}
			sock := qmpSocket(t)
			m, err := qemu.Start(context.Background(), qemu.RawImage(c.machine, bad),
				qemu.Options{QMP: sock, Timeout: imageLimits.boot, Args: extra})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Kill()
			if _, err := m.Expect(c.want, imageLimits.boot); err != nil {
				t.Fatalf("%v\nconsole:\n%s\nQEMU stderr:\n%s", err, m.Console(), m.Stderr())
			}
			q, err := qemu.DialQMP(sock, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			// The message's last bytes go out just before the HLT: a
			// sample may catch the CPU on its way there, but not twenty.
			var cpus []qemu.CPU
			for sample := 1; ; sample++ {
				if cpus, err = pausedCPUs(q); err != nil {
					t.Fatal(err)
				}
				if len(cpus) == 1 && cpus[0].Halted {
					break
				}
				if sample == 20 {
					t.Fatalf("after the message the CPU should be halted: %+v", cpus)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if strings.Contains(m.Console(), "clk 0.1") || strings.Contains(m.Console(), qemu.Prompt) {
				t.Errorf("the kernel started after the loader refused it:\n%s", m.Console())
			}
		})
	}
}

// loaderOf returns the boot loader's two stages as image img holds them:
// the master boot record and the sectors its disk address packet names.
func loaderOf(t *testing.T, img string) (stage1, stage2 []byte) {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stage1 = make([]byte, diskimg.SectorSize)
	if _, err := f.ReadAt(stage1, 0); err != nil {
		t.Fatal(err)
	}
	const dap = 0x1a8 // image/boot/stage1.asm
	count := binary.LittleEndian.Uint16(stage1[dap+2:])
	lba := binary.LittleEndian.Uint64(stage1[dap+8:])
	stage2 = make([]byte, int(count)*diskimg.SectorSize)
	if _, err := f.ReadAt(stage2, int64(lba)*diskimg.SectorSize); err != nil {
		t.Fatal(err)
	}
	return stage1, stage2
}

// writeImage writes the image of c to path and returns its layout.
func writeImage(t *testing.T, path string, c diskimg.Config) diskimg.Layout {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := diskimg.Write(f, c)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestImageDataPartitionIsDiskOverVirtio boots a copy of the image
// attached as a virtio disk, by its own loader: the file system service
// finds the FAT32 data partition behind the partition table and mounts it
// at /disk, where the shell makes a directory that the host then finds at
// the partition's offset with mtools.
func TestImageDataPartitionIsDiskOverVirtio(t *testing.T) {
	img := artefact(t, "CLK_SYSTEST_IMG")
	kernel, err := os.ReadFile(artefact(t, "CLK_SYSTEST_ELF"))
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := os.ReadFile(artefact(t, "CLK_SYSTEST_INITRD"))
	if err != nil {
		t.Fatal(err)
	}
	mdir := dosfstool(t, "mdir")
	stage1, stage2 := loaderOf(t, img)
	copyImg := filepath.Join(t.TempDir(), "clk.img")
	l := writeImage(t, copyImg, diskimg.Config{Stage1: stage1, Stage2: stage2, Kernel: kernel, Initrd: initrd, DataMiB: 40})
	b := qemu.Boot{Name: "raw image as a virtio disk, -M pc", Machine: "pc", Args: []string{"-drive", "if=virtio,format=raw,file=" + copyImg}}
	m := startMachineWith(t, b, imageLimits, qemu.Options{Args: []string{"-m", strconv.Itoa(imageMemMiB)}})
	if _, err := m.Expect("clk boot: loading", imageLimits.boot); err != nil {
		t.Fatalf("loader: %v", err)
	}
	if _, err := m.Expect(qemu.Prompt, imageLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	waitForLog(t, m, regexp.MustCompile(`fatfs: the volume is partition 2(.|\n)*fatfs: mounted "CLK"`), "the file system service did not mount partition 2")
	command(t, m, "mkdir /disk/fromclk", diskLimits)
	if got := command(t, m, "ls /disk", diskLimits); !strings.Contains(got, "fromclk") {
		t.Fatalf("ls /disk after mkdir: %q", got)
	}
	powerOff(t, m)
	at := copyImg + "@@" + strconv.FormatInt(int64(l.Data.LBA)*diskimg.SectorSize, 10)
	if out := host(t, mdir, "-i", at, "::"); !strings.Contains(string(out), "fromclk") {
		t.Errorf("mdir of the data partition does not list what clk made:\n%s", out)
	}
}
