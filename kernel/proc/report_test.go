package proc

import (
	"strings"
	"testing"

	"clk/abi"
)

// crashSymbol is the function the report tests fault in.
var crashSymbol = Symbol{Name: "main.crash", Addr: textVA, Size: 0x40}

// runFault starts a process that takes trap, with crashSymbol in its
// image, and returns its exit code, its report and what its console got.
func runFault(t *testing.T, steps ...step) (code int, report, console string, p *Process) {
	t.Helper()
	start := make(chan struct{})
	steps[0].after = start
	s, m := newSystem(t, func(n int, regs Regs) []step { return steps })
	var out syncBuffer
	p = spawn(t, s, SpawnOptions{Console: &out})
	p.image.Symbols = []Symbol{crashSymbol}
	close(start)
	code, report = waitEnd(t, p)
	checkFreed(t, s, m)
	return code, report, out.String(), p
}

// TestFaultKillsWithReport checks that a fault the kernel does not
// resolve kills the process with a report naming the fault, the address
// and the function, and that the report reaches the console.
func TestFaultKillsWithReport(t *testing.T) {
	rip := uint64(textVA + 0x10)
	tests := []struct {
		name string
		trap step
		want []string
	}{
		{"unmapped", fault(rip, 0x7f00_1234_5678, AccessRead),
			[]string{"page fault: read at 0x7f0012345678: no mapping"}},
		{"write to text", fault(rip, textVA+8, AccessWrite),
			[]string{"page fault: write at 0x7f0000400008: region not writable", "text"}},
		{"#GP", exception(rip, vecGeneralProt), []string{"general protection fault (#GP)", "error code 0x10"}},
		{"#UD", exception(rip, vecInvalidOp), []string{"invalid opcode (#UD)"}},
		{"divide error without a fault entry", exception(rip, vecDivide), []string{"divide error (#DE)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, report, console, p := runFault(t, tt.trap)
			if code != killedStatus {
				t.Errorf("exit code %d, want %d", code, killedStatus)
			}
			want := append(tt.want, "killed", "rip 0x7f0000400010 (main.crash+0x10)", p.Name())
			for _, w := range want {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
			if console != report {
				t.Errorf("console got %q, want the report", console)
			}
		})
	}
}

func TestDemandZeroFaultResumes(t *testing.T) {
	code, report, console, p := runFault(t,
		fault(textVA, bssPage+8, AccessWrite),
		fault(textVA, bssPage+abi.PageSize, AccessRead),
		exitStep(4))
	if code != 4 || report != "" || console != "" {
		t.Errorf("Wait = %d, %q, console %q; want the exit's 4 and no report", code, report, console)
	}
	if n := p.Info().Faults; n != 2 {
		t.Errorf("%d faults counted, want 2", n)
	}
}

// TestNilFaultGoesToFaultEntry checks what a Go program's panic on a nil
// dereference or a division by zero depends on: the thread resumes at
// its fault entry with the vector, the address and the faulting RIP.
func TestNilFaultGoesToFaultEntry(t *testing.T) {
	const entry = textVA + 0x20
	rip := uint64(textVA + 0x10)
	type regs struct{ rip, rdi, rsi, rdx uint64 }
	var got []regs
	see := func(r Regs) { got = append(got, regs{r.RIP, r.RDI, r.RSI, r.RDX}) }
	steps := []step{
		sys(abi.SysFaultEntry, entry),
		fault(rip, 8, AccessRead),
		exception(rip, vecDivide),
		exitStep(0),
	}
	steps[2].see, steps[3].see = see, see
	code, report, _, _ := runFault(t, steps...)
	if code != 0 || report != "" {
		t.Fatalf("Wait = %d, %q", code, report)
	}
	want := []regs{{entry, 14, 8, rip}, {entry, 0, 0, rip}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("resumed with %+v, want %+v", got, want)
	}
}

// TestFaultInFaultEntryKills: a fault in the fault entry itself is not
// sent back to it, which would loop.
func TestFaultInFaultEntryKills(t *testing.T) {
	const entry = textVA + 0x20
	code, report, _, _ := runFault(t, sys(abi.SysFaultEntry, entry), fault(entry+4, 0, AccessRead))
	if code != killedStatus || !strings.Contains(report, "read at 0x0") {
		t.Errorf("Wait = %d, %q", code, report)
	}
}
