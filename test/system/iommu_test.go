package system

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// probeTarget and probeSize are where programs/dmaprobe has the device
// write: the start of the kernel's image.
const (
	probeTarget = 0x100000
	probeSize   = 64
)

// TestIOMMUConfinesDeviceDMA boots q35 with QEMU's VT-d unit
// (intel-iommu, which must come before the PCI devices it translates
// for) and virtio devices whose DMA goes through it (iommu_platform=on,
// which only a modern-only device, disable-legacy=on, may have). The
// kernel must turn DMA remapping on; the entropy driver must still feed
// the pool and the disk driver read a host-written file with the right
// sha256, their DMA mapped for them. Then the entropy device's driver is
// replaced by programs/dmaprobe, which points the device at the kernel's
// code: the kernel must log the blocked write, the code must be
// unchanged when read through QEMU's monitor, and the shell must go on.
// (QEMU's virtio device completes the request all the same: its write
// goes through a bounce buffer whose copy to memory the IOMMU blocks.)
func TestIOMMUConfinesDeviceDMA(t *testing.T) {
	mkfs, mcopy := dosfstool(t, "mkfs.fat"), dosfstool(t, "mcopy")
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288") // 512 MiB: FAT32 needs 65,525 clusters
	data := make([]byte, 3<<20+777)
	rand.NewChaCha8([32]byte{7}).Read(data)
	local := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	host(t, mcopy, "-i", img, local, "::/data.bin")

	elf := artefact(t, "CLK_SYSTEST_ELF")
	initrd := artefact(t, "CLK_SYSTEST_INITRD")
	boot := qemu.PVH("q35", elf)
	boot.Args = append(boot.Args, "-initrd", initrd)
	// One vCPU: QEMU 7.2's multi-threaded TCG aborts (an rcu_read_unlock
	// assertion) when the kernel turns the unit on with two.
	sock := qmpSocket(t)
	m, err := qemu.Start(t.Context(), boot, qemu.Options{CPUs: 1, QMP: sock, Timeout: 10 * time.Minute, Args: []string{
		"-device", "intel-iommu,intremap=off",
		"-device", "virtio-rng-pci,iommu_platform=on,disable-legacy=on",
		"-drive", "file=" + strings.ReplaceAll(img, ",", ",,") + ",if=none,id=disk0,format=raw",
		"-device", "virtio-blk-pci,drive=disk0,iommu_platform=on,disable-legacy=on",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Kill()
		if t.Failed() {
			t.Logf("console:\n%s\nQEMU stderr:\n%s", m.Console(), m.Stderr())
		}
	})
	if _, err := m.Expect(qemu.Prompt, diskLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	waitLog(t, m, regexp.MustCompile(`iommu: DMA remapping on: VT-d unit at 0x[0-9a-f]+, [34]-level tables, fault interrupt on vector`), "the kernel did not turn DMA remapping on")

	fed := regexp.MustCompile(`virtio-rng: ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): fed the kernel's pool [0-9]+ bytes`)
	waitLog(t, m, fed, "the entropy driver did not feed the pool through the IOMMU")
	log := waitForLog(t, m, regexp.MustCompile(`fatfs: mounted "CLK", [0-9]+ MiB`), "the file system service did not mount the disk through the IOMMU")
	rng := fed.FindStringSubmatch(log)[1]
	if got := command(t, m, "sha256sum /disk/data.bin", diskLimits); !strings.HasPrefix(got, sha(data)+"  ") {
		t.Errorf("sha256sum of the host's %d bytes through the IOMMU: %q, want %s", len(data), got, sha(data))
	}
	if log := command(t, m, "dmesg | grep iommu:", diskLimits); strings.Contains(log, "blocked") {
		t.Errorf("DMA blocked while the drivers did their work:\n%s", log)
	}

	q, err := qemu.DialQMP(sock, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	kernelCode := func() []byte {
		t.Helper()
		dump := filepath.Join(dir, "code.bin")
		if err := q.ReadPhys(probeTarget, probeSize, dump); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(dump)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := kernelCode()

	command(t, m, "driver stop "+rng, diskLimits)
	if got := command(t, m, "driver start "+rng+" dmaprobe", diskLimits); strings.Contains(got, "start") && !strings.Contains(got, "drives "+rng) {
		t.Fatalf("driver start %s dmaprobe: %q", rng, got)
	}
	waitLog(t, m, regexp.MustCompile(`iommu: `+regexp.QuoteMeta(rng)+` write at 0x100000 blocked: reason 0x[0-9a-f]+`), "the IOMMU did not report the probe's write to the kernel's code")
	waitLog(t, m, regexp.MustCompile(`dmaprobe: `+regexp.QuoteMeta(rng)+`: the device completed`), "the probe did not hear back from the device")
	if after := kernelCode(); !bytes.Equal(before, after) {
		t.Errorf("the device wrote the kernel's code at %#x: % x, was % x", probeTarget, after, before)
	}
	if got := command(t, m, "echo still here", diskLimits); got != "still here\n" {
		t.Errorf("after the blocked DMA, echo: %q", got)
	}
	// The function goes back to its own driver, which works again.
	command(t, m, "driver stop "+rng, diskLimits)
	command(t, m, "driver start "+rng, diskLimits)
	waitLogN(t, m, fed, 2, "the entropy driver did not come back after the probe")
	powerOff(t, m)
}
