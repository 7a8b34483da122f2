package proc

import (
	"strings"
	"testing"

	"clk/abi"
	"clk/kernel/limit"
)

// parked is a last step that records the status of the syscall before it
// and keeps the thread in ring 3 for good.
func parked(status *abi.Errno, seen chan<- struct{}) step {
	return step{
		see: func(r Regs) {
			*status = abi.Errno(r.RAX)
			close(seen)
		},
		after: make(chan struct{}),
	}
}

func TestAThreadStormMeetsTheThreadLimit(t *testing.T) {
	var status abi.Errno
	seen := make(chan struct{})
	s, m := newSystem(t, func(n int, regs Regs) []step {
		if n > 0 {
			return nil
		}
		return []step{
			sys(abi.SysThreadCreate, entryVA, abi.UserTop-abi.PageSize),
			sys(abi.SysThreadCreate, entryVA, abi.UserTop-2*abi.PageSize),
			sys(abi.SysThreadCreate, entryVA, abi.UserTop-3*abi.PageSize),
			parked(&status, seen),
		}
	})
	p := spawn(t, s, SpawnOptions{Limits: limit.Limits{Threads: 3}})
	waitUntil(t, "the third thread_create returned", func() bool { return closed(seen) })
	if status != abi.ELIMIT || p.Info().Threads != 3 {
		t.Errorf("third thread_create: %v with %d threads; want ELIMIT with 3", status, p.Info().Threads)
	}
	p.Kill("test")
	waitEnd(t, p)
	if n := p.account.Used(limit.Threads); n != 0 {
		t.Errorf("%d threads still counted after the end", n)
	}
	checkFreed(t, s, m)
}

func TestTouchingPastTheMemoryLimitKillsWithAReportNamingIt(t *testing.T) {
	const region = 1 << 20
	s, m := newSystem(t, func(n int, regs Regs) []step {
		steps := []step{sys(abi.SysVMMap, AnonBase, region, abi.ProtRead|abi.ProtWrite)}
		for va := uint64(AnonBase); va < AnonBase+region; va += abi.PageSize {
			steps = append(steps, fault(entryVA, va, AccessWrite))
		}
		return append(steps, exitStep(0))
	})
	out := &syncBuffer{}
	p := spawn(t, s, SpawnOptions{Console: out, Limits: limit.Limits{Memory: 256 << 10}})
	code, report := waitEnd(t, p)
	if code != killedStatus || !strings.Contains(report, "memory limit 262144 reached") {
		t.Fatalf("touching 1 MiB under a 256 KiB limit: status %d, report %q", code, report)
	}
	if !strings.Contains(out.String(), "memory limit") {
		t.Errorf("the console did not get the report: %q", out.String())
	}
	if n := p.account.Used(limit.Memory); n != 0 {
		t.Errorf("%d bytes still charged after the end", n)
	}
	if peak := p.account.PeakMemory(); peak > 256<<10 || peak < 200<<10 {
		t.Errorf("peak memory %d, want just under the 256 KiB limit", peak)
	}
	checkFreed(t, s, m)
}

func TestASpawnStormMeetsTheChildLimitAndChildrenCountAgainstTheParent(t *testing.T) {
	var status abi.Errno
	seen := make(chan struct{})
	s, m := newSystem(t, func(n int, regs Regs) []step {
		if n > 0 {
			return nil // the children compute for ever
		}
		return []step{spawnStep(), spawnStep(), spawnStep(), parked(&status, seen)}
	})
	p := spawn(t, s, SpawnOptions{Limits: limit.Limits{Children: 2}})
	waitUntil(t, "the third process_spawn returned", func() bool { return closed(seen) })
	if status != abi.ELIMIT || len(s.List()) != 3 {
		t.Fatalf("third spawn: %v with %d processes; want ELIMIT with 3", status, len(s.List()))
	}
	// Each child's threads and pages count against the parent too.
	if got, own := p.account.Used(limit.Threads), int64(p.Info().Threads); got != own+2 {
		t.Errorf("the parent counts %d threads, want its %d and one per child", got, own)
	}
	p.KillTree("test")
	for _, q := range s.List() {
		waitEnd(t, q)
	}
	waitEnd(t, p)
	for _, r := range []limit.Resource{limit.Memory, limit.Threads, limit.Children} {
		if n := p.account.Used(r); n != 0 {
			t.Errorf("%v: %d still counted after the tree ended", r, n)
		}
	}
	checkFreed(t, s, m)
}
