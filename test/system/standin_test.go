package system

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"clk/internal/qemu"
)

// The tests in this file check the harness itself, and through it the QEMU
// command lines and image/grub.cfg, against testdata/fakekernel.S: a stand-in
// with the same entry notes as clk and a shell with the same commands.

func requireQEMU(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(qemu.Binary()); err != nil {
		t.Skipf("%s not found (scripts/deps.sh installs it)", qemu.Binary())
	}
}

func requireCommands(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("%s not found (scripts/deps.sh installs it)", name)
		}
	}
}

// standIn assembles testdata/fakekernel.S into an ELF in a temporary
// directory and returns its path.
func standIn(t *testing.T) string {
	t.Helper()
	requireQEMU(t)
	requireCommands(t, "as", "ld")
	dir := t.TempDir()
	obj := filepath.Join(dir, "fakekernel.o")
	elf := filepath.Join(dir, "fake.elf")
	run(t, "as", "--64", "-o", obj, "testdata/fakekernel.S")
	run(t, "ld", "-m", "elf_x86_64", "-nostdlib", "-static", "--build-id=none",
		"-z", "max-page-size=0x1000", "-T", "testdata/fakekernel.ld", "-o", elf, obj)
	return elf
}

// standInISO puts the stand-in into an ISO with image/mkiso.sh, as make iso
// does with the kernel.
func standInISO(t *testing.T, elf string) string {
	t.Helper()
	requireCommands(t, "grub-mkrescue", "xorriso", "mformat")
	iso := filepath.Join(t.TempDir(), "fake.iso")
	run(t, "../../image/mkiso.sh", elf, iso)
	return iso
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// standInOff is the stand-in's exit after shutdown: isa-debug-exit with
// status 0, which QEMU reports as 1.
func standInOff(l limits) limits {
	l.offStatus = 1
	return l
}

func TestHarnessPassesStandInSession(t *testing.T) {
	elf := standIn(t)
	t.Run("pvh-pc", func(t *testing.T) {
		shellSession(t, qemu.PVH("pc", elf), standInOff(directLimits))
	})
	t.Run("pvh-microvm", func(t *testing.T) {
		shellSession(t, qemu.PVH(qemu.MicrovmMachine, elf), standInOff(directLimits))
	})
	t.Run("iso-bios", func(t *testing.T) {
		shellSession(t, qemu.BIOS(standInISO(t, elf)), standInOff(directLimits))
	})
	t.Run("iso-uefi", func(t *testing.T) {
		if testing.Short() {
			t.Skip("a UEFI boot takes many seconds under TCG")
		}
		b, err := qemu.UEFI(standInISO(t, elf), t.TempDir())
		if errors.Is(err, qemu.ErrNoOVMF) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		shellSession(t, b, standInOff(uefiLimits))
	})
}
