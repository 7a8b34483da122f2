package syscalls

import (
	"testing"

	"clk/abi"
)

// BenchmarkNullSyscall measures Dispatch of process_self: the table
// lookup and call with nothing to validate, the in-kernel share of a null
// syscall (the SYSCALL entry and exit are not in it).
func BenchmarkNullSyscall(b *testing.B) {
	k := NewDispatcher()
	pr := newProc(b, k, "bench")
	c := pr.caller()
	for b.Loop() {
		if r := k.Dispatch(c, abi.SysProcessSelf, Args{}); r.Errno != abi.OK {
			b.Fatal(r.Errno)
		}
	}
}

// BenchmarkSyscallChannelRoundTrip measures one channel_call answered by
// channel_read and channel_write in another goroutine, all through
// Dispatch with 32-byte messages: the in-kernel share of a cross-process
// round trip.
func BenchmarkSyscallChannelRoundTrip(b *testing.B) {
	k := NewDispatcher()
	cl, sv := newProc(b, k, "client"), newProc(b, k, "server")
	ch, sh := bootstrap(b, cl, sv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rd := sv.rdesc(64, 0)
		wd := sv.desc(tPing, make([]byte, 32))
		for {
			sv.mem.CopyOut(rd, descBytes(abi.MsgDesc{Data: sv.readDesc(rd).Data, DataLen: 64}))
			if r := sv.sys(abi.SysChannelRead, uint64(sh), rd, abi.DeadlineNever); r.Errno != abi.OK {
				return
			}
			w := sv.readDesc(wd)
			w.Txid = sv.readDesc(rd).Txid
			sv.mem.CopyOut(wd, descBytes(w))
			if r := sv.sys(abi.SysChannelWrite, uint64(sh), wd, abi.DeadlineNever); r.Errno != abi.OK {
				return
			}
		}
	}()
	req := cl.desc(tPing, make([]byte, 32))
	rep := cl.rdesc(64, 0)
	for b.Loop() {
		cl.mem.CopyOut(rep, descBytes(abi.MsgDesc{Data: cl.readDesc(rep).Data, DataLen: 64}))
		if r := cl.sys(abi.SysChannelCall, uint64(ch), req, rep, abi.DeadlineNever); r.Errno != abi.OK {
			b.Fatal(r.Errno)
		}
	}
	b.StopTimer()
	cl.sys(abi.SysHandleClose, uint64(ch))
	<-done
}
