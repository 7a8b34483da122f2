package metrics

import (
	"fmt"
	"sync"
	"time"

	"clk/abi"
	"clk/aisup/metrics"
	"clk/kernel/object"
)

// Process is what a Source tells of one running process at the time of a
// read: its counters, which only grow, and its gauges.
type Process struct {
	PID  uint64
	Name string
	// Module names the module the process is an instance of, "" for none.
	Module   string
	Counters *object.Counters
	Faults   uint64
	Resident uint64 // pages
	Memory   int64  // bytes charged to it
	Threads  int
	Handles  int
	// Restarts counts the restarts of its module since activation.
	Restarts int
	// HeartbeatLatency is its module's last heartbeat answer time;
	// HeartbeatMisses the heartbeats it missed in a row.
	HeartbeatLatency time.Duration
	HeartbeatMisses  int
}

// Source lists the running processes.
type Source interface {
	Processes() []Process
}

// Object is a metrics object: a Source and the values of its previous
// read.
type Object struct {
	src Source

	mu   sync.Mutex
	seq  uint64
	last time.Time
	prev map[uint64]*baseline
	// restarts is each module's restart count at the previous read: an
	// instance's restart is its successor's, under another PID.
	restarts map[string]int
}

// baseline is a process's counters at the previous read.
type baseline struct {
	cpu, msgsIn, msgsOut, bytesIn, bytesOut, faults uint64
	memory                                          int64
	calls                                           [abi.NumCalls]uint64
}

// New returns a metrics object over src whose first period starts now.
func New(src Source) *Object {
	return &Object{src: src, last: time.Now(), prev: make(map[uint64]*baseline), restarts: make(map[string]int)}
}

// Type returns abi.TypeMetrics.
func (o *Object) Type() abi.ObjectType { return abi.TypeMetrics }

// Read returns the encoded record of the period since the previous read
// if it is at most max bytes long, and makes that the new baseline;
// otherwise it fails and the baseline stays.
func (o *Object) Read(max int) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	ps := o.src.Processes()
	if len(ps) > metrics.MaxSamples {
		ps = ps[:metrics.MaxSamples]
	}
	rec := metrics.Record{Seq: o.seq + 1, Time: now, Period: now.Sub(o.last), Samples: make([]metrics.Sample, 0, len(ps))}
	next := make(map[uint64]*baseline, len(ps))
	restarts := make(map[string]int)
	for i := range ps {
		p := &ps[i]
		cur := snapshot(p)
		prev := o.prev[p.PID]
		if prev == nil {
			prev = &baseline{}
		}
		next[p.PID] = cur
		s := metrics.Sample{
			Module:           clip(p.Module),
			PID:              uint32(p.PID),
			CPU:              time.Duration(cur.cpu - prev.cpu),
			Resident:         p.Resident,
			HeapGrowth:       cur.memory - prev.memory,
			Threads:          uint32(p.Threads),
			Handles:          uint32(p.Handles),
			MsgsIn:           cur.msgsIn - prev.msgsIn,
			MsgsOut:          cur.msgsOut - prev.msgsOut,
			BytesIn:          cur.bytesIn - prev.bytesIn,
			BytesOut:         cur.bytesOut - prev.bytesOut,
			Faults:           cur.faults - prev.faults,
			HeartbeatLatency: p.HeartbeatLatency,
			HeartbeatMisses:  uint32(p.HeartbeatMisses),
		}
		if p.Module != "" {
			restarts[p.Module] = p.Restarts
			if d := p.Restarts - o.restarts[p.Module]; d > 0 {
				s.Restarts = uint32(d)
			}
		}
		for n := range cur.calls {
			if d := cur.calls[n] - prev.calls[n]; d > 0 {
				s.Syscalls = append(s.Syscalls, metrics.SyscallCount{Num: uint16(n), Count: d})
			}
		}
		rec.Samples = append(rec.Samples, s)
	}
	b, err := rec.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if len(b) > max {
		return nil, fmt.Errorf("metrics: a record of %d bytes, the buffer holds %d: %w", len(b), max, ErrBufferTooSmall)
	}
	o.seq, o.last, o.prev, o.restarts = rec.Seq, now, next, restarts
	return b, nil
}

// snapshot reads p's counters.
func snapshot(p *Process) *baseline {
	b := &baseline{faults: p.Faults, memory: p.Memory}
	if c := p.Counters; c != nil {
		b.cpu = c.CPU.Load()
		b.msgsIn, b.msgsOut = c.MsgsIn.Load(), c.MsgsOut.Load()
		b.bytesIn, b.bytesOut = c.BytesIn.Load(), c.BytesOut.Load()
		for n := range b.calls {
			b.calls[n] = c.Calls[n].Load()
		}
	}
	return b
}

// clip cuts a module's name to what a record carries.
func clip(name string) string {
	if len(name) > metrics.MaxName {
		return name[:metrics.MaxName]
	}
	return name
}
