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
	out := bootCrash(t, "divzero", 2)
	expectLines(t, out,
		`panic: runtime error: integer divide by zero`,
		`CPU exception 0 \(divide error\)`,
		`rax 0x0*1 `,
		`rip 0x[0-9a-f]+ cs 0x8 `,
		`cr2 0x[0-9a-f]+`,
		`instruction: 48 f7 f1 +div %rcx`,
		`main\.divide`,
		`goroutine 1 \[running\]`,
		`main\.main\(\)`,
	)
}

// TestStackOverflowIsGosFatalError boots a kernel whose goroutine recurses
// without end. As on Linux, the runtime must refuse to grow the stack past
// its limit with Go's own fatal error and end with status 2; a guard page
// hit, a triple fault or a hang would be wrong.
func TestStackOverflowIsGosFatalError(t *testing.T) {
	out := bootCrash(t, "stackoverflow", 2)
	expectLines(t, out,
		`stackoverflow: recursing in a goroutine`,
		`runtime: goroutine stack exceeds 67108864-byte limit`,
		`fatal error: stack overflow`,
		`main\.recurse\(`,
	)
	notLines(t, out, `CPU exception`)
}

// The kernel image is mapped W^X: text read-only and executable, read-only
// data neither writable nor executable, the heap writable and not
// executable, and CR0.WP holds the kernel itself to it. Breaking that must
// fault (a protection fault on a present page) and end in the CPU exception
// report with a non-zero status, never reach the line after the access.

func TestWriteToKernelTextIsAPageFault(t *testing.T) {
	out := bootCrash(t, "protection", 2, "write-text")
	addr := faultAddress(t, out, `protection: writing to the text of main\.target at 0x([0-9a-f]+)`)
	expectLines(t, out,
		`CPU exception 14 \(page fault\) error code 0x3\b`,
		`page fault at address 0x`+addr+` \(protection, write\)`,
		`cr2 0x`+addr+`\b`,
		`rip 0x[0-9a-f]+ cs 0x8 `,
		`pc 0x[0-9a-f]+ in main\.main\+0x[0-9a-f]+`,
		`instruction: [0-9a-f ]+ +mov[a-z]* `,
		`goroutine 1 \[running\]`,
		`clk: halted`,
	)
	notLines(t, out, `the write went through`)
}

func TestWriteToReadOnlyDataIsAPageFault(t *testing.T) {
	out := bootCrash(t, "protection", 2, "write-rodata")
	addr := faultAddress(t, out, `protection: writing to a string constant at 0x([0-9a-f]+)`)
	expectLines(t, out,
		`CPU exception 14 \(page fault\) error code 0x3\b`,
		`page fault at address 0x`+addr+` \(protection, write\)`,
		`cr2 0x`+addr+`\b`,
		`instruction: [0-9a-f ]+ +mov[a-z]* `,
		`clk: halted`,
	)
	notLines(t, out, `the write went through`)
}

func TestExecutingHeapDataIsAPageFault(t *testing.T) {
	out := bootCrash(t, "protection", 2, "exec-heap")
	addr := faultAddress(t, out, `protection: calling heap data at 0x([0-9a-f]+)`)
	expectLines(t, out,
		`CPU exception 14 \(page fault\) error code 0x11\b`,
		`page fault at address 0x`+addr+` \(protection, read, instruction fetch\)`,
		`rip 0x`+addr+` cs 0x8 `,
		`cr2 0x`+addr+`\b`,
		`clk: halted`,
	)
	notLines(t, out, `the heap data ran`)
}

// faultAddress returns the hexadecimal address that the program printed
// before its faulting access, matched by the first group of pattern.
func faultAddress(t *testing.T, out []byte, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindSubmatch(out)
	if m == nil {
		t.Fatalf("output lacks %q", pattern)
	}
	return string(m[1])
}

// TestFarFaultIsFatalAsOnLinux reads an unmapped address far from nil in a
// goroutine that recovers. Go on Linux makes that a fatal error that recover
// cannot catch ("unexpected fault address", status 2): only faults below
// the first page are nil dereferences. clk must do the same.
func TestFarFaultIsFatalAsOnLinux(t *testing.T) {
	out := bootCrash(t, "farfault", 2)
	expectLines(t, out,
		`farfault: reading 0x7f5500000000`,
		`unexpected fault address 0x7f5500000000`,
		`fatal error: fault`,
		`\[signal SIGSEGV: [^\n]* addr=0x7f5500000000 pc=0x[0-9a-f]+\]`,
		`main\.main\.func1\(`,
	)
	notLines(t, out, `farfault: recovered`, `farfault: still running`)
}

// TestFarFaultPanicsWithSetPanicOnFault reads the same address after
// debug.SetPanicOnFault(true): as on Linux, the fault must be a run-time
// panic that the goroutine recovers, whose error gives the address.
func TestFarFaultPanicsWithSetPanicOnFault(t *testing.T) {
	out := bootCrash(t, "farfault", 0, "-panic")
	expectLines(t, out,
		`farfault: recovered: runtime error: invalid memory address or nil pointer dereference`,
		`farfault: fault address 0x7f5500000000`,
		`farfault: still running`,
	)
}

// bootCrash builds testdata/name for GOOS=clk, boots it with args through
// the exec wrapper, checks that it ends with status want and returns its
// output.
func bootCrash(t *testing.T, name string, want int, args ...string) []byte {
	t.Helper()
	if os.Getenv("CLK_GOROOT") == "" {
		t.Skip("needs the clk toolchain: run through make test (CLK_GOROOT unset)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	elf := filepath.Join(t.TempDir(), name+".elf")
	build := exec.Command(filepath.Join(root, "scripts/clk-go"), "build", "-o", elf, "./test/baremetal/testdata/"+name)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	run := exec.Command(filepath.Join(root, "scripts/go_clk_amd64_exec"), append([]string{elf}, args...)...)
	run.Env = append(os.Environ(), "CLK_EXEC_TIMEOUT=120")
	out, err := run.CombinedOutput()
	status := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		status = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v\n%s", name, err, out)
	}
	if status != want {
		t.Errorf("%s exited with status %d, want %d", name, status, want)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, out)
		}
	})
	return out
}

// expectLines reports each pattern that out does not match.
func expectLines(t *testing.T, out []byte, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).Match(out) {
			t.Errorf("output lacks %q", p)
		}
	}
}

// notLines reports each pattern that out matches.
func notLines(t *testing.T, out []byte, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if regexp.MustCompile(p).Match(out) {
			t.Errorf("output has %q", p)
		}
	}
}

// SMAP and SMEP: the kernel reaches user memory only through its map of
// the frames. A read of a user page through its user address, or a call
// of user code, with the user space loaded, must fault (a protection
// fault on a present page, from ring 0) and the report must say what
// happened; without SMAP the read would return the page's bytes.

func TestKernelReadOfUserAddressIsReported(t *testing.T) {
	out := bootCrash(t, "protection", 2, "read-user")
	addr := faultAddress(t, out, `protection: reading the user page at 0x([0-9a-f]+)`)
	expectLines(t, out,
		`CPU exception 14 \(page fault\) error code 0x1\b`,
		`page fault at address 0x`+addr+` \(protection, read\)`,
		`the kernel touched a user page through its user address \(SMAP/SMEP\)`,
		`clk: halted`,
	)
	notLines(t, out, `the read went through`)
}

func TestKernelCallOfUserCodeIsReported(t *testing.T) {
	out := bootCrash(t, "protection", 2, "exec-user")
	addr := faultAddress(t, out, `protection: calling the user page at 0x([0-9a-f]+)`)
	expectLines(t, out,
		`CPU exception 14 \(page fault\) error code 0x11\b`,
		`page fault at address 0x`+addr+` \(protection, read, instruction fetch\)`,
		`the kernel touched a user page through its user address \(SMAP/SMEP\)`,
		`clk: halted`,
	)
	notLines(t, out, `the user code ran`)
}
