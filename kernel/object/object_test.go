package object

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/wait"
)

func TestTimerSignalsAtDeadlineAndCancelClears(t *testing.T) {
	tm := NewTimer()
	// An hour: a loaded machine may take milliseconds between two lines.
	tm.Set(time.Now().Add(time.Hour))
	if tm.Signals()&abi.Signaled != 0 {
		t.Fatal("timer signaled before its deadline")
	}
	tm.Set(time.Now().Add(5 * time.Millisecond))
	if _, err := wait.One(&tm.Source, abi.Signaled, time.Now().Add(5*time.Second)); err != nil {
		t.Fatalf("timer did not fire: %v", err)
	}
	tm.Cancel()
	if tm.Signals() != 0 {
		t.Fatal("cancel left the signal raised")
	}
	tm.Set(time.Now().Add(time.Hour))
	tm.Set(time.Now().Add(-time.Second))
	if _, err := wait.One(&tm.Source, abi.Signaled, time.Now().Add(5*time.Second)); err != nil {
		t.Fatalf("re-armed timer did not fire: %v", err)
	}
}

func TestProcessExitClosesHandlesOnce(t *testing.T) {
	p := NewProcess("p", 0, nil)
	tm := NewTimer()
	p.Handles.Install(cap.New(tm, abi.RightsAll))
	if !p.Exit(7) || p.Exit(9) {
		t.Fatal("Exit must take effect once")
	}
	if code, ok := p.ExitStatus(); !ok || code != 7 {
		t.Fatalf("exit status %d %v, want 7", code, ok)
	}
	if p.Handles.Len() != 0 || p.Signals()&abi.Signaled == 0 {
		t.Fatalf("after exit: %d handles, signals %#x", p.Handles.Len(), p.Signals())
	}
	if q := NewProcess("q", 0, nil); q.PID() == p.PID() {
		t.Fatal("two processes share a pid")
	}
}

func TestIOPortsContainsOnlyItsRange(t *testing.T) {
	r, err := NewIOPorts(0x3f8, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		port  uint16
		width int
		in    bool
	}{{0x3f8, 1, true}, {0x3ff, 1, true}, {0x3fe, 2, true}, {0x3ff, 2, false}, {0x3f7, 1, false}, {0x3f8, 0, false}} {
		if got := r.Contains(tc.port, tc.width); got != tc.in {
			t.Errorf("Contains(%#x, %d) = %v", tc.port, tc.width, got)
		}
	}
	if _, err := NewIOPorts(0xfff0, 0x20); err == nil {
		t.Error("range past 0xffff accepted")
	}
}

func TestRegionSizeIsWholePages(t *testing.T) {
	if _, err := NewRegion(PageSize + 1); err == nil {
		t.Error("unaligned region accepted")
	}
	if r, err := NewRegion(3 * PageSize); err != nil || r.Size() != 3*PageSize {
		t.Errorf("region: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("device gone") }

func TestLogWritesWholeRecords(t *testing.T) {
	var b bytes.Buffer
	l := NewLog("net", &b)
	if _, err := l.Write([]byte("up")); err != nil || b.String() != "[net] up\n" {
		t.Fatalf("log: %q, %v", b.String(), err)
	}
	if _, err := l.Write(make([]byte, abi.MaxLogRecord+1)); err == nil {
		t.Fatal("oversized record accepted")
	}
	if _, err := NewLog("x", failWriter{}).Write([]byte("a")); err == nil {
		t.Fatal("writer error lost")
	}
}

func TestIRQCountsFiresUntilTakenAndDetachEndsWaits(t *testing.T) {
	released := 0
	q := NewIRQ("test", func() { released++ })
	q.Fire()
	q.Fire()
	if q.Signals()&abi.Signaled == 0 {
		t.Fatal("fired IRQ not signaled")
	}
	if n, detached := q.Take(); n != 2 || detached {
		t.Fatalf("Take = %d, %v; want 2, false", n, detached)
	}
	if q.Signals()&abi.Signaled != 0 {
		t.Fatal("Take left the IRQ signaled")
	}
	q.Detach()
	q.Fire()
	if n, detached := q.Take(); n != 0 || !detached {
		t.Fatalf("after Detach, Take = %d, %v; want 0, true", n, detached)
	}
	if _, err := wait.One(&q.Source, abi.Signaled|abi.PeerClosed, time.Now().Add(time.Second)); err != nil {
		t.Fatalf("detached IRQ does not end a wait: %v", err)
	}
	q.Release()
	if released != 1 || q.Total() != 2 {
		t.Fatalf("released %d times, total %d", released, q.Total())
	}
}
