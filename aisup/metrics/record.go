package metrics

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrMalformed is the cause of every refusal of a record.
var ErrMalformed = errors.New("malformed metrics record")

// Record is what the kernel publishes each period: the samples of every
// process it measured.
type Record struct {
	// Seq numbers records from 1; a reader that sees a gap lost records.
	Seq uint64
	// Time is the period's end; Period its length.
	Time    time.Time
	Period  time.Duration
	Samples []Sample
}

// Bounds of a record.
const (
	MaxSamples  = 4096
	MaxSyscalls = 1024
	MaxName     = 64
)

const (
	recordMagic   = "CLKS"
	recordVersion = 1
)

// MarshalBinary returns r's encoding, which is compact rather than fixed:
//
//	4 bytes   magic "CLKS"
//	1 byte    format version, 1
//	uvarint   sequence number
//	varint    time, Unix nanoseconds
//	uvarint   period, nanoseconds
//	uvarint   number of samples, at most 4096, then each sample:
//	  1 + m     module name, at most 64 bytes
//	  uvarint   pid, CPU ns, resident pages
//	  varint    heap growth
//	  uvarint   threads, handles, messages in, out, bytes in, out,
//	            faults, restarts, heartbeat latency ns, heartbeat misses
//	  uvarint   number of syscall counts, at most 1024, then each:
//	            uvarint the number's gap from the previous one (the
//	            first: the number), uvarint the count, not 0
//
// Varints are encoding/binary's, in their shortest form; syscall numbers
// rise strictly (a gap after the first is at least 1). So a record has
// one encoding, and a decoder's output encodes back to its input.
func (r *Record) MarshalBinary() ([]byte, error) {
	if len(r.Samples) > MaxSamples || r.Period < 0 {
		return nil, fmt.Errorf("%d samples (at most %d), period %v: %w", len(r.Samples), MaxSamples, r.Period, ErrMalformed)
	}
	b := append([]byte(recordMagic), recordVersion)
	b = binary.AppendUvarint(b, r.Seq)
	b = binary.AppendVarint(b, r.Time.UnixNano())
	b = binary.AppendUvarint(b, uint64(r.Period))
	b = binary.AppendUvarint(b, uint64(len(r.Samples)))
	for i := range r.Samples {
		s := &r.Samples[i]
		if len(s.Module) > MaxName || len(s.Syscalls) > MaxSyscalls || s.CPU < 0 || s.HeartbeatLatency < 0 {
			return nil, fmt.Errorf("sample %d (pid %d) out of bounds: %w", i, s.PID, ErrMalformed)
		}
		b = append(b, byte(len(s.Module)))
		b = append(b, s.Module...)
		for _, v := range []uint64{uint64(s.PID), uint64(s.CPU), s.Resident} {
			b = binary.AppendUvarint(b, v)
		}
		b = binary.AppendVarint(b, s.HeapGrowth)
		for _, v := range []uint64{uint64(s.Threads), uint64(s.Handles), s.MsgsIn, s.MsgsOut, s.BytesIn, s.BytesOut,
			s.Faults, uint64(s.Restarts), uint64(s.HeartbeatLatency), uint64(s.HeartbeatMisses)} {
			b = binary.AppendUvarint(b, v)
		}
		b = binary.AppendUvarint(b, uint64(len(s.Syscalls)))
		prev := -1
		for _, c := range s.Syscalls {
			if int(c.Num) <= prev || c.Count == 0 {
				return nil, fmt.Errorf("sample %d: syscall counts not ascending or zero at %d: %w", i, c.Num, ErrMalformed)
			}
			gap := uint64(c.Num)
			if prev >= 0 {
				gap = uint64(int(c.Num) - prev)
			}
			b = binary.AppendUvarint(b, gap)
			b = binary.AppendUvarint(b, c.Count)
			prev = int(c.Num)
		}
	}
	return b, nil
}

// reader reads varints in their shortest form.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %w", what, ErrMalformed)
	}
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n != uvarintLen(v) {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	ux := uint64(v) << 1
	if v < 0 {
		ux = ^ux
	}
	if n <= 0 || n != uvarintLen(ux) {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bounded reads a uvarint that must be at most max.
func (r *reader) bounded(what string, max uint64) uint64 {
	v := r.uvarint(what)
	if v > max {
		r.fail(fmt.Sprintf("%s %d above %d", what, v, max))
		return 0
	}
	return v
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// ParseRecord decodes a record.
func ParseRecord(b []byte) (*Record, error) {
	if len(b) < len(recordMagic)+1 || string(b[:4]) != recordMagic || b[4] != recordVersion {
		return nil, fmt.Errorf("record header: %w", ErrMalformed)
	}
	rd := &reader{b: b[5:]}
	r := &Record{Seq: rd.uvarint("sequence number")}
	r.Time = time.Unix(0, rd.varint("time"))
	r.Period = time.Duration(rd.bounded("period", 1<<63-1))
	n := rd.bounded("sample count", MaxSamples)
	// Each sample takes at least 17 bytes, so a short record cannot make
	// the decoder allocate much.
	if n > uint64(len(rd.b)/17) {
		rd.fail("sample count beyond the record")
	}
	if rd.err != nil {
		return nil, rd.err
	}
	r.Samples = make([]Sample, n)
	for i := range r.Samples {
		s := &r.Samples[i]
		if len(rd.b) < 1 || int(rd.b[0]) > MaxName || len(rd.b) < 1+int(rd.b[0]) {
			return nil, fmt.Errorf("sample %d: module name: %w", i, ErrMalformed)
		}
		end := 1 + int(rd.b[0])
		s.Module, rd.b = string(rd.b[1:end]), rd.b[end:]
		s.PID = uint32(rd.bounded("pid", 1<<32-1))
		s.CPU = time.Duration(rd.bounded("cpu", 1<<63-1))
		s.Resident = rd.uvarint("resident")
		s.HeapGrowth = rd.varint("heap growth")
		s.Threads = uint32(rd.bounded("threads", 1<<32-1))
		s.Handles = uint32(rd.bounded("handles", 1<<32-1))
		s.MsgsIn = rd.uvarint("messages in")
		s.MsgsOut = rd.uvarint("messages out")
		s.BytesIn = rd.uvarint("bytes in")
		s.BytesOut = rd.uvarint("bytes out")
		s.Faults = rd.uvarint("faults")
		s.Restarts = uint32(rd.bounded("restarts", 1<<32-1))
		s.HeartbeatLatency = time.Duration(rd.bounded("heartbeat latency", 1<<63-1))
		s.HeartbeatMisses = uint32(rd.bounded("heartbeat misses", 1<<32-1))
		k := rd.bounded("syscall count", MaxSyscalls)
		if k > uint64(len(rd.b)/2) {
			rd.fail("syscall counts beyond the record")
		}
		if rd.err != nil {
			return nil, fmt.Errorf("sample %d: %w", i, rd.err)
		}
		if k > 0 {
			s.Syscalls = make([]SyscallCount, k)
		}
		num := uint64(0)
		for j := range s.Syscalls {
			gap := rd.bounded("syscall number", 1<<16-1)
			if j > 0 && gap == 0 {
				rd.fail("syscall numbers not ascending")
			}
			num += gap
			if num > 1<<16-1 {
				rd.fail("syscall number above 65535")
			}
			s.Syscalls[j] = SyscallCount{Num: uint16(num), Count: rd.uvarint("syscall count")}
			if rd.err == nil && s.Syscalls[j].Count == 0 {
				rd.fail("syscall count 0")
			}
		}
		if rd.err != nil {
			return nil, fmt.Errorf("sample %d: %w", i, rd.err)
		}
	}
	if len(rd.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the last sample: %w", len(rd.b), ErrMalformed)
	}
	return r, nil
}
