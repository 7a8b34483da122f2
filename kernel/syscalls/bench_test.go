package abi

import (
	"testing"
)

// BenchmarkNullSyscall measures Dispatch of process_self: the table
// lookup and call with nothing to validate, the in-kernel share of a null
// syscall (the SYSCALL entry and exit are not in it).
func BenchmarkNullSyscall(b *testing.B) {
	k := NewKernel()
	pr := newProc(b, k, "bench")
	c := pr.caller()
	for b.Loop() {
		if r := k.Dispatch(c, SysProcessSelf, Args{}); r.Errno != OK {
			b.Fatal(r.Errno)
		}
	}
}

// BenchmarkSyscallChannelRoundTrip measures one channel_call answered by
// channel_read and channel_write in another goroutine, all through
// Dispatch with 32-byte messages: the in-kernel share of a cross-process
// round trip.
func BenchmarkSyscallChannelRoundTrip(b *testing.B) {
	k := NewKernel()
	cl, sv := newProc(b, k, "client"), newProc(b, k, "server")
	ch, sh := bootstrap(b, cl, sv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rd := sv.rdesc(64, 0)
		wd := sv.desc(tPing, make([]byte, 32))
		for {
			sv.mem.CopyOut(rd, (&MsgDesc{Data: sv.readDesc(rd).Data, DataLen: 64}).Marshal())
			if r := sv.sys(SysChannelRead, uint64(sh), rd, DeadlineNever); r.Errno != OK {
				return
			}
			w := sv.readDesc(wd)
			w.Txid = sv.readDesc(rd).Txid
			sv.mem.CopyOut(wd, w.Marshal())
			if r := sv.sys(SysChannelWrite, uint64(sh), wd, DeadlineNever); r.Errno != OK {
				return
			}
		}
	}()
	req := cl.desc(tPing, make([]byte, 32))
	rep := cl.rdesc(64, 0)
	for b.Loop() {
		cl.mem.CopyOut(rep, (&MsgDesc{Data: cl.readDesc(rep).Data, DataLen: 64}).Marshal())
		if r := cl.sys(SysChannelCall, uint64(ch), req, rep, DeadlineNever); r.Errno != OK {
			b.Fatal(r.Errno)
		}
	}
	b.StopTimer()
	cl.sys(SysHandleClose, uint64(ch))
	<-done
}
