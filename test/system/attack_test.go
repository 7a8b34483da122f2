package system

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// attackLimits are for the attack session: each attack runs to a limit
// under TCG, which takes seconds to tens of seconds.
var attackLimits = limits{boot: 30 * time.Second, command: 120 * time.Second, shutdown: 30 * time.Second}

// usedMiB is the physical memory in use that mem reports.
var usedMiB = regexp.MustCompile(`physical: ([0-9]+) MiB total, ([0-9]+) MiB used`)

// TestKernelShellSurvivesAttacks runs the attack program's attacks from
// the shell on 1 and 2 CPUs: channel floods, a cycle of endpoints in
// flight, spawn and thread storms, touching more memory than allowed, a
// huge sparse unmap, every device call without a device handle, and a
// sleep that is killed. After each the attacker met a clean refusal or a
// kill report naming the limit, the shell answers, ps lists no attack
// process, and mem shows the memory in use back within 1% of what it was
// before.
func TestKernelShellSurvivesAttacks(t *testing.T) {
	initrd := os.Getenv("CLK_SYSTEST_INITRD")
	if initrd == "" {
		t.Skip("CLK_SYSTEST_INITRD is not set: it names build/initrd.cpio, which holds the programs (make test-system sets it)")
	}
	for _, cpus := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d CPUs", cpus), func(t *testing.T) {
			attackSession(t, initrd, cpus)
		})
	}
}

func attackSession(t *testing.T, initrd string, cpus int) {
	l := attackLimits
	boot := qemu.PVH("pc", artefact(t, "CLK_SYSTEST_ELF"))
	boot.Args = append(boot.Args, "-initrd", initrd)
	m := startMachineWith(t, boot, limits{boot: l.boot, command: 10 * l.command, shutdown: l.shutdown}, qemu.Options{CPUs: cpus})
	if _, err := m.Expect(qemu.Prompt, l.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	used := func() (total, used int) {
		t.Helper()
		mm := usedMiB.FindStringSubmatch(command(t, m, "mem", l))
		if mm == nil {
			t.Fatal("mem reports no memory in use")
		}
		total, _ = strconv.Atoi(mm[1])
		used, _ = strconv.Atoi(mm[2])
		return total, used
	}
	// A first program run settles what the kernel keeps for programs.
	command(t, m, "run attack cycle", l)
	total, before := used()

	// The spawn storm's children all end at once when their parent does,
	// which on 2 CPUs once hung the kernel (clkFreeSpace).
	const storm = 8
	attacks := []struct {
		line string
		want *regexp.Regexp
	}{
		{"run attack cycle", regexp.MustCompile(`attack cycle: refused after 1 with EINVAL`)},
		// The queued messages and the program's own heap share the memory
		// limit: the write that crosses it is refused, or the runtime's
		// next page is, which kills the program with the report.
		{"run -m 64M attack chanflood", regexp.MustCompile(`attack chanflood: refused after [0-9]+ with ELIMIT|process [0-9]+ \(attack\) killed: page fault: .*memory limit 67108864 reached`)},
		{fmt.Sprintf("run -c %d attack spawnstorm", storm), regexp.MustCompile(fmt.Sprintf(`attack spawnstorm: refused after %d with ELIMIT`, storm))},
		{"run -t 16 attack threadstorm", regexp.MustCompile(`attack threadstorm: refused after [0-9]+ with ELIMIT`)},
		{"run -m 32M attack touch", regexp.MustCompile(`process [0-9]+ \(attack\) killed: page fault: .*memory limit 33554432 reached`)},
		{"run attack sparseunmap", regexp.MustCompile(`attack sparseunmap: unmapped 248 GiB with 2 pages touched`)},
		{"run attack devices", regexp.MustCompile(`attack devices: refused [0-9]+ calls`)},
	}
	for _, a := range attacks {
		got := command(t, m, a.line, l)
		if !a.want.MatchString(got) {
			t.Errorf("%s: want %q in:\n%s", a.line, a.want, got)
		}
		afterAttack(t, m, l, a.line, total, before, used)
	}

	// A program asleep in the kernel ends when it is killed.
	command(t, m, "run attack sleep &", l)
	waitFor(t, m, l, "the sleeping attack in ps", func(ps string) bool { return strings.Contains(ps, " attack ") })
	command(t, m, "kill %1", l)
	afterAttack(t, m, l, "run attack sleep; kill %1", total, before, used)
}

// afterAttack checks that the shell answers, that ps lists no attack
// process, and that the memory in use comes back within 1% of before
// (the kernel returns a large process's heap in the background, so it is
// given a while).
func afterAttack(t *testing.T, m *qemu.Machine, l limits, what string, total, before int, used func() (int, int)) {
	t.Helper()
	if got := command(t, m, "echo still here", l); !strings.Contains(got, "still here") {
		t.Fatalf("after %s the shell answers %q", what, got)
	}
	waitFor(t, m, l, "no attack process in ps after "+what, func(ps string) bool { return !strings.Contains(ps, " attack ") })
	margin := max(total/100, 1)
	var now int
	for range 50 {
		if _, now = used(); now <= before+margin {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("after %s: %d MiB in use, was %d MiB (of %d)", what, now, before, total)
}

// waitFor polls ps until ok holds for its output, for up to 50 tries.
func waitFor(t *testing.T, m *qemu.Machine, l limits, what string, ok func(ps string) bool) {
	t.Helper()
	var ps string
	for range 50 {
		if ps = command(t, m, "ps", l); ok(ps) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("waiting for %s:\n%s", what, ps)
}
