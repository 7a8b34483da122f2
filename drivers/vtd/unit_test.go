package vtd

import (
	"errors"
	"reflect"
	"testing"

	"clk/drivers/pci"
)

var (
	rng  = pci.Addr{Bus: 0, Device: 3, Function: 0}
	disk = pci.Addr{Bus: 0, Device: 4, Function: 0}
	far  = pci.Addr{Bus: 2, Device: 31, Function: 7}
)

// enabled returns a unit over a fake with 4-level tables, translating.
func enabled(t *testing.T) (*Unit, *fakeUnit, *fakeMemory) {
	t.Helper()
	mem := newFakeMemory()
	f := newFakeUnit(mem, capSAGAW39|capSAGAW48)
	u, err := New(f, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Enable(); err != nil {
		t.Fatal(err)
	}
	return u, f, mem
}

func mustReach(t *testing.T, f *fakeUnit, a pci.Addr, addr uint64) {
	t.Helper()
	for _, write := range []bool{false, true} {
		if phys, reason := f.dma(a, addr, write); reason != 0 || phys != addr {
			t.Fatalf("%v (write %v) at %#x: %#x, reason %#x; want it reached at the same address", a, write, addr, phys, reason)
		}
	}
}

func mustBeBlocked(t *testing.T, f *fakeUnit, a pci.Addr, addr uint64) uint8 {
	t.Helper()
	_, reason := f.dma(a, addr, true)
	if reason == 0 {
		t.Fatalf("%v wrote at %#x; want it blocked", a, addr)
	}
	return reason
}

func TestEnablingPointsTheUnitAtTheRootTableAndTurnsTranslationOn(t *testing.T) {
	u, f, _ := enabled(t)
	if got := uint64(f.regs[regRTADDR]) | uint64(f.regs[regRTADDR+4])<<32; got != u.root.phys {
		t.Errorf("RTADDR = %#x, want the root table at %#x", got, u.root.phys)
	}
	if f.regs[regGSTS]&(gcmdTE|gcmdSRTP) != gcmdTE|gcmdSRTP {
		t.Errorf("GSTS = %#x, want TES and RTPS", f.regs[regGSTS])
	}
	want := []string{"context global", "iotlb global"}
	if !reflect.DeepEqual(f.invalidated, want) {
		t.Errorf("invalidations %q, want %q", f.invalidated, want)
	}
}

func TestTheDepthOfTheTablesFollowsSAGAW(t *testing.T) {
	for sagaw, levels := range map[uint64]int{capSAGAW39: 3, capSAGAW48: 4, capSAGAW39 | capSAGAW48: 4} {
		mem := newFakeMemory()
		f := newFakeUnit(mem, sagaw)
		u, err := New(f, mem)
		if err != nil {
			t.Fatal(err)
		}
		if u.Levels() != levels {
			t.Errorf("SAGAW %#x: %d levels, want %d", sagaw, u.Levels(), levels)
		}
		if err := u.Enable(); err != nil {
			t.Fatal(err)
		}
		if err := u.Attach(rng); err != nil {
			t.Fatal(err)
		}
		if err := u.Map(rng, 0x7fff_f000, 1); err != nil {
			t.Fatal(err)
		}
		mustReach(t, f, rng, 0x7fff_f123)
		if err := u.Map(rng, 1<<(12+9*levels), 1); !errors.Is(err, ErrRange) {
			t.Errorf("SAGAW %#x: a map beyond %d bits: %v, want ErrRange", sagaw, 12+9*levels, err)
		}
	}
	mem := newFakeMemory()
	if _, err := New(newFakeUnit(mem, 1<<3), mem); !errors.Is(err, ErrUnsupported) {
		t.Errorf("a unit with 5-level tables only: %v, want ErrUnsupported", err)
	}
}

func TestAFunctionWithoutADomainReachesNothing(t *testing.T) {
	u, f, _ := enabled(t)
	if r := mustBeBlocked(t, f, rng, 0x20_0000); r != 0x1 {
		t.Errorf("reason %#x, want 0x1 (no root entry for the bus)", r)
	}
	if err := u.Attach(disk); err != nil {
		t.Fatal(err)
	}
	if r := mustBeBlocked(t, f, rng, 0x20_0000); r != 0x2 {
		t.Errorf("reason %#x, want 0x2 (no context entry)", r)
	}
}

func TestAnAttachedFunctionReachesOnlyWhatWasMappedForIt(t *testing.T) {
	u, f, _ := enabled(t)
	for _, a := range []pci.Addr{rng, disk, far} {
		if err := u.Attach(a); err != nil {
			t.Fatal(err)
		}
	}
	mustBeBlocked(t, f, rng, 0x40_0000)
	if err := u.Map(rng, 0x40_0000, 2); err != nil {
		t.Fatal(err)
	}
	if err := u.Map(far, 0x1_2345_6000, 1); err != nil {
		t.Fatal(err)
	}
	mustReach(t, f, rng, 0x40_0000)
	mustReach(t, f, rng, 0x40_1fff)
	mustReach(t, f, far, 0x1_2345_6ff8)
	for _, addr := range []uint64{0x3f_f000, 0x40_2000, 0x1_2345_6000, 0} {
		mustBeBlocked(t, f, rng, addr)
	}
	mustBeBlocked(t, f, disk, 0x40_0000)
	mustBeBlocked(t, f, far, 0x40_0000)
	if err := u.Map(rng, 0x40_1000, 1); !errors.Is(err, ErrMapped) {
		t.Errorf("mapping a page twice: %v, want ErrMapped", err)
	}
	if err := u.Map(rng, 0x40_0800, 1); !errors.Is(err, ErrRange) {
		t.Errorf("an unaligned map: %v, want ErrRange", err)
	}
}

func TestDomainsAreDistinctPerFunction(t *testing.T) {
	u, _, _ := enabled(t)
	for _, a := range []pci.Addr{rng, disk} {
		if err := u.Attach(a); err != nil {
			t.Fatal(err)
		}
	}
	if u.domains[rng].id == u.domains[disk].id || u.domains[rng].top == u.domains[disk].top {
		t.Errorf("two functions share domain %d", u.domains[rng].id)
	}
	if err := u.Attach(rng); !errors.Is(err, ErrAttached) {
		t.Errorf("attaching twice: %v, want ErrAttached", err)
	}
	if err := u.Map(far, 0x40_0000, 1); !errors.Is(err, ErrNotAttached) {
		t.Errorf("mapping for a function without a domain: %v, want ErrNotAttached", err)
	}
}

// The fake caches translations in its IOTLB as the hardware does: a page
// stays reachable after its entry is cleared until the domain is
// invalidated.
func TestUnmappedPagesAreUnreachableWhenUnmapReturns(t *testing.T) {
	u, f, _ := enabled(t)
	if err := u.Attach(rng); err != nil {
		t.Fatal(err)
	}
	if err := u.Map(rng, 0x40_0000, 4); err != nil {
		t.Fatal(err)
	}
	mustReach(t, f, rng, 0x40_1000)
	mustReach(t, f, rng, 0x40_2000)
	f.invalidated = nil
	if err := u.Unmap(rng, 0x40_1000, 2); err != nil {
		t.Fatal(err)
	}
	if want := []string{"iotlb domain 1"}; !reflect.DeepEqual(f.invalidated, want) {
		t.Errorf("invalidations %q, want %q", f.invalidated, want)
	}
	mustBeBlocked(t, f, rng, 0x40_1000)
	mustBeBlocked(t, f, rng, 0x40_2000)
	mustReach(t, f, rng, 0x40_0000)
	mustReach(t, f, rng, 0x40_3000)
}

func TestDetachBlocksTheFunctionAndFreesItsTables(t *testing.T) {
	u, f, mem := enabled(t)
	before := len(mem.pages)
	if err := u.Attach(rng); err != nil {
		t.Fatal(err)
	}
	withContext := len(mem.pages)
	if err := u.Map(rng, 0x40_0000, 3); err != nil {
		t.Fatal(err)
	}
	if err := u.Map(rng, 0x8000_0000, 1); err != nil {
		t.Fatal(err)
	}
	mustReach(t, f, rng, 0x40_0000)
	f.invalidated = nil
	if err := u.Detach(rng); err != nil {
		t.Fatal(err)
	}
	want := []string{"context device 0x18 domain 1", "iotlb domain 1"}
	if !reflect.DeepEqual(f.invalidated, want) {
		t.Errorf("invalidations %q, want %q", f.invalidated, want)
	}
	if r := mustBeBlocked(t, f, rng, 0x40_0000); r != 0x2 {
		t.Errorf("reason %#x after detach, want 0x2", r)
	}
	// The bus's context table stays; the domain's tables go.
	if got := len(mem.pages); got != withContext-1 {
		t.Errorf("%d pages after detach, want %d (root and context table)", got, withContext-1)
	}
	if withContext-1 != before+1 {
		t.Errorf("attach took %d pages, want a context table and a top table", withContext-before)
	}
	if err := u.Detach(rng); !errors.Is(err, ErrNotAttached) {
		t.Errorf("detaching twice: %v, want ErrNotAttached", err)
	}
	// The domain ID is free again.
	if err := u.Attach(disk); err != nil {
		t.Fatal(err)
	}
	if u.domains[disk].id != 1 {
		t.Errorf("domain %d, want 1 again", u.domains[disk].id)
	}
}

func TestAFailedMapLeavesNothingMapped(t *testing.T) {
	u, f, _ := enabled(t)
	if err := u.Attach(rng); err != nil {
		t.Fatal(err)
	}
	if err := u.Map(rng, 0x40_2000, 1); err != nil {
		t.Fatal(err)
	}
	if err := u.Map(rng, 0x40_0000, 4); !errors.Is(err, ErrMapped) {
		t.Fatalf("map over a mapped page: %v, want ErrMapped", err)
	}
	mustBeBlocked(t, f, rng, 0x40_0000)
	mustBeBlocked(t, f, rng, 0x40_1000)
	mustReach(t, f, rng, 0x40_2000)
	f.mem.fail = 0
	if err := u.Map(rng, 0x3fff_f000, 2); err == nil {
		t.Fatal("a map that needs a table while memory is out succeeded")
	}
	mustBeBlocked(t, f, rng, 0x3fff_f000)
}

func TestCachingModeInvalidatesAfterMap(t *testing.T) {
	mem := newFakeMemory()
	f := newFakeUnit(mem, capSAGAW48)
	f.cm = true
	f.regs[regCAP] |= capCM
	u, err := New(f, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Enable(); err != nil {
		t.Fatal(err)
	}
	mustBeBlocked(t, f, rng, 0x40_0000) // caches rng's absent context
	if err := u.Attach(rng); err != nil {
		t.Fatal(err)
	}
	f.invalidated = nil
	if err := u.Map(rng, 0x40_0000, 1); err != nil {
		t.Fatal(err)
	}
	if want := []string{"iotlb domain 1"}; !reflect.DeepEqual(f.invalidated, want) {
		t.Errorf("invalidations %q, want %q", f.invalidated, want)
	}
	mustReach(t, f, rng, 0x40_0000)
}

func TestFaultsAreReportedOnceAndCleared(t *testing.T) {
	u, f, _ := enabled(t)
	if got := u.Faults(); len(got) != 0 {
		t.Fatalf("faults before any DMA: %v", got)
	}
	if err := u.Attach(rng); err != nil {
		t.Fatal(err)
	}
	f.dma(rng, 0x10_0123, true)
	f.dma(disk, 0x5000, false) // overflows the one record
	got := u.Faults()
	want := []Fault{{Source: rng, Addr: 0x10_0000, Reason: 0x5, Write: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("faults %+v, want %+v", got, want)
	}
	if f.regs[fakeFRO+12]&(1<<31) != 0 || f.regs[regFSTS]&fstsPFO != 0 {
		t.Errorf("the record (%#x) or the overflow (FSTS %#x) is still set", f.regs[fakeFRO+12], f.regs[regFSTS])
	}
	if got := u.Faults(); len(got) != 0 {
		t.Errorf("faults reported twice: %v", got)
	}
	f.dma(far, 0x9000, false)
	got = u.Faults()
	want = []Fault{{Source: far, Addr: 0x9000, Reason: 0x1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("faults %+v, want %+v", got, want)
	}
	if s := got[0].String(); s != "02:1f.7 read at 0x9000 blocked: reason 0x1 (root entry not present)" {
		t.Errorf("fault reads %q", s)
	}
}

func TestTheFaultInterruptIsProgrammedAndUnmasked(t *testing.T) {
	u, f, _ := enabled(t)
	u.SetFaultInterrupt(0xfee0_1000, 0x41)
	if f.regs[regFEDATA] != 0x41 || f.regs[regFEADDR] != 0xfee0_1000 || f.regs[regFEUADR] != 0 {
		t.Errorf("FEDATA %#x FEADDR %#x FEUADDR %#x", f.regs[regFEDATA], f.regs[regFEADDR], f.regs[regFEUADR])
	}
	if f.regs[regFECTL]&fectlIM != 0 {
		t.Errorf("FECTL %#x: still masked", f.regs[regFECTL])
	}
}
