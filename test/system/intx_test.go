package system

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// TestKernelDrivesDevicesThroughINTx takes MSI-X away from the virtio
// devices (vectors=0), on pc and on q35 with the entropy device behind a
// PCI Express root port, so that their drivers fall back to INTx: a
// level-triggered I/O APIC line that the interrupt entry masks and the
// kernel unmasks when the driver takes the interrupt. The entropy driver
// must feed the pool and the disk must carry megabytes both ways, which
// takes thousands of interrupts: a line left masked would hang the
// driver, one never masked would storm the CPU. The disk driver is then
// stopped and started again, which frees the line and routes it anew.
func TestKernelDrivesDevicesThroughINTx(t *testing.T) {
	mkfs, fsck := dosfstool(t, "mkfs.fat"), dosfstool(t, "fsck.fat")
	mcopy := dosfstool(t, "mcopy")
	cases := []struct {
		machine string
		rng     []string
	}{
		{"pc", []string{"-device", "virtio-rng-pci,vectors=0"}},
		{"q35", []string{
			"-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1",
			"-device", "virtio-rng-pci,bus=rp1,vectors=0",
		}},
	}
	for _, c := range cases {
		t.Run(c.machine, func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "disk.img")
			host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
			data := make([]byte, 2<<20+777)
			rand.NewChaCha8([32]byte{7}).Read(data)
			local := filepath.Join(dir, "data.bin")
			if err := os.WriteFile(local, data, 0o644); err != nil {
				t.Fatal(err)
			}
			host(t, mcopy, "-i", img, local, "::/data.bin")

			elf := artefact(t, "CLK_SYSTEST_ELF")
			initrd := artefact(t, "CLK_SYSTEST_INITRD")
			boot := qemu.PVH(c.machine, elf)
			boot.Args = append(boot.Args, "-initrd", initrd)
			devs, err := qemu.Devices{Disk: img, NoMSIX: true}.Args()
			if err != nil {
				t.Fatal(err)
			}
			m := startMachineWith(t, boot, diskLimits, qemu.Options{Args: append(devs, c.rng...), CPUs: 2})
			if _, err := m.Expect(qemu.Prompt, diskLimits.boot); err != nil {
				t.Fatalf("boot: %v", err)
			}
			waitLog(t, m, regexp.MustCompile(`fatfs: mounted "CLK", [0-9]+ MiB`), "the file system service did not mount the disk")
			waitLog(t, m, regexp.MustCompile(`virtio-rng: [0-9a-f:.]+: fed the kernel's pool [0-9]+ bytes`), "the entropy driver did not feed the pool")

			fns := parseLspci(t, command(t, m, "lspci -v", diskLimits))
			var disk string
			for _, f := range fns {
				if f.driver != "virtio-rng" && f.driver != "virtio-blk" {
					continue
				}
				details := strings.Join(f.details, "\n")
				if strings.Contains(details, "MSI-X") || !strings.Contains(details, "interrupt: pin INTA") {
					t.Errorf("%s (%s): want INTA and no MSI-X:\n%s", f.addr, f.driver, details)
				}
				if f.driver == "virtio-blk" {
					disk = f.addr
				}
			}
			if disk == "" {
				t.Fatalf("no virtio-blk driver bound:\n%+v", fns)
			}

			sum := sha(data)
			if got := command(t, m, "sha256sum /disk/data.bin", diskLimits); !strings.HasPrefix(got, sum+"  ") {
				t.Errorf("sha256sum of the host's file: %q, want %s", got, sum)
			}
			command(t, m, "cp /disk/data.bin /disk/copy.bin", diskLimits)

			// A new driver process gets the line again once the first
			// one's device handle is gone.
			command(t, m, "driver stop "+disk, diskLimits)
			command(t, m, "driver start "+disk, diskLimits)
			waitLogN(t, m, regexp.MustCompile(`fatfs: mounted "CLK"`), 2, "the file system service did not come back after the driver restarted")
			if got := command(t, m, "sha256sum /disk/copy.bin", diskLimits); !strings.HasPrefix(got, sum+"  ") {
				t.Errorf("sha256sum of the copy after the driver restarted: %q, want %s", got, sum)
			}
			powerOff(t, m)
			host(t, fsck, "-n", img) // fails the test unless the volume is clean
		})
	}
}

// waitLog polls the kernel log until it matches want, for up to 30 s.
func waitLog(t *testing.T, m *qemu.Machine, want *regexp.Regexp, failure string) {
	t.Helper()
	waitLogN(t, m, want, 1, failure)
}

// waitLogN polls the kernel log until want matches n times in it, for up
// to 30 s.
func waitLogN(t *testing.T, m *qemu.Machine, want *regexp.Regexp, n int, failure string) {
	t.Helper()
	for try := 0; ; try++ {
		log := command(t, m, "dmesg", diskLimits)
		if len(want.FindAllStringIndex(log, -1)) >= n {
			return
		}
		if try == 60 {
			t.Fatalf("%s:\n%s", failure, log)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
