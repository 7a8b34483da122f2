package metrics

import (
	"errors"
	"testing"

	"clk/abi"
	"clk/aisup/metrics"
	"clk/kernel/object"
)

// procs is a Source of fixed processes.
type procs []Process

func (p *procs) Processes() []Process { return *p }

func read(t *testing.T, o *Object) *metrics.Record {
	t.Helper()
	b, err := o.Read(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	r, err := metrics.ParseRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAReadCountsWhatHappenedSinceTheObjectsPreviousRead(t *testing.T) {
	var c object.Counters
	src := &procs{{PID: 7, Module: "kv", Counters: &c, Resident: 10, Threads: 2, Handles: 3}}
	o := New(src)
	c.Sent(100)
	c.Received(40)
	c.Call(abi.SysChannelWrite)
	c.Call(abi.SysChannelWrite)
	c.CPU.Add(5000)
	r := read(t, o)
	if r.Seq != 1 || len(r.Samples) != 1 {
		t.Fatalf("record %d of %d samples, want 1 of 1", r.Seq, len(r.Samples))
	}
	s := r.Samples[0]
	if s.Module != "kv" || s.PID != 7 || s.MsgsOut != 1 || s.BytesOut != 100 || s.MsgsIn != 1 || s.BytesIn != 40 || s.CPU != 5000 || s.Resident != 10 {
		t.Errorf("first sample %+v", s)
	}
	if len(s.Syscalls) != 1 || s.Syscalls[0] != (metrics.SyscallCount{Num: abi.SysChannelWrite, Count: 2}) {
		t.Errorf("syscalls %v, want channel_write twice", s.Syscalls)
	}
	c.Call(abi.SysChannelWrite)
	(*src)[0].Restarts = 2
	r = read(t, o)
	s = r.Samples[0]
	if r.Seq != 2 || s.MsgsOut != 0 || s.CPU != 0 || s.Restarts != 2 || len(s.Syscalls) != 1 || s.Syscalls[0].Count != 1 {
		t.Errorf("second record %d, sample %+v: want only the new call and the restarts", r.Seq, s)
	}
	// Another object has its own baseline.
	if s := read(t, New(src)).Samples[0]; s.Syscalls[0].Count != 3 || s.Restarts != 2 {
		t.Errorf("a new object's first sample %+v, want every call since the start", s)
	}
}

func TestARecordTooLargeForTheBufferIsNotConsumed(t *testing.T) {
	var c object.Counters
	o := New(&procs{{PID: 1, Counters: &c}})
	c.Call(abi.SysClockGet)
	if _, err := o.Read(4); !errors.Is(err, ErrBufferTooSmall) {
		t.Fatalf("read into 4 bytes: %v, want ErrBufferTooSmall", err)
	}
	r := read(t, o)
	if r.Seq != 1 || r.Samples[0].Syscalls[0].Count != 1 {
		t.Errorf("after a refused read: record %d, %+v; want record 1 with the call", r.Seq, r.Samples[0])
	}
}
