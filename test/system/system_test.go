package system

import (
	"errors"
	"os"
	"regexp"
	"testing"

	"clk/internal/qemu"
)

// artefact returns the build artefact that the environment variable names,
// skipping the test when it is unset and failing it when the file is missing.
func artefact(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Skipf("%s is not set: it names the artefact to boot (make test sets it)", env)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	requireQEMU(t)
	return path
}

func TestKernelShellOverPVH(t *testing.T) {
	shellSession(t, qemu.PVH("pc", artefact(t, "CLK_SYSTEST_ELF")), directLimits)
}

// initrdFiles checks that the shell reads image/initrd: the ISO carries it
// as a multiboot2 module when make builds it (CLK_SYSTEST_INITRD is set).
func initrdFiles(t *testing.T) []func(*testing.T, *qemu.Machine, limits) {
	if os.Getenv("CLK_SYSTEST_INITRD") == "" {
		return nil
	}
	return []func(*testing.T, *qemu.Machine, limits){func(t *testing.T, m *qemu.Machine, l limits) {
		if got := command(t, m, "cat /etc/motd | head -n 1", l); !regexp.MustCompile(`^Welcome to clk[^\n]*\n$`).MatchString(got) {
			t.Errorf("cat /etc/motd: %q", got)
		}
	}}
}

func TestISOShellFromBIOS(t *testing.T) {
	shellSession(t, qemu.BIOS(artefact(t, "CLK_SYSTEST_ISO")), directLimits, initrdFiles(t)...)
}

func TestISOShellFromUEFI(t *testing.T) {
	iso := artefact(t, "CLK_SYSTEST_ISO")
	b, err := qemu.UEFI(iso, t.TempDir())
	if errors.Is(err, qemu.ErrNoOVMF) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	shellSession(t, b, uefiLimits, initrdFiles(t)...)
}
