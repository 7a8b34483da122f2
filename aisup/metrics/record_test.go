package metrics

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

func testRecord() *Record {
	return &Record{Seq: 12, Time: time.Unix(1_800_000_000, 5), Period: time.Second, Samples: []Sample{
		{Module: "kv", PID: 7, CPU: 3 * time.Millisecond, Resident: 900, HeapGrowth: -4096, Threads: 4, Handles: 11,
			MsgsIn: 100, MsgsOut: 99, BytesIn: 6400, BytesOut: 1 << 40, Faults: 2, Restarts: 1,
			HeartbeatLatency: 150 * time.Microsecond, HeartbeatMisses: 0,
			Syscalls: []SyscallCount{{Num: 1, Count: 5}, {Num: 2, Count: 300}, {Num: 40, Count: 1}, {Num: 65535, Count: 2}}},
		{PID: 1},
	}}
}

func TestRecordsRoundTrip(t *testing.T) {
	r := testRecord()
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(r.Time) {
		t.Fatalf("time %v, wrote %v", got.Time, r.Time)
	}
	got.Time = r.Time
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("read back\n%+v\nwrote\n%+v", got, r)
	}
	t.Logf("a record of 2 samples and 4 syscall counts: %d bytes", len(b))
}

func TestRecordsRefuseWhatHasTwoForms(t *testing.T) {
	r := testRecord()
	r.Samples[0].Syscalls = []SyscallCount{{Num: 2, Count: 1}, {Num: 2, Count: 1}}
	if _, err := r.MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("repeated syscall number encoded: %v", err)
	}
	b, _ := (&Record{Seq: 1}).MarshalBinary()
	long := append(bytes.Clone(b[:5]), 0x81, 0x00) // 1 in two bytes
	long = append(long, b[6:]...)
	if _, err := ParseRecord(long); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a varint longer than its shortest form was read: %v", err)
	}
	if _, err := ParseRecord(append(b, 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a trailing byte was read: %v", err)
	}
}

func TestMetricsAreReadByName(t *testing.T) {
	s := &testRecord().Samples[0]
	for name, want := range map[string]float64{
		"resident_bytes": 900 * PageSize, "heap_growth": -4096, "syscalls": 308, "syscall.2": 300, "syscall.3": 0,
		"heartbeat_latency_ns": 150e3, "restarts": 1,
	} {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Of(s); got != want || m.Name() != name {
			t.Errorf("%s = %v (%s), want %v", name, got, m.Name(), want)
		}
	}
	if _, err := Lookup("syscall.70000"); err == nil {
		t.Error("syscall.70000 names a metric")
	}
	for _, n := range Names {
		if _, err := Lookup(n); err != nil {
			t.Error(err)
		}
	}
}

// FuzzParseRecord feeds metrics records to the decoder: no panic, a
// refusal wraps ErrMalformed, and what decodes encodes back to its input.
func FuzzParseRecord(f *testing.F) {
	b, _ := testRecord().MarshalBinary()
	f.Add(b)
	f.Add(b[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("refusal without its cause: %v", err)
			}
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("record does not encode back to its bytes: %v", err)
		}
	})
}
