package systest

import (
	"errors"
	"os"
	"testing"
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
	shellSession(t, PVH("pc", artefact(t, "CLK_SYSTEST_ELF")), directLimits)
}

func TestISOShellFromBIOS(t *testing.T) {
	shellSession(t, BIOS(artefact(t, "CLK_SYSTEST_ISO")), directLimits)
}

func TestISOShellFromUEFI(t *testing.T) {
	iso := artefact(t, "CLK_SYSTEST_ISO")
	b, err := UEFI(iso, t.TempDir())
	if errors.Is(err, ErrNoOVMF) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	shellSession(t, b, uefiLimits)
}
