//go:build !clk

package baremetal

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDivideByZeroProducesTheExceptionReport boots a kernel that divides by
// zero with DIV and does not recover. As on Linux the fault is a Go run-time
// panic; its fatal report must also name the CPU exception, show the
// registers, disassemble the faulting instruction, print the Go stack, and
// end the machine with status 2.
func TestDivideByZeroProducesTheExceptionReport(t *testing.T) {
	if os.Getenv("CLK_GOROOT") == "" {
		t.Skip("needs the clk toolchain: run through make test (CLK_GOROOT unset)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	elf := filepath.Join(t.TempDir(), "divzero.elf")
	build := exec.Command(filepath.Join(root, "scripts/clk-go"), "build", "-o", elf, "./kernel/baremetal/testdata/divzero")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := exec.Command(filepath.Join(root, "scripts/go_clk_amd64_exec"), elf)
	run.Env = append(os.Environ(), "CLK_EXEC_TIMEOUT=60")
	out, err := run.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("exit: %v, want status 2", err)
	}
	for _, want := range []string{
		`panic: runtime error: integer divide by zero`,
		`CPU exception 0 \(divide error\)`,
		`rax 0x0*1 `,
		`rip 0x[0-9a-f]+ cs 0x8 `,
		`cr2 0x[0-9a-f]+`,
		`instruction: 48 f7 f1 +div %rcx`,
		`main\.divide`,
		`goroutine 1 \[running\]`,
		`main\.main\(\)`,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}
