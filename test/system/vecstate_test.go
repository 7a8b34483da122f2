package system

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// TestVectorStateStaysWithItsProcess runs three ring-3 programs at once
// (programs/vecstate), each holding its own pattern in YMM0-YMM15 for
// seconds without a syscall, on one CPU and on two: more processes than
// CPUs, so the timer tick takes each out of ring 3 many times and runs the
// others on its CPU in between. Each must find its registers as it left
// them every time: a kernel that did not save the upper halves of the YMM
// registers, or leaked one process's registers into another, would show a
// changed word.
func TestVectorStateStaysWithItsProcess(t *testing.T) {
	initrd := os.Getenv("CLK_SYSTEST_INITRD")
	if initrd == "" {
		t.Skip("CLK_SYSTEST_INITRD is not set: it names build/initrd.cpio, which holds the programs (make test-system sets it)")
	}
	const ms = 4000 // each program's run: hundreds of ticks
	seeds := []int{11, 22, 33}
	for _, cpus := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d CPUs", cpus), func(t *testing.T) {
			l := ring3Limits
			boot := qemu.PVH("pc", artefact(t, "CLK_SYSTEST_ELF"))
			boot.Args = append(boot.Args, "-initrd", initrd)
			m := startMachineWith(t, boot, l, qemu.Options{CPUs: cpus})
			if _, err := m.Expect(qemu.Prompt, l.boot); err != nil {
				t.Fatalf("boot: %v", err)
			}
			for _, s := range seeds[:len(seeds)-1] {
				command(t, m, fmt.Sprintf("run vecstate %d %d &", s, ms), l)
			}
			command(t, m, fmt.Sprintf("run vecstate %d %d", seeds[len(seeds)-1], ms), l)
			// The programs end in any order; wait for all three reports.
			var missing []int
			for end := time.Now().Add(l.command); ; time.Sleep(200 * time.Millisecond) {
				missing = missing[:0]
				for _, s := range seeds {
					kept := regexp.MustCompile(fmt.Sprintf(`vecstate %d: YMM0-YMM15 kept through [0-9]+ rounds`, s))
					if !kept.MatchString(m.Console()) {
						missing = append(missing, s)
					}
				}
				if len(missing) == 0 || time.Now().After(end) || strings.Contains(m.Console(), "changed") {
					break
				}
			}
			if len(missing) > 0 {
				t.Errorf("no report that the registers were kept from vecstate %v", missing)
			}
			console := m.Console()
			if strings.Contains(console, "changed") || strings.Contains(console, "not usable") {
				t.Errorf("a program lost its vector registers or had none:\n%s", console)
			}
		})
	}
}
