package proc

import (
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/wait"
)

func TestExitStatusReachesWaiters(t *testing.T) {
	start := make(chan struct{})
	s, m := newSystem(t, func(n int, regs Regs) []step {
		return []step{{after: start, trap: exitStep(7).trap}}
	})
	p := spawn(t, s, SpawnOptions{})
	woke := make(chan error, 1)
	go func() {
		_, err := wait.One(&p.Object().Source, abi.Signaled, time.Now().Add(stuck))
		woke <- err
	}()
	close(start)
	if err := <-woke; err != nil {
		t.Fatalf("a waiter on the process object: %v", err)
	}
	if code, exited := p.Object().ExitStatus(); code != 7 || !exited {
		t.Errorf("ExitStatus = %d, %v; want 7, true", code, exited)
	}
	if code, report := waitEnd(t, p); code != 7 || report != "" {
		t.Errorf("Wait = %d, %q; want 7 and no report", code, report)
	}
	checkFreed(t, s, m)
}

// TestThreadExitWakesJoiner: a thread that ends with thread_exit stores 0
// to its word and wakes the futex waiters on it, so that the main thread,
// waiting while the word is 1, goes on (a join).
func TestThreadExitWakesJoiner(t *testing.T) {
	word := uint64(scratchVA)
	start := make(chan struct{})
	s, m := newSystem(t, func(n int, regs Regs) []step {
		if n == 0 {
			joined := exitStep(9)
			joined.see = func(r Regs) {
				// EAGAIN: the thread was gone before the wait.
				if e := abi.Errno(r.RAX); e != 0 && e != abi.EAGAIN {
					t.Errorf("futex_wait errno %v, want 0 or EAGAIN", e)
				}
			}
			create := sys(abi.SysThreadCreate, entryVA, abi.UserTop-abi.PageSize)
			create.after = start
			return []step{
				create,
				sys(abi.SysFutexWait, word, 1, abi.DeadlineNever),
				joined,
			}
		}
		return []step{sys(abi.SysThreadExit, word)}
	})
	p := spawn(t, s, SpawnOptions{})
	if err := p.space.CopyOut(word, []byte{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	close(start)
	if code, report := waitEnd(t, p); code != 9 || report != "" {
		t.Errorf("Wait = %d, %q; want 9", code, report)
	}
	checkFreed(t, s, m)
}

func TestLastThreadExitEndsProcess(t *testing.T) {
	s, m := newSystem(t, func(n int, regs Regs) []step {
		return []step{sys(abi.SysThreadExit, 0)}
	})
	p := spawn(t, s, SpawnOptions{})
	if code, report := waitEnd(t, p); code != 0 || report != "" {
		t.Errorf("Wait = %d, %q; want 0", code, report)
	}
	checkFreed(t, s, m)
}
