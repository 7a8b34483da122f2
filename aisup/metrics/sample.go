package metrics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sample is one process's (or module instance's) metrics over one period.
// Counters (CPU, messages, bytes, syscalls, faults, restarts) count what
// happened during the period; gauges (Resident, Threads, Handles,
// HeartbeatMisses) are values at the period's end.
type Sample struct {
	// Module is the module's name, or empty for a process that is not a
	// module's instance.
	Module string
	PID    uint32
	// CPU is the CPU time used in the period.
	CPU time.Duration
	// Resident is the number of pages mapped at the period's end.
	Resident uint64
	// HeapGrowth is the change of the process's heap, in bytes, over the
	// period; negative when it shrank.
	HeapGrowth int64
	Threads    uint32
	Handles    uint32
	MsgsIn     uint64
	MsgsOut    uint64
	BytesIn    uint64
	BytesOut   uint64
	Faults     uint64
	// Restarts is the number of times the module was started again in
	// the period.
	Restarts uint32
	// HeartbeatLatency is the longest heartbeat reply time in the period.
	HeartbeatLatency time.Duration
	// HeartbeatMisses is the number of heartbeats missed in a row at the
	// period's end.
	HeartbeatMisses uint32
	// Syscalls counts calls by number, ascending, each number once, no
	// zero counts.
	Syscalls []SyscallCount
}

// SyscallCount is how many calls of one number a process made.
type SyscallCount struct {
	Num   uint16
	Count uint64
}

// PageSize converts Resident to bytes.
const PageSize = 4096

// Names lists the metrics a Sample has by name, in the order of Vector.
// Rules, baselines and classifiers name metrics this way; "syscall.N"
// names the count of syscall number N.
var Names = []string{
	"cpu_ns", "resident_pages", "resident_bytes", "heap_growth", "threads", "handles",
	"msgs_in", "msgs_out", "bytes_in", "bytes_out", "syscalls", "faults",
	"restarts", "heartbeat_latency_ns", "heartbeat_misses",
}

// Metric is a metric's index in Names, or a syscall number's.
type Metric struct {
	index   int // into Names, or -1 for a syscall
	syscall uint16
}

// Lookup returns the metric named name.
func Lookup(name string) (Metric, error) {
	for i, n := range Names {
		if n == name {
			return Metric{index: i}, nil
		}
	}
	if num, ok := strings.CutPrefix(name, "syscall."); ok {
		n, err := strconv.ParseUint(num, 10, 16)
		if err == nil {
			return Metric{index: -1, syscall: uint16(n)}, nil
		}
	}
	return Metric{}, fmt.Errorf("no metric named %q", name)
}

// Name returns the metric's name.
func (m Metric) Name() string {
	if m.index < 0 {
		return "syscall." + strconv.Itoa(int(m.syscall))
	}
	return Names[m.index]
}

// Of returns the metric's value in s.
func (m Metric) Of(s *Sample) float64 {
	switch m.index {
	case -1:
		for _, c := range s.Syscalls {
			if c.Num == m.syscall {
				return float64(c.Count)
			}
		}
		return 0
	case 0:
		return float64(s.CPU)
	case 1:
		return float64(s.Resident)
	case 2:
		return float64(s.Resident * PageSize)
	case 3:
		return float64(s.HeapGrowth)
	case 4:
		return float64(s.Threads)
	case 5:
		return float64(s.Handles)
	case 6:
		return float64(s.MsgsIn)
	case 7:
		return float64(s.MsgsOut)
	case 8:
		return float64(s.BytesIn)
	case 9:
		return float64(s.BytesOut)
	case 10:
		var n uint64
		for _, c := range s.Syscalls {
			n += c.Count
		}
		return float64(n)
	case 11:
		return float64(s.Faults)
	case 12:
		return float64(s.Restarts)
	case 13:
		return float64(s.HeartbeatLatency)
	case 14:
		return float64(s.HeartbeatMisses)
	}
	return 0
}

// Vector appends the values of ms in s to dst and returns it: the feature
// vector a classifier reads.
func Vector(dst []float64, s *Sample, ms []Metric) []float64 {
	for _, m := range ms {
		dst = append(dst, m.Of(s))
	}
	return dst
}
