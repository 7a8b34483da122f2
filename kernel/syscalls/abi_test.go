package syscalls

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/object"
)

func TestTransferMovesEndpointAndPingPong(t *testing.T) {
	k := NewDispatcher()
	a, b := newProc(t, k, "a"), newProc(t, k, "b")
	boot, bootB := bootstrap(t, a, b)
	mine, theirs := a.channel()
	a.must(abi.SysChannelWrite, uint64(boot), a.desc(tGrant, nil, theirs), abi.DeadlineNow)
	if r := a.sys(abi.SysHandleClose, uint64(theirs)); r.Errno != abi.ECLOSED {
		t.Fatalf("sender's moved handle: %v, want abi.ECLOSED", r.Errno)
	}
	rd := b.rdesc(0, 1)
	b.must(abi.SysChannelRead, uint64(bootB), rd, abi.DeadlineNow)
	d := b.readDesc(rd)
	if d.Type != tGrant || d.HandlesLen != 1 {
		t.Fatalf("received %+v", d)
	}
	bEnd := b.u32s(d.Handles, 1)[0]

	const rounds = 1000
	done := make(chan error, 1)
	go func() {
		rd := b.rdesc(64, 0)
		for i := 0; i < rounds; i++ {
			b.mem.CopyOut(rd, descBytes(abi.MsgDesc{Data: b.readDesc(rd).Data, DataLen: 64}))
			if r := b.sys(abi.SysChannelRead, uint64(bEnd), rd, abi.DeadlineNever); r.Errno != abi.OK {
				done <- fmt.Errorf("server read %d: %v", i, r.Errno)
				return
			}
			req := b.readDesc(rd)
			body := b.get(req.Data, int(req.DataLen))
			wd := b.desc(tPing, append([]byte("re:"), body...))
			w := b.readDesc(wd)
			w.Txid = req.Txid
			b.mem.CopyOut(wd, descBytes(w))
			if r := b.sys(abi.SysChannelWrite, uint64(bEnd), wd, abi.DeadlineNever); r.Errno != abi.OK {
				done <- fmt.Errorf("server write %d: %v", i, r.Errno)
				return
			}
			b.next = rd + abi.MsgDescSize // reuse the memory after rd
		}
		done <- nil
	}()
	mark := a.next
	for i := 0; i < rounds; i++ {
		a.next = mark
		body := []byte(fmt.Sprint(i))
		rdesc := a.rdesc(64, 0)
		a.must(abi.SysChannelCall, uint64(mine), a.desc(tPing, body), rdesc, abi.DeadlineNever)
		rep := a.readDesc(rdesc)
		if got := a.get(rep.Data, int(rep.DataLen)); string(got) != "re:"+string(body) {
			t.Fatalf("call %d: reply %q", i, got)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSyscallHandleErrors(t *testing.T) {
	k := NewDispatcher()
	a, b := newProc(t, k, "a"), newProc(t, k, "b")
	c0, _ := a.channel()
	logH, _ := a.p.Handles.Install(cap.New(object.NewLog("test", &bytes.Buffer{}), abi.RightsAll))
	ro := a.must(abi.SysHandleDuplicate, uint64(c0), uint64(abi.RightRead))
	closed := a.must(abi.SysHandleDuplicate, uint64(c0), uint64(EndpointRights))
	a.must(abi.SysHandleClose, closed)
	parent := a.must(abi.SysHandleDuplicate, uint64(c0), uint64(EndpointRights))
	child := a.must(abi.SysHandleDuplicate, parent, uint64(abi.RightRead|abi.RightWrite))
	a.must(abi.SysHandleRevoke, parent)
	data := a.put([]byte("hello"))
	for _, tc := range []struct {
		name string
		pr   *proc
		num  uint64
		args []uint64
		want abi.Errno
	}{
		{"forged", a, abi.SysHandleClose, []uint64{0x7777}, abi.EBADH},
		{"wider than a handle", a, abi.SysHandleClose, []uint64{1 << 40}, abi.EBADH},
		{"other process", b, abi.SysHandleClose, []uint64{uint64(c0)}, abi.EBADH},
		{"closed", a, abi.SysHandleClose, []uint64{closed}, abi.ECLOSED},
		{"revoked", a, abi.SysChannelWrite, []uint64{child, a.desc(tPing, nil), 0}, abi.EREVOKED},
		{"wrong type", a, abi.SysLogWrite, []uint64{uint64(c0), data, 5}, abi.EWRONGTYPE},
		{"insufficient rights", a, abi.SysChannelWrite, []uint64{ro, a.desc(tPing, nil), 0}, abi.EACCES},
		{"rights grow", a, abi.SysHandleDuplicate, []uint64{ro, uint64(abi.RightsAll)}, abi.EACCES},
		{"unknown rights", a, abi.SysHandleReplace, []uint64{uint64(c0), 1 << 20}, abi.EINVAL},
		{"bad pointer", a, abi.SysLogWrite, []uint64{uint64(logH), 8, 5}, abi.EFAULT},
		{"wrapping pointer", a, abi.SysLogWrite, []uint64{uint64(logH), math.MaxUint64 - 2, 5}, abi.EFAULT},
		{"unknown call", a, 4000, nil, abi.ENOSYS},
		{"declared, not wired", a, abi.SysVMMap, nil, abi.ENOSYS},
		{"unknown clock", a, abi.SysClockGet, []uint64{7}, abi.EINVAL},
	} {
		r := tc.pr.sys(tc.num, tc.args...)
		if r.Errno != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, r.Errno, tc.want)
		}
	}
	// A revoked handle is still closed normally.
	a.must(abi.SysHandleClose, child)
	// The parent of a revoked subtree stays usable.
	a.must(abi.SysChannelWrite, parent, a.desc(tPing, nil), abi.DeadlineNow)
}

func TestOversizedMessageRefusedThroughSyscall(t *testing.T) {
	k := NewDispatcher()
	a := newProc(t, k, "a")
	c0, c1 := a.channel()
	for _, tc := range []struct {
		name string
		desc uint64
		want abi.Errno
	}{
		{"over the schema's length", a.desc(tPing, make([]byte, 65)), abi.ETOOLARGE},
		{"over the kernel's length", a.put(descBytes(abi.MsgDesc{Type: tPing, DataLen: math.MaxUint32})), abi.ETOOLARGE},
		{"undeclared type", a.desc(42, nil), abi.ESCHEMA},
		{"handle the schema does not want", a.desc(tPing, nil, c1), abi.ESCHEMA},
		{"own channel", a.desc(tGrant, nil, c1), abi.EINVAL},
	} {
		if r := a.sys(abi.SysChannelWrite, uint64(c0), tc.desc, abi.DeadlineNow); r.Errno != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, r.Errno, tc.want)
		}
		if r := a.sys(abi.SysChannelRead, uint64(c1), a.rdesc(abi.MsgDescSize*4, 4), abi.DeadlineNow); r.Errno != abi.EEMPTY {
			t.Errorf("%s: receiver got %v, want abi.EEMPTY", tc.name, r.Errno)
		}
	}
	// c1 is still in the table: the refused message did not take it.
	a.must(abi.SysHandleDuplicate, uint64(c1), uint64(abi.RightRead))
}

func TestReadIntoSmallBufferKeepsMessage(t *testing.T) {
	k := NewDispatcher()
	a := newProc(t, k, "a")
	c0, c1 := a.channel()
	a.must(abi.SysChannelWrite, uint64(c0), a.desc(tPing, []byte("0123456789")), abi.DeadlineNow)
	small := a.rdesc(4, 0)
	if r := a.sys(abi.SysChannelRead, uint64(c1), small, abi.DeadlineNow); r.Errno != abi.EBUFSMALL {
		t.Fatalf("read into 4 bytes: %v", r.Errno)
	}
	if d := a.readDesc(small); d.DataLen != 10 {
		t.Fatalf("size needed written back as %d, want 10", d.DataLen)
	}
	big := a.rdesc(16, 0)
	a.must(abi.SysChannelRead, uint64(c1), big, abi.DeadlineNow)
	if d := a.readDesc(big); string(a.get(d.Data, int(d.DataLen))) != "0123456789" {
		t.Fatal("message changed after a refused read")
	}
}

func TestBackPressureThroughSyscalls(t *testing.T) {
	k := NewDispatcher()
	a := newProc(t, k, "a")
	c0, c1 := a.channel() // depth 4
	for i := 0; i < 4; i++ {
		a.must(abi.SysChannelWrite, uint64(c0), a.desc(tPing, nil), abi.DeadlineNow)
	}
	if r := a.sys(abi.SysChannelWrite, uint64(c0), a.desc(tPing, nil), abi.DeadlineNow); r.Errno != abi.EQUEUEFULL {
		t.Fatalf("write to a full queue with deadline 0: %v, want abi.EQUEUEFULL", r.Errno)
	}
	soon := k.Monotonic() + uint64(10*time.Millisecond)
	if r := a.sys(abi.SysChannelWrite, uint64(c0), a.desc(tPing, nil), soon); r.Errno != abi.ETIMEDOUT {
		t.Fatalf("write to a full queue with a deadline: %v, want abi.ETIMEDOUT", r.Errno)
	}
	for i := 0; i < 4; i++ {
		a.must(abi.SysChannelRead, uint64(c1), a.rdesc(0, 0), abi.DeadlineNow)
	}
	if r := a.sys(abi.SysChannelRead, uint64(c1), a.rdesc(0, 0), abi.DeadlineNow); r.Errno != abi.EEMPTY {
		t.Fatalf("read of an empty queue: %v, want abi.EEMPTY", r.Errno)
	}
}

func TestWaitManyHonoursDeadlineAndSignals(t *testing.T) {
	k := NewDispatcher()
	a := newProc(t, k, "a")
	c0, c1 := a.channel()
	d0, d1 := a.channel()
	items := a.put(putU32s([]uint32{c1, uint32(abi.Readable), 0, d1, uint32(abi.Readable), 0}))
	start := time.Now()
	r := a.sys(abi.SysObjectWaitMany, items, 2, k.Monotonic()+uint64(20*time.Millisecond))
	if r.Errno != abi.ETIMEDOUT || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("wait on idle channels: %v after %v", r.Errno, time.Since(start))
	}
	go func() {
		time.Sleep(5 * time.Millisecond)
		a2 := *a
		a2.next = memBase + memSize/2
		a2.must(abi.SysChannelWrite, uint64(d0), a2.desc(tPing, nil), abi.DeadlineNow)
	}()
	n := a.must(abi.SysObjectWaitMany, items, 2, k.Monotonic()+uint64(10*time.Second))
	obs := a.u32s(items, 6)
	if n != 1 || obs[2]&uint32(abi.Readable) != 0 || obs[5]&uint32(abi.Readable) == 0 {
		t.Fatalf("wait returned %d, observed %#x and %#x", n, obs[2], obs[5])
	}
	_ = c0
	if r := a.sys(abi.SysObjectWaitMany, items, 0, abi.DeadlineNow); r.Errno != abi.EINVAL {
		t.Fatalf("wait on no items: %v, want abi.EINVAL", r.Errno)
	}
}

func TestExitClosesHandlesAndPeerSeesIt(t *testing.T) {
	k := NewDispatcher()
	a, b := newProc(t, k, "a"), newProc(t, k, "b")
	_, bootB := bootstrap(t, a, b)
	if r := a.sys(abi.SysProcessExit, 3); !r.Exited || r.Errno != abi.OK {
		t.Fatalf("exit: %+v", r)
	}
	if code, ok := a.p.ExitStatus(); !ok || code != 3 {
		t.Fatalf("exit status %d, %v", code, ok)
	}
	if r := b.sys(abi.SysChannelRead, uint64(bootB), b.rdesc(0, 0), abi.DeadlineNever); r.Errno != abi.EPEERCLOSED {
		t.Fatalf("peer of an exited process: %v, want abi.EPEERCLOSED", r.Errno)
	}
}

func TestTimerRaisesSignaled(t *testing.T) {
	k := NewDispatcher()
	a := newProc(t, k, "a")
	h := a.must(abi.SysTimerCreate)
	a.must(abi.SysTimerSet, h, k.Monotonic()+uint64(5*time.Millisecond))
	items := a.put(putU32s([]uint32{uint32(h), uint32(abi.Signaled), 0}))
	if n := a.must(abi.SysObjectWaitMany, items, 1, k.Monotonic()+uint64(5*time.Second)); n != 1 {
		t.Fatalf("timer wait returned %d", n)
	}
}

func TestConsoleAndLog(t *testing.T) {
	k := NewDispatcher()
	a := newProc(t, k, "a")
	if n := a.must(abi.SysConsoleWrite, a.put([]byte("hi\n")), 3); n != 3 || a.out.String() != "hi\n" {
		t.Fatalf("console_write: %d, %q", n, a.out.String())
	}
	var buf bytes.Buffer
	logH, _ := a.p.Handles.Install(cap.New(object.NewLog("svc", &buf), abi.RightWrite))
	a.must(abi.SysLogWrite, uint64(logH), a.put([]byte("started")), 7)
	if !strings.Contains(buf.String(), "[svc] started") {
		t.Fatalf("log: %q", buf.String())
	}
	if r := a.sys(abi.SysLogWrite, uint64(logH), a.put(make([]byte, 8)), abi.MaxLogRecord+1); r.Errno != abi.ETOOLARGE {
		t.Fatalf("long record: %v, want abi.ETOOLARGE", r.Errno)
	}
}

func TestSliceSpaceChecksWholeRange(t *testing.T) {
	s := &SliceSpace{Base: 0x1000, Mem: make([]byte, 16)}
	for _, tc := range []struct {
		addr uint64
		n    int
		ok   bool
	}{
		{0x1000, 16, true}, {0x1008, 8, true}, {0x1010, 0, true},
		{0xfff, 1, false}, {0x1008, 9, false}, {0x1011, 1, false},
		{math.MaxUint64, 2, false}, {0, 0, true}, {0x1010, 1, false},
	} {
		err := s.CopyIn(make([]byte, tc.n), tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("CopyIn(%d bytes at %#x): %v", tc.n, tc.addr, err)
		}
	}
}

func TestEveryWiredCallHasCodeAndNoOtherDoes(t *testing.T) {
	for _, c := range abi.Calls() {
		if c.Wired != (handlers[c.Num] != nil) {
			t.Errorf("%s: the ABI says wired %v, the kernel has code %v", c.Name, c.Wired, handlers[c.Num] != nil)
		}
	}
}
