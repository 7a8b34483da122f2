package system

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"clk/drivers/vga"
	"clk/internal/qemu"
)

// TestKernelShellOnScreen types on the PS/2 keyboard (through QMP) and reads
// the VGA text screen back from guest memory: the second shell of a PVH
// boot, in text mode.
func TestKernelShellOnScreen(t *testing.T) {
	sock := qmpSocket(t)
	boot := qemu.PVH("pc", artefact(t, "CLK_SYSTEST_ELF"))
	m, err := qemu.Start(t.Context(), boot, qemu.Options{Timeout: 2 * time.Minute, QMP: sock})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	if _, err := m.Expect(qemu.Prompt, directLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	q, err := qemu.DialQMP(sock, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()

	dump := filepath.Join(t.TempDir(), "vga.bin")
	screen := func() []string {
		t.Helper()
		if err := q.ReadPhys(vga.TextBase, vga.TextSize, dump); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(dump)
		if err != nil {
			t.Fatal(err)
		}
		return vga.TextOf(b)
	}
	waitFor := func(row string) []string {
		t.Helper()
		var rows []string
		for range 100 {
			if rows = screen(); slices.Contains(rows, row) {
				return rows
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("the screen never shows a row %q:\n%q", row, rows)
		return nil
	}
	// reply types line and returns the rows between the line and the
	// next prompt, once that prompt is on the screen.
	reply := func(line string) []string {
		t.Helper()
		if err := q.TypeText(line + "\n"); err != nil {
			t.Fatal(err)
		}
		var rows []string
		for range 100 {
			rows = screen()
			if i := slices.Index(rows, "clk> "+line); i >= 0 {
				if end := slices.Index(rows[i+1:], "clk>"); end >= 0 {
					return rows[i+1 : i+1+end]
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("the screen never shows %q answered and a new prompt:\n%q", line, rows)
		return nil
	}
	waitFor("clk>")
	if got := reply("echo on the screen | wc -w"); !slices.Equal(got, []string{"3"}) {
		t.Errorf("echo on the screen | wc -w: rows %q, want just 3", got)
	}
	if got := reply("seq 7 | tail -n 1"); !slices.Equal(got, []string{"7"}) {
		t.Errorf("seq 7 | tail -n 1: rows %q, want just 7", got)
	}
	rows := screen()
	stats, err := m.Command("stats", directLimits.command)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`keyboard, ISA IRQ 1\)\s+[1-9]`).MatchString(stats) {
		t.Errorf("stats shows no interrupt from the keyboard: %q", stats)
	}
	t.Logf("screen:\n%s", strings.Join(rows, "\n"))
}
