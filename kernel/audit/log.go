package audit

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Auditor is what a subsystem that reports to the audit log depends on:
// the module manager records each lifecycle event of a module. *Log
// implements it.
type Auditor interface {
	// Record appends an event about module; it never fails in a way the
	// caller must handle (see Log.Record).
	Record(event, module, detail string)
}

// Defaults of Config.
const (
	DefaultKeep            = 256
	DefaultCheckpointEvery = 64
)

// KeyEvent is the event of the record Rekey writes: in a log whose header
// names no key, the checkpoints after it are signed by the ed25519 key
// whose public half is its detail, in 64 hex digits. Its subject is
// "audit".
const KeyEvent = "checkpoint-key"

// ErrNoKey is Checkpoint's error on a log without a key.
var ErrNoKey = errors.New("audit: the log has no key to sign checkpoints")

// Config sets up a Log.
type Config struct {
	// Clock gives a record its time when the entry has none; time.Now
	// when nil. Times are stored in Unix nanoseconds (years 1678 to 2262)
	// and not checked for order.
	Clock func() time.Time
	// Keep is how many recent records the log holds in memory
	// (DefaultKeep when not positive).
	Keep int
	// Key, when not nil, signs checkpoints; the log's header names its
	// public key.
	Key ed25519.PrivateKey
	// CheckpointEvery is how many records a log with a key appends
	// between two checkpoints it writes by itself
	// (DefaultCheckpointEvery when not positive).
	CheckpointEvery int
	// Rand gives a new log its ID; crypto/rand when nil.
	Rand io.Reader
}

// Log is an append-only, hash-chained log of records. It writes each
// entry to its sink, if it has one, and keeps the last records in memory.
// A Log is safe for concurrent use; its methods take its one mutex, which
// is held while the sink writes, so that the file's order is the chain's.
type Log struct {
	mu  sync.Mutex
	hdr header
	cfg Config
	// key signs the checkpoints: Config.Key, or the key Rekey gave a
	// log whose header names none; nil while there is none.
	key   ed25519.PrivateKey
	sink  io.Writer
	err   error // the sink's first error; nothing is written after it
	seq   uint64
	head  Hash
	since int // records since the last checkpoint
	// ring holds the last records: ring[start] is the oldest of n.
	ring     []Record
	start, n int
	// changed is closed, and replaced, when a record is appended.
	changed chan struct{}
}

// New starts a log and writes its header to sink, which may be nil for
// a log kept only in memory.
func New(sink io.Writer, cfg Config) (*Log, error) {
	l := newLog(sink, cfg)
	rnd := cfg.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, l.hdr.id[:]); err != nil {
		return nil, fmt.Errorf("audit: log id: %w", err)
	}
	l.head = l.hdr.genesis()
	if sink != nil {
		if _, err := sink.Write(l.hdr.encode()); err != nil {
			return nil, fmt.Errorf("audit: write header: %w", err)
		}
	}
	return l, nil
}

func newLog(sink io.Writer, cfg Config) *Log {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = DefaultCheckpointEvery
	}
	l := &Log{cfg: cfg, key: cfg.Key, sink: sink, ring: make([]Record, cfg.Keep), changed: make(chan struct{})}
	if cfg.Key != nil {
		l.hdr.key = cfg.Key.Public().(ed25519.PublicKey)
	}
	return l
}

// Resume continues the log whose file r reads, appending to sink (the
// same file, opened to append). It verifies the whole file first and
// refuses a file that does not verify with the *VerifyError of Verify,
// whose Offset is where the good bytes end; a file whose log has a key
// other than cfg.Key's (or none when cfg has one, or the other way
// round) is refused with ErrKeyMismatch. An empty file starts a new log,
// as New does. The last records of the file fill the log's memory.
func Resume(r io.Reader, sink io.Writer, cfg Config) (*Log, error) {
	br := bufio.NewReader(r)
	if _, err := br.Peek(1); err == io.EOF {
		return New(sink, cfg)
	}
	l := newLog(sink, cfg)
	s, err := Verify(br, Options{Key: l.hdr.key}, l.keep)
	if err != nil {
		return nil, fmt.Errorf("audit: resume: %w", err)
	}
	if l.hdr.key == nil && s.Key != nil {
		err := &VerifyError{Err: fmt.Errorf("%w: the log is signed by key %x and no key was given", ErrKeyMismatch, []byte(s.Key))}
		return nil, fmt.Errorf("audit: resume: %w", err)
	}
	if l.hdr.key != nil && s.Key == nil {
		// The key given is named by a KeyEvent record, not by the
		// header: the file's log is one Rekey signs for.
		err := &VerifyError{Err: fmt.Errorf("%w: the log's header names no key; Rekey gives it one", ErrKeyMismatch)}
		return nil, fmt.Errorf("audit: resume: %w", err)
	}
	l.hdr.id = s.ID
	l.seq, l.head = s.Records, s.Head
	l.since = int(s.Records - s.Signed.Seq)
	return l, nil
}

// Record appends an entry with the given event, subject and detail. It
// cannot fail: an event name that breaks the rules of Entry has its bad
// bytes replaced by '_' (and is "unnamed" when empty), the name KeyEvent,
// which only Rekey writes, becomes "_" and the name, and strings too long
// are cut. A sink's error is kept for Err; the record is still appended
// in memory.
func (l *Log) Record(event, subject, detail string) {
	event = cleanName(event)
	if event == KeyEvent {
		event = "_" + event
	}
	l.Append(Entry{Event: event, Subject: clip(subject, MaxSubject), Detail: clip(detail, MaxDetail)})
}

// Append appends e as the next record and writes it to the sink, and
// after every CheckpointEvery records a checkpoint too when the log has
// a key. An entry that breaks the encoding's limits, or whose event is
// KeyEvent (Rekey's alone), is refused with ErrInvalid and appends
// nothing. When the sink fails, the record is still appended in memory
// and the error returned; the sink is not written again (Err returns its
// error).
func (l *Log) Append(e Entry) (Record, error) {
	r := Record{Event: e.Event, Subject: e.Subject, Detail: e.Detail, Fields: slices.Clone(e.Fields)}
	slices.SortStableFunc(r.Fields, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	if err := r.check(); err != nil {
		return Record{}, fmt.Errorf("audit: %w: %v", ErrInvalid, err)
	}
	if r.Event == KeyEvent {
		return Record{}, fmt.Errorf("audit: %w: the event %s is written by Rekey only", ErrInvalid, KeyEvent)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.append(r, e.Time)
}

// append appends r, checked, at time t (the clock's when zero).
// Preconditions: l.mu is held.
func (l *Log) append(r Record, t time.Time) (Record, error) {
	if t.IsZero() {
		t = l.cfg.Clock()
	}
	// The time as it will be read back: Unix nanoseconds in UTC.
	r.Time = time.Unix(0, t.UnixNano()).UTC()
	r.Seq, r.Prev = l.seq+1, l.head
	b, err := r.MarshalBinary()
	if err != nil {
		return Record{}, fmt.Errorf("audit: %w", err)
	}
	r.Hash = sha256.Sum256(b)
	l.write(b)
	l.seq, l.head = r.Seq, r.Hash
	l.keep(r)
	close(l.changed)
	l.changed = make(chan struct{})
	l.since++
	if l.key != nil && l.since >= l.cfg.CheckpointEvery {
		l.checkpoint()
	}
	return r, l.err
}

// Rekey makes k the key of the checkpoints of a log whose header names
// none, from now on: it appends a KeyEvent record naming k's public half
// and then a checkpoint signed by k, which covers every record before it.
// A log is rekeyed as often as its keeper likes (the kernel does at each
// boot); a verifier that pins one of the keys (Options.Key) learns that
// the records up to that key's last checkpoint are as its holder found
// and wrote them. A log whose header names its key is refused with
// ErrKeyMismatch.
func (l *Log) Rekey(k ed25519.PrivateKey) (Checkpoint, error) {
	if len(k) != ed25519.PrivateKeySize {
		return Checkpoint{}, fmt.Errorf("audit: rekey: %w: a key of %d bytes", ErrInvalid, len(k))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hdr.key != nil {
		return Checkpoint{}, fmt.Errorf("audit: rekey: %w: the log's header names its key", ErrKeyMismatch)
	}
	pub := k.Public().(ed25519.PublicKey)
	if _, err := l.append(Record{Event: KeyEvent, Subject: "audit", Detail: hex.EncodeToString(pub)}, time.Time{}); err != nil {
		return Checkpoint{}, err
	}
	l.key = k
	c := l.checkpoint()
	return c, l.err
}

// Checkpoint signs the log's head and writes the checkpoint, then syncs
// the sink if it has a Sync method. It returns ErrNoKey for a log
// without a key.
func (l *Log) Checkpoint() (Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.key == nil {
		return Checkpoint{}, ErrNoKey
	}
	c := l.checkpoint()
	return c, l.err
}

// checkpoint writes a checkpoint of the head and syncs the sink.
// Preconditions: l.mu is held; the log has a key.
func (l *Log) checkpoint() Checkpoint {
	c := Checkpoint{Seq: l.seq, Time: time.Unix(0, l.cfg.Clock().UnixNano()).UTC(), Head: l.head}
	b := c.encode()
	copy(c.Signature[:], ed25519.Sign(l.key, signedMessage(l.hdr.id, b)))
	l.write(c.encode())
	l.sync()
	l.since = 0
	return c
}

// Sync asks the sink, if it has a Sync method, to make what it was given
// durable.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sync()
	return l.err
}

// write gives b to the sink unless it failed before.
// Preconditions: l.mu is held.
func (l *Log) write(b []byte) {
	if l.sink == nil || l.err != nil {
		return
	}
	if _, err := l.sink.Write(b); err != nil {
		l.err = fmt.Errorf("audit: write record: %w", err)
	}
}

// sync syncs the sink. Preconditions: l.mu is held.
func (l *Log) sync() {
	s, ok := l.sink.(interface{ Sync() error })
	if !ok || l.err != nil {
		return
	}
	if err := s.Sync(); err != nil {
		l.err = fmt.Errorf("audit: sync: %w", err)
	}
}

// keep stores r in the ring, over the oldest record when it is full.
// Preconditions: l.mu is held, or l is not shared yet.
func (l *Log) keep(r Record) {
	if l.n < len(l.ring) {
		l.ring[(l.start+l.n)%len(l.ring)] = r
		l.n++
		return
	}
	l.ring[l.start] = r
	l.start = (l.start + 1) % len(l.ring)
}

// Since returns the records in memory whose Seq is at least seq, oldest
// first, and a channel that is closed when the next record is appended;
// a reader that follows the log calls Since again with the last Seq it
// saw plus one. Records older than the memory holds are only in the
// file: the first record returned may have a larger Seq than asked for.
// The records' Fields must not be modified.
func (l *Log) Since(seq uint64) ([]Record, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Record
	for i := 0; i < l.n; i++ {
		if r := l.ring[(l.start+i)%len(l.ring)]; r.Seq >= seq {
			out = append(out, r)
		}
	}
	return out, l.changed
}

// Head returns the last record's sequence number and hash (0 and the
// genesis for an empty log).
func (l *Log) Head() Head {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Head{l.seq, l.head}
}

// ID returns the log's ID.
func (l *Log) ID() ID { return l.hdr.id }

// PublicKey returns the key that verifies the log's checkpoints, nil
// when it has none.
func (l *Log) PublicKey() ed25519.PublicKey { return l.hdr.key }

// Err returns the sink's first error, nil while every write succeeded.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// cleanName turns s into a valid event name: bytes outside printable
// ASCII and space become '_', a name too long is cut, an empty one is
// "unnamed".
func cleanName(s string) string {
	if s == "" {
		return "unnamed"
	}
	b := []byte(clip(s, MaxEvent))
	for i, c := range b {
		if c <= ' ' || c > '~' {
			b[i] = '_'
		}
	}
	return string(b)
}

// clip cuts s to at most max bytes, at the start of a UTF-8 sequence.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
