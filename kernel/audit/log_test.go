package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey returns a fixed key made from name.
func testKey(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

// testConfig returns a config with a clock that ticks a second a call
// and a log ID made from id.
func testConfig(id string, key ed25519.PrivateKey) Config {
	t := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	return Config{
		Key:  key,
		Rand: strings.NewReader(fmt.Sprintf("%-16s", id)),
		Clock: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			t = t.Add(time.Second)
			return t
		},
	}
}

// writeLog returns the file of a log of n records, with a checkpoint
// after the last one when key is not nil.
func writeLog(t testing.TB, id string, key ed25519.PrivateKey, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	l, err := New(&buf, testConfig(id, key))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		e := Entry{Event: "install", Subject: fmt.Sprintf("mod%d", i), Detail: "signature ok",
			Fields: []Field{{"version", "1.0." + fmt.Sprint(i)}, {"key", "d53e454b"}}}
		if _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if key != nil {
		if _, err := l.Checkpoint(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestRecordsReadBackAsTheyWereAppended(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(&buf, testConfig("a", testKey("k")))
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	for _, e := range []Entry{
		{Event: "install", Subject: "netdrv", Detail: "1.0.0 signed by d53e"},
		{Event: "activate", Subject: "netdrv", Fields: []Field{{"pid", "7"}, {"handles", "3"}}},
		{Event: "supervisor.restart", Subject: "fatfs", Detail: "heartbeat missed\nthree times", Time: at},
		{Event: "x", Subject: strings.Repeat("s", MaxSubject), Detail: strings.Repeat("d", MaxDetail)},
	} {
		r, err := l.Append(e)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	var got []Record
	s, err := Verify(bytes.NewReader(buf.Bytes()), Options{Key: l.PublicKey()}, func(r Record) { got = append(got, r) })
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 4 || s.Head != l.Head().Hash || s.ID != l.ID() || s.Size != int64(buf.Len()) {
		t.Errorf("summary %+v; head %v", s, l.Head())
	}
	if len(got) != len(want) {
		t.Fatalf("%d records read, %d written", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Seq != uint64(i+1) || !g.Time.Equal(w.Time) || g.Event != w.Event || g.Subject != w.Subject ||
			g.Detail != w.Detail || fmt.Sprint(g.Fields) != fmt.Sprint(w.Fields) || g.Prev != w.Prev || g.Hash != w.Hash {
			t.Errorf("record %d: read %+v, wrote %+v", i+1, g, w)
		}
	}
	if v, ok := got[1].Field("handles"); !ok || v != "3" || got[1].Fields[0].Key != "handles" {
		t.Errorf("fields are not kept sorted: %v", got[1].Fields)
	}
	if !got[2].Time.Equal(at) {
		t.Errorf("the entry's own time %v, read %v", at, got[2].Time)
	}
	if got[0].Prev != s.Genesis || got[1].Prev != got[0].Hash {
		t.Error("records do not chain from the genesis")
	}
}

func TestEntriesBeyondTheLimitsAreRefusedAndAppendNothing(t *testing.T) {
	l, _ := New(nil, testConfig("a", nil))
	for _, e := range []Entry{
		{Event: ""},
		{Event: "two words"},
		{Event: strings.Repeat("e", MaxEvent+1)},
		{Event: "x", Subject: strings.Repeat("s", MaxSubject+1)},
		{Event: "x", Detail: strings.Repeat("d", MaxDetail+1)},
		{Event: "x", Fields: []Field{{"k", "1"}, {"k", "2"}}},
		{Event: "x", Fields: []Field{{"", "1"}}},
		{Event: "x", Fields: []Field{{"k", strings.Repeat("v", MaxValue+1)}}},
		{Event: "x", Fields: make([]Field, MaxFields+1)},
	} {
		if _, err := l.Append(e); !errors.Is(err, ErrInvalid) {
			t.Errorf("Append(%.40q…): %v, want ErrInvalid", fmt.Sprint(e), err)
		}
	}
	if h := l.Head(); h.Seq != 0 {
		t.Errorf("refused entries appended: head %d", h.Seq)
	}
}

func TestRecordNeverRefuses(t *testing.T) {
	var buf bytes.Buffer
	l, _ := New(&buf, testConfig("a", nil))
	var a Auditor = l
	a.Record("", "m", "")
	a.Record("bad name\x00é", strings.Repeat("é", 200), strings.Repeat("d", 2*MaxDetail))
	var got []Record
	if _, err := Verify(bytes.NewReader(buf.Bytes()), Options{}, func(r Record) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Event != "unnamed" || got[1].Event != "bad_name___" ||
		len(got[1].Subject) > MaxSubject || !strings.HasPrefix(got[1].Subject, "éé") || len(got[1].Detail) != MaxDetail {
		t.Errorf("records %+v", got)
	}
	if s := got[1].Subject; strings.ToValidUTF8(s, "?") != s {
		t.Errorf("the subject was cut inside a character: %q", s[len(s)-3:])
	}
}

func TestResumeContinuesTheChain(t *testing.T) {
	key := testKey("k")
	// The file: what Resume reads is what was appended to it before.
	var file bytes.Buffer
	open := func() *Log {
		t.Helper()
		cfg := testConfig("a", key)
		cfg.Keep = 4
		cfg.CheckpointEvery = 3
		l, err := Resume(bytes.NewReader(bytes.Clone(file.Bytes())), &file, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	first := open() // an empty file: a new log
	for i := 0; i < 5; i++ {
		first.Record("boot", "kernel", fmt.Sprint(i))
	}
	id, head := first.ID(), first.Head()

	second := open()
	if second.ID() != id || second.Head() != head {
		t.Fatalf("resumed log %v at %v, want %v at %v", second.ID(), second.Head(), id, head)
	}
	recs, _ := second.Since(0)
	if len(recs) != 4 || recs[0].Seq != 2 || recs[3].Detail != "4" {
		t.Errorf("the resumed log's memory: %+v", recs)
	}
	for i := 5; i < 8; i++ {
		second.Record("boot", "kernel", fmt.Sprint(i))
	}
	s, err := Verify(bytes.NewReader(file.Bytes()), Options{Key: key.Public().(ed25519.PublicKey)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Checkpoints after records 3 and 6: the resumed log counted the two
	// records after the first one.
	if s.Records != 8 || s.ID != id || s.Checkpoints != 2 || s.Signed.Seq != 6 || s.Last.Detail != "7" {
		t.Errorf("summary after resuming: %d records, %d checkpoints, signed to %d", s.Records, s.Checkpoints, s.Signed.Seq)
	}
}

func TestResumeRefusesAnotherKeyAndABrokenFile(t *testing.T) {
	signed := writeLog(t, "a", testKey("k"), 3)
	for _, key := range []ed25519.PrivateKey{testKey("other"), nil} {
		if _, err := Resume(bytes.NewReader(signed), nil, testConfig("a", key)); !errors.Is(err, ErrKeyMismatch) {
			t.Errorf("resumed with key %v: %v", key != nil, err)
		}
	}
	unsigned := writeLog(t, "a", nil, 3)
	if _, err := Resume(bytes.NewReader(unsigned), nil, testConfig("a", testKey("k"))); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("an unsigned log resumed with a key: %v", err)
	}
	torn := unsigned[:len(unsigned)-7]
	_, err := Resume(bytes.NewReader(torn), nil, testConfig("a", nil))
	var ve *VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, ErrTruncated) || ve.Seq != 3 {
		t.Fatalf("a torn file resumed: %v", err)
	}
	good := torn[:ve.Offset]
	if l, err := Resume(bytes.NewReader(good), nil, testConfig("a", nil)); err != nil || l.Head().Seq != 2 {
		t.Errorf("the file cut at the error's offset: %v", err)
	}
}

func TestConcurrentAppendsMakeOneChain(t *testing.T) {
	var buf bytes.Buffer
	cfg := testConfig("a", testKey("k"))
	cfg.CheckpointEvery = 50
	cfg.Keep = 8 * 200 // the follower may fall behind by all of them
	l, _ := New(&buf, cfg)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	// A follower reads everything as it is appended.
	seen := make(chan uint64)
	go func() {
		next := uint64(1)
		for next <= writers*each {
			recs, changed := l.Since(next)
			for _, r := range recs {
				if r.Seq != next {
					t.Errorf("follower: record %d after %d", r.Seq, next-1)
				}
				next = r.Seq + 1
			}
			if next <= writers*each {
				<-changed
			}
		}
		seen <- next - 1
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				l.Record("tick", fmt.Sprintf("w%d", w), fmt.Sprint(i))
			}
		}()
	}
	wg.Wait()
	if n := <-seen; n != writers*each {
		t.Errorf("the follower saw %d records", n)
	}
	s, err := Verify(bytes.NewReader(buf.Bytes()), Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != writers*each || s.Checkpoints != writers*each/50 {
		t.Errorf("%d records, %d checkpoints", s.Records, s.Checkpoints)
	}
}

func TestSinceReadsTheRingAndWakesOnAppend(t *testing.T) {
	cfg := testConfig("a", nil)
	cfg.Keep = 4
	l, _ := New(nil, cfg)
	for i := 0; i < 10; i++ {
		l.Record("e", "s", fmt.Sprint(i))
	}
	if recs, _ := l.Since(0); len(recs) != 4 || recs[0].Seq != 7 || recs[3].Seq != 10 {
		t.Errorf("Since(0): %v", recs)
	}
	recs, changed := l.Since(9)
	if len(recs) != 2 || recs[0].Seq != 9 {
		t.Errorf("Since(9): %v", recs)
	}
	select {
	case <-changed:
		t.Fatal("woken before an append")
	default:
	}
	l.Record("e", "s", "")
	select {
	case <-changed:
	case <-time.After(time.Second):
		t.Fatal("not woken by an append")
	}
}

// failAfter is a sink that fails once it was given n bytes.
type failAfter struct {
	n, writes int
	buf       bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	f.writes++
	if f.buf.Len()+len(p) > f.n {
		return 0, errors.New("disk full")
	}
	return f.buf.Write(p)
}

func TestASinkErrorStopsWritesButNotTheLog(t *testing.T) {
	sink := &failAfter{n: 200}
	l, err := New(sink, testConfig("a", nil))
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for i := 0; i < 5; i++ {
		_, last = l.Append(Entry{Event: "e", Detail: strings.Repeat("x", 40)})
	}
	if last == nil || l.Err() == nil || !strings.Contains(l.Err().Error(), "disk full") {
		t.Fatalf("Append: %v, Err: %v", last, l.Err())
	}
	if l.Head().Seq != 5 {
		t.Errorf("the log stopped at %d", l.Head().Seq)
	}
	if writes := sink.writes; writes > 4 {
		t.Errorf("%d writes: the sink was written after it failed", writes)
	}
	if s, err := Verify(bytes.NewReader(sink.buf.Bytes()), Options{}, nil); err != nil || s.Records == 0 {
		t.Errorf("the file before the error: %d records, %v", s.Records, err)
	}
}

func TestCheckpointWithoutAKey(t *testing.T) {
	l, _ := New(nil, testConfig("a", nil))
	if _, err := l.Checkpoint(); !errors.Is(err, ErrNoKey) {
		t.Errorf("Checkpoint: %v", err)
	}
}

func sha256Of(b []byte) Hash { return sha256.Sum256(b) }
