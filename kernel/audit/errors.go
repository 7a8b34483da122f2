package audit

import (
	"errors"
	"fmt"
)

// The causes a log file is refused for. Every error of Verify and Resume
// is a *VerifyError that wraps exactly one of them, so a caller tells the
// causes apart with errors.Is.
var (
	// ErrTruncated: the file ends inside its header or inside an entry.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed: an entry or the header breaks the encoding: magic,
	// format version, reserved bytes, a length out of bounds, an event
	// name, field keys out of order, a checkpoint in a log without a key.
	ErrMalformed = errors.New("bad encoding")
	// ErrSequence: a record's sequence number is not the previous one's
	// plus one (a record deleted, inserted or moved).
	ErrSequence = errors.New("sequence gap")
	// ErrHashMismatch: a record's previous-hash is not the hash of the
	// record before it (or of the log's genesis), or a checkpoint's head
	// is not the hash of the record it follows.
	ErrHashMismatch = errors.New("hash mismatch")
	// ErrBadSignature: a checkpoint's signature does not verify with the
	// log's key.
	ErrBadSignature = errors.New("bad signature")
	// ErrKeyMismatch: the log's key is not the one the caller expects.
	ErrKeyMismatch = errors.New("key mismatch")
	// ErrHeadMissing: the file does not hold the head the caller knows:
	// its tail was cut, or the records up to that head were rewritten.
	ErrHeadMissing = errors.New("known head missing")
)

// ErrInvalid is Append's error for an entry that breaks the limits of
// the encoding (an event name, a length, repeated field keys).
var ErrInvalid = errors.New("invalid entry")

// VerifyError says where a log file went wrong: the entry at Offset,
// which is the record with sequence number Seq or the checkpoint after
// record Seq-1. The bytes before Offset verified.
type VerifyError struct {
	Seq        uint64 // the record expected at Offset
	Offset     int64  // the entry's first byte in the file
	Checkpoint bool   // the entry is a checkpoint
	Err        error  // one of the sentinel errors, wrapped with detail
}

func (e *VerifyError) Error() string {
	switch {
	case e.Offset == 0:
		return fmt.Sprintf("header: %v", e.Err)
	case e.Checkpoint:
		return fmt.Sprintf("checkpoint after record %d at offset %d: %v", e.Seq-1, e.Offset, e.Err)
	}
	return fmt.Sprintf("record %d at offset %d: %v", e.Seq, e.Offset, e.Err)
}

func (e *VerifyError) Unwrap() error { return e.Err }
