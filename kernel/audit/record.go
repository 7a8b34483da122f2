package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"clk/internal/wire"
)

// The limits of a record's fields, which keep every entry below
// MaxEntry bytes. doc.go gives the encoding they bound.
const (
	MaxEvent   = 64   // bytes of an event name, at least 1
	MaxSubject = 255  // bytes of a subject
	MaxDetail  = 4096 // bytes of a detail
	MaxFields  = 16   // fields of a record
	MaxKey     = 64   // bytes of a field key, at least 1
	MaxValue   = 1024 // bytes of a field value
	// MaxEntry bounds an entry's length word; a parser refuses a larger
	// one before it reads (or allocates) the body.
	MaxEntry = 32 << 10
)

// The kinds of entry, the first byte after an entry's length word.
const (
	kindRecord     = 1
	kindCheckpoint = 2
)

// Sizes of the fixed parts of the encoding.
const (
	headerSize     = 56                  // magic, version, reserved, log id, key
	recordFixed    = 1 + 8 + 8 + 32      // kind, seq, time, prev
	checkpointBody = 1 + 8 + 8 + 32      // kind, seq, time, head: what is signed
	checkpointSize = checkpointBody + 64 // and the signature
)

// Hash is a SHA-256 digest: a record's hash, a chain's head.
type Hash [sha256.Size]byte

func (h Hash) String() string { return fmt.Sprintf("%x", h[:]) }

// Field is a key and value a record carries besides its detail.
type Field struct {
	Key, Value string
}

// Entry is what a caller appends: the log adds the sequence number, the
// time (unless Time is set) and the chain.
type Entry struct {
	Event   string    // what happened: 1 to 64 bytes of printable ASCII, no space
	Subject string    // whom it is about: a module or task name
	Detail  string    // free text
	Fields  []Field   // extra facts; keys distinct, stored sorted
	Time    time.Time // when; the log's clock when zero
}

// Record is one entry of the chain as it is stored.
type Record struct {
	Seq     uint64 // 1 for the first record
	Time    time.Time
	Event   string
	Subject string
	Detail  string
	Fields  []Field // sorted by key
	Prev    Hash    // the previous record's Hash, or the log's genesis
	Hash    Hash    // SHA-256 of this record's encoding; not itself encoded
}

// Field returns the value of the field key and whether the record has it.
func (r Record) Field(key string) (string, bool) {
	for _, f := range r.Fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// validName reports whether s may be an event name or a field key of at
// most max bytes: printable ASCII without space, so that a name reads the
// same in every display.
func validName(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// check reports the first field of r that breaks the encoding's limits.
func (r *Record) check() error {
	switch {
	case !validName(r.Event, MaxEvent):
		return fmt.Errorf("event name %q: 1 to %d bytes of printable ASCII without space", r.Event, MaxEvent)
	case len(r.Subject) > MaxSubject:
		return fmt.Errorf("subject of %d bytes, at most %d", len(r.Subject), MaxSubject)
	case len(r.Detail) > MaxDetail:
		return fmt.Errorf("detail of %d bytes, at most %d", len(r.Detail), MaxDetail)
	case len(r.Fields) > MaxFields:
		return fmt.Errorf("%d fields, at most %d", len(r.Fields), MaxFields)
	}
	for i, f := range r.Fields {
		switch {
		case !validName(f.Key, MaxKey):
			return fmt.Errorf("field key %q: 1 to %d bytes of printable ASCII without space", f.Key, MaxKey)
		case len(f.Value) > MaxValue:
			return fmt.Errorf("field %s: value of %d bytes, at most %d", f.Key, len(f.Value), MaxValue)
		case i > 0 && f.Key <= r.Fields[i-1].Key:
			return fmt.Errorf("field keys %q and %q: not in ascending order or repeated", r.Fields[i-1].Key, f.Key)
		}
	}
	return nil
}

// MarshalBinary returns the record's encoding: its length word and body.
// The record's Hash is the SHA-256 of these bytes.
func (r Record) MarshalBinary() ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	b := make([]byte, 4, 4+recordFixed+64)
	b = append(b, kindRecord)
	b = binary.LittleEndian.AppendUint64(b, r.Seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	b = append(b, r.Prev[:]...)
	b = append(append(b, uint8(len(r.Event))), r.Event...)
	b = append(append(b, uint8(len(r.Subject))), r.Subject...)
	b = append(binary.LittleEndian.AppendUint16(b, uint16(len(r.Detail))), r.Detail...)
	b = append(b, uint8(len(r.Fields)))
	for _, f := range r.Fields {
		b = append(append(b, uint8(len(f.Key))), f.Key...)
		b = append(binary.LittleEndian.AppendUint16(b, uint16(len(f.Value))), f.Value...)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4))
	return b, nil
}

// ParseRecord decodes one record's encoding, exactly: a byte after it is
// an error. Its Hash is the SHA-256 of b. It checks the record alone, not
// its place in a chain.
func ParseRecord(b []byte) (Record, error) {
	if len(b) < 4 {
		return Record{}, ErrTruncated
	}
	n := binary.LittleEndian.Uint32(b)
	switch {
	case n > MaxEntry:
		return Record{}, fmt.Errorf("%w: entry length %d, at most %d", ErrMalformed, n, MaxEntry)
	case uint64(len(b)-4) < uint64(n):
		return Record{}, ErrTruncated
	case uint64(len(b)-4) > uint64(n):
		return Record{}, fmt.Errorf("%w: %d bytes after the record", ErrMalformed, uint64(len(b)-4)-uint64(n))
	case n == 0 || b[4] != kindRecord:
		return Record{}, fmt.Errorf("%w: not a record", ErrMalformed)
	}
	return parseRecordBody(b)
}

// parseRecordBody decodes the record whose whole entry (length word
// included) is b; the length word and kind were checked.
func parseRecordBody(b []byte) (Record, error) {
	d := wire.Decoder{B: b, Off: 5}
	var r Record
	r.Seq = d.U64()
	r.Time = time.Unix(0, int64(d.U64())).UTC()
	copy(r.Prev[:], d.Bytes(32))
	r.Event = string(d.Bytes(int(d.U8())))
	r.Subject = string(d.Bytes(int(d.U8())))
	r.Detail = string(d.Bytes(int(d.U16())))
	nf := int(d.U8())
	if nf > MaxFields {
		return Record{}, fmt.Errorf("%w: %d fields, at most %d", ErrMalformed, nf, MaxFields)
	}
	for i := 0; i < nf && !d.Short; i++ {
		k := string(d.Bytes(int(d.U8())))
		v := string(d.Bytes(int(d.U16())))
		r.Fields = append(r.Fields, Field{k, v})
	}
	switch {
	case d.Short:
		// The length word promised more than the fields hold.
		return Record{}, fmt.Errorf("%w: fields run past the entry's length", ErrMalformed)
	case d.Off != len(b):
		return Record{}, fmt.Errorf("%w: %d bytes after the last field", ErrMalformed, len(b)-d.Off)
	}
	if err := r.check(); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	r.Hash = sha256.Sum256(b)
	return r, nil
}

// Checkpoint is a signed head: the log's key vouches that the chain up to
// record Seq ends in Head.
type Checkpoint struct {
	Seq       uint64 // the last record covered; 0 for an empty log
	Time      time.Time
	Head      Hash // that record's Hash, or the genesis for Seq 0
	Signature [64]byte
}

// checkpointContext starts the message a checkpoint's signature covers,
// so that it never verifies as a signature of anything else clk signs.
const checkpointContext = "clk audit checkpoint v1\x00"

// encode returns the checkpoint's entry, length word included.
func (c *Checkpoint) encode() []byte {
	b := binary.LittleEndian.AppendUint32(nil, checkpointSize)
	b = append(b, kindCheckpoint)
	b = binary.LittleEndian.AppendUint64(b, c.Seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(c.Time.UnixNano()))
	b = append(b, c.Head[:]...)
	return append(b, c.Signature[:]...)
}

// signedMessage is what the signature of the checkpoint entry b covers:
// the context, the log's id and the entry up to the signature.
func signedMessage(id ID, b []byte) []byte {
	m := append([]byte(checkpointContext), id[:]...)
	return append(m, b[:4+checkpointBody]...)
}

// parseCheckpoint decodes a checkpoint's entry (length word and kind
// checked); the signature is the caller's to verify.
func parseCheckpoint(b []byte) (Checkpoint, error) {
	if len(b) != 4+checkpointSize {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint of %d bytes, want %d", ErrMalformed, len(b)-4, checkpointSize)
	}
	d := wire.Decoder{B: b, Off: 5}
	var c Checkpoint
	c.Seq = d.U64()
	c.Time = time.Unix(0, int64(d.U64())).UTC()
	copy(c.Head[:], d.Bytes(32))
	copy(c.Signature[:], d.Bytes(64))
	return c, nil
}
