package proc

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/object"
	"clk/kernel/syscalls"
)

// waitUntil polls cond until it holds, failing the test if it does not
// within stuck.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(stuck); !cond(); time.Sleep(tick) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// farDeadline is a deadline argument an hour away.
func farDeadline(s *System) uint64 { return s.kernel.Monotonic() + uint64(time.Hour) }

func TestKillEndsEveryThreadAndFreesSpaceAndHandles(t *testing.T) {
	futexWord := uint64(scratchVA)
	s, m := newSystem(t, func(n int, regs Regs) []step {
		if n > 0 {
			return nil // the created threads compute forever
		}
		return []step{
			sys(abi.SysThreadCreate, entryVA, abi.UserTop-abi.PageSize),
			sys(abi.SysThreadCreate, entryVA, abi.UserTop-2*abi.PageSize),
			sys(abi.SysFutexWait, futexWord, 0, abi.DeadlineNever),
		}
	})
	timer := cap.New(object.NewTimer(), syscalls.TimerRights)
	p := spawn(t, s, SpawnOptions{Handles: []*cap.Cap{timer}})
	waitUntil(t, "three threads, one in a futex wait", func() bool {
		return p.Info().Threads == 3 && p.futex.Waiting() == 1
	})
	if p.Object().Handles.Len() != 1 || p.Info().Resident == 0 {
		t.Fatalf("before the kill: %+v", p.Info())
	}
	p.Kill("killed by the test")
	code, report := waitEnd(t, p)
	if code != killedStatus || report != "killed by the test" {
		t.Errorf("Wait = %d, %q; want %d and the kill's reason", code, report, killedStatus)
	}
	if i := p.Info(); i.Threads != 0 || i.Handles != 0 || i.Resident != 0 {
		t.Errorf("after the kill: %+v", i)
	}
	checkFreed(t, s, m)
}

// spawnStep is process_spawn of progName with no handles and no
// arguments.
func spawnStep() step {
	return sys(abi.SysProcessSpawn, nameVA, uint64(len(progName)), scratchVA, 0, scratchVA, 0)
}

// threeGenerations starts a process that spawns a child that spawns a
// grandchild, all of which then compute forever, and returns the three.
func threeGenerations(t *testing.T) (*System, *fakeMachine, []*Process) {
	t.Helper()
	s, m := newSystem(t, func(n int, regs Regs) []step {
		if n < 2 {
			return []step{spawnStep()}
		}
		return nil
	})
	spawn(t, s, SpawnOptions{})
	waitUntil(t, "three generations", func() bool { return len(s.List()) == 3 })
	return s, m, s.List()
}

func TestKillTreeEndsEveryDescendant(t *testing.T) {
	s, m, ps := threeGenerations(t)
	ps[0].KillTree("job killed")
	for _, p := range ps {
		if code, report := waitEnd(t, p); code != killedStatus || report != "job killed" {
			t.Errorf("process %d: Wait = %d, %q", p.PID(), code, report)
		}
	}
	checkFreed(t, s, m)
}

func TestKillLeavesChildrenRunning(t *testing.T) {
	s, m, ps := threeGenerations(t)
	ps[0].Kill("parent only")
	waitEnd(t, ps[0])
	if got := s.List(); len(got) != 2 || got[0] != ps[1] || got[1] != ps[2] {
		t.Fatalf("after killing the parent: %d processes, want its child and grandchild", len(got))
	}
	ps[1].KillTree("the rest")
	waitEnd(t, ps[1])
	waitEnd(t, ps[2])
	checkFreed(t, s, m)
}

func TestKillTwiceKeepsTheFirstEnd(t *testing.T) {
	s, m := newSystem(t, nil)
	p := spawn(t, s, SpawnOptions{})
	var wg sync.WaitGroup
	for _, reason := range []string{"a", "b", "c", "d"} {
		wg.Add(2)
		go func() { defer wg.Done(); p.Kill(reason) }()
		go func() { defer wg.Done(); p.KillTree(reason) }()
	}
	wg.Wait()
	code, first := waitEnd(t, p)
	if code != killedStatus || len(first) != 1 {
		t.Fatalf("Wait = %d, %q; want %d and one of the reasons", code, first, killedStatus)
	}
	p.Kill("late")
	p.KillTree("later")
	if code, report := p.Wait(); code != killedStatus || report != first {
		t.Errorf("a kill after the end changed it: %d, %q", code, report)
	}
	checkFreed(t, s, m)
}

func TestKillAfterExitChangesNothing(t *testing.T) {
	s, m := newSystem(t, func(n int, regs Regs) []step {
		return []step{sys(abi.SysProcessExit, 5)}
	})
	p := spawn(t, s, SpawnOptions{})
	waitEnd(t, p)
	p.Kill("too late")
	if code, report := p.Wait(); code != 5 || report != "" {
		t.Errorf("Wait = %d, %q; want the exit's 5 and no report", code, report)
	}
	checkFreed(t, s, m)
}

func TestDyingClosesWhenKilled(t *testing.T) {
	s, _ := newSystem(t, nil)
	p := spawn(t, s, SpawnOptions{})
	if closed(p.Dying()) {
		t.Fatal("Dying closed before the kill")
	}
	ended := make(chan struct{})
	go func() {
		// A blocked call as the syscall layer writes one.
		select {
		case <-p.Dying():
		case <-time.After(time.Hour):
		}
		close(ended)
	}()
	p.Kill("test")
	select {
	case <-ended:
	case <-time.After(stuck):
		t.Fatal("a call selecting on Dying still blocks after the kill")
	}
	waitEnd(t, p)
}

func TestDyingClosesWhenAnotherThreadExits(t *testing.T) {
	exit := make(chan struct{})
	s, _ := newSystem(t, func(n int, regs Regs) []step {
		if n == 0 {
			return []step{sys(abi.SysThreadCreate, entryVA, abi.UserTop-abi.PageSize)}
		}
		return []step{{after: exit, trap: sys(abi.SysProcessExit, 3).trap}}
	})
	p := spawn(t, s, SpawnOptions{})
	waitUntil(t, "two threads", func() bool { return p.Info().Threads == 2 })
	if closed(p.Dying()) {
		t.Fatal("Dying closed before the exit")
	}
	close(exit)
	if code, _ := waitEnd(t, p); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if !closed(p.Dying()) {
		t.Error("Dying open after the end")
	}
}

// unreadConsole is a console whose reader never reads. writing is set
// once a write has begun waiting.
type unreadConsole struct{ writing atomic.Bool }

func (*unreadConsole) Write(b []byte) (int, error) { select {} }

func (c *unreadConsole) WriteUntil(b []byte, stop <-chan struct{}) (int, error) {
	c.writing.Store(true)
	<-stop
	return 0, errors.New("the writer is ending")
}

// blockedScene is what TestKillEndsBlockedCalls looks at to tell that a
// case's call is blocked.
type blockedScene struct {
	p            *Process
	timer        *object.Timer
	mine, theirs *ipc.Endpoint
}

// TestKillEndsBlockedCalls kills processes whose thread is blocked in
// each call that can wait long: each must end although nothing it waits
// for ever comes. The channel the calls use has another holder, so that
// closing the process's handles does not release it. The kill comes only
// once the call is seen blocked: a kill before it would close the handles
// first, and a call that looks one up would fail without ever waiting.
func TestKillEndsBlockedCalls(t *testing.T) {
	const (
		itemVA = scratchVA + 0x100 // one object_wait_many item: the timer
		descVA = scratchVA + 0x200 // a message descriptor
	)
	// hv are the process's handle values, known once it has started.
	var hv struct{ timer, ep uint64 }
	call := func(num uint64, args ...*uint64) step {
		return step{trap: func(r *Regs) Trap {
			var a []uint64
			for _, p := range args {
				a = append(a, *p)
			}
			return sys(num, a...).trap(r)
		}}
	}
	var (
		far, never         uint64 = 0, abi.DeadlineNever
		item, one, desc, w uint64 = itemVA, 1, descVA, scratchVA
		rdesc              uint64 = descVA + abi.MsgDescSize
		zero               uint64
	)
	console := &unreadConsole{}
	// The process's end of the channel waits on theirs' signals.
	waitsOnChannel := func(x blockedScene) bool { return x.theirs.Waiting() == 1 }
	tests := []struct {
		name    string
		call    step
		console io.Writer
		// room leaves the queue the process writes to with room.
		room bool
		// blocked reports that the call is waiting.
		blocked func(x blockedScene) bool
	}{
		// clock_sleep waits on nothing the test can see. It uses no
		// handle, so a kill landing before it blocks still leaves it an
		// hour to sleep unless it watches the end.
		{"clock_sleep", call(abi.SysClockSleep, &far), nil, false,
			func(x blockedScene) bool { return x.p.Info().Syscalls == 1 }},
		{"object_wait_many", call(abi.SysObjectWaitMany, &item, &one, &never), nil, false,
			func(x blockedScene) bool { return x.timer.Waiting() == 1 }},
		{"futex_wait", call(abi.SysFutexWait, &w, &zero, &never), nil, false,
			func(x blockedScene) bool { return x.p.futex.Waiting() == 1 }},
		{"channel_read", call(abi.SysChannelRead, &hv.ep, &desc, &never), nil, false, waitsOnChannel},
		{"channel_write to a full queue", call(abi.SysChannelWrite, &hv.ep, &desc, &never), nil, false, waitsOnChannel},
		{"console_write to a console nobody reads", call(abi.SysConsoleWrite, &desc, &one), console, false,
			func(blockedScene) bool { return console.writing.Load() }},
		{"channel_call to a full queue", call(abi.SysChannelCall, &hv.ep, &desc, &rdesc, &never), nil, false, waitsOnChannel},
		// The request has arrived: the call waits for its reply.
		{"channel_call that gets no reply", call(abi.SysChannelCall, &hv.ep, &desc, &rdesc, &never), nil, true,
			func(x blockedScene) bool { return x.mine.Signals()&abi.Readable != 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := make(chan struct{})
			s, m := newSystem(t, func(n int, regs Regs) []step {
				st := tt.call
				st.after = start
				return []step{st}
			})
			far = farDeadline(s)
			sch, err := ipc.NewSchema(ipc.MessageSpec{Type: 1, MaxData: 8})
			if err != nil {
				t.Fatal(err)
			}
			mine, theirs, err := ipc.NewChannel(sch, 1)
			if err != nil {
				t.Fatal(err)
			}
			// Fill the one slot of the queue the process writes to.
			if err := theirs.Write(ipc.Message{Type: 1}, time.Time{}, false); err != nil {
				t.Fatal(err)
			}
			if tt.room {
				if _, err := mine.Read(time.Time{}, false, nil); err != nil {
					t.Fatal(err)
				}
			}
			root := cap.New(theirs, syscalls.EndpointRights)
			defer root.Close()
			defer mine.Release()
			derived, err := root.Derive(syscalls.EndpointRights)
			if err != nil {
				t.Fatal(err)
			}
			timer := object.NewTimer()
			p := spawn(t, s, SpawnOptions{
				Handles: []*cap.Cap{cap.New(timer, syscalls.TimerRights), derived},
				Console: tt.console,
			})
			for _, h := range p.Object().Handles.List() {
				if h.Type == abi.TypeTimer {
					hv.timer = uint64(h.Handle)
				} else {
					hv.ep = uint64(h.Handle)
				}
			}
			var it [abi.WaitItemSize]byte
			binary.LittleEndian.PutUint32(it[0:], uint32(hv.timer))
			binary.LittleEndian.PutUint32(it[4:], uint32(abi.Signaled))
			d := abi.MsgDesc{Type: 1}
			db := d.Marshal()
			for va, b := range map[uint64][]byte{itemVA: it[:], descVA: db[:], rdesc: db[:]} {
				if err := p.space.CopyOut(va, b); err != nil {
					t.Fatal(err)
				}
			}
			close(start)
			scene := blockedScene{p: p, timer: timer, mine: mine, theirs: theirs}
			waitUntil(t, "the call blocks", func() bool { return tt.blocked(scene) })
			p.Kill("killed in " + tt.name)
			if code, report := waitEnd(t, p); code != killedStatus || report != "killed in "+tt.name {
				t.Errorf("Wait = %d, %q", code, report)
			}
			checkFreed(t, s, m)
		})
	}
}

// TestChildJoiningAKilledTreeIsKilled: a process_spawn that was under way
// when KillTree took its parent's children still ends with the tree.
func TestChildJoiningAKilledTreeIsKilled(t *testing.T) {
	s, m := newSystem(t, nil)
	parent := spawn(t, s, SpawnOptions{})
	parent.KillTree("job killed")
	child, err := s.spawnChild(parent, progName, nil, func() ([]*cap.Cap, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Process{parent, child} {
		if code, report := waitEnd(t, p); code != killedStatus || report != "job killed" {
			t.Errorf("process %d: Wait = %d, %q", p.PID(), code, report)
		}
	}
	checkFreed(t, s, m)
}
