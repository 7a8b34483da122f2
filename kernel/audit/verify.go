package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Head names a chain's state: the last record's sequence number and hash.
type Head struct {
	Seq  uint64
	Hash Hash
}

// Options are what Verify checks a file against besides itself.
type Options struct {
	// Key, when not nil, is the key the log must name: in its header,
	// or, for a log whose header names none, in one of its KeyEvent
	// records (Summary.Pinned is then that key's last checkpoint). A key
	// read from the file alone vouches for nothing: whoever rewrote the
	// file could have put their own there.
	Key ed25519.PublicKey
	// Known, when its Seq is not 0, is a head learnt elsewhere (a
	// checkpoint the kernel printed, an earlier verification): the file
	// must hold record Known.Seq with hash Known.Hash. It catches a tail
	// cut off and a chain rewritten by someone without the key.
	Known Head
}

// Summary describes the part of a file that verified.
type Summary struct {
	ID ID
	// Key is the key the header names, nil when it names none.
	Key ed25519.PublicKey
	// Keys are the keys the KeyEvent records name, in order, in a log
	// whose header names none.
	Keys    []ed25519.PublicKey
	Genesis Hash
	Records uint64 // the number of records, which is the last one's Seq
	First   Record // the first and last records, zero when there are none
	Last    Record
	Head    Hash // the last record's hash, or the genesis
	// Checkpoints counts the checkpoints; Signed is the last one, which
	// vouches for records 1 to Signed.Seq, signed by SignedBy.
	Checkpoints int
	Signed      Checkpoint
	SignedBy    ed25519.PublicKey
	// Pinned is the last checkpoint signed by Options.Key, when given.
	Pinned Checkpoint
	Size   int64 // bytes verified
}

// Verify reads a log file from r and checks its header, each entry's
// encoding, the sequence numbers, the chain of hashes and each
// checkpoint's signature, and then opts. It calls each, unless nil, with
// every record in order as it verifies. It returns the summary of the
// bytes that verified and, when the file does not verify to its end, a
// *VerifyError naming the first bad entry.
func Verify(r io.Reader, opts Options, each func(Record)) (Summary, error) {
	br := bufio.NewReader(r)
	var s Summary
	fail := func(checkpoint bool, err error) (Summary, error) {
		return s, &VerifyError{Seq: s.Records + 1, Offset: s.Size, Checkpoint: checkpoint, Err: err}
	}

	hb := make([]byte, headerSize)
	n, err := io.ReadFull(br, hb)
	// A short header is read whole: it may already not be a log's.
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fail(false, readError(err))
	}
	h, err := parseHeader(hb[:n])
	if err != nil {
		return fail(false, err)
	}
	if opts.Key != nil && h.key != nil && !bytes.Equal(opts.Key, h.key) {
		return fail(false, fmt.Errorf("%w: the log's key is %x, want %x", ErrKeyMismatch, []byte(h.key), []byte(opts.Key)))
	}
	s.ID, s.Key, s.Genesis, s.Head = h.id, h.key, h.genesis(), h.genesis()
	s.Size = headerSize
	// key signs the checkpoints from here: the header's, or the last
	// KeyEvent record's.
	key := h.key

	for {
		var lw [4]byte
		if _, err := io.ReadFull(br, lw[:]); err == io.EOF {
			break
		} else if err != nil {
			return fail(false, readError(err))
		}
		n := binary.LittleEndian.Uint32(lw[:])
		if n == 0 || n > MaxEntry {
			return fail(false, fmt.Errorf("%w: entry length %d, 1 to %d", ErrMalformed, n, MaxEntry))
		}
		b := make([]byte, 4+n)
		copy(b, lw[:])
		if _, err := io.ReadFull(br, b[4:]); err != nil {
			return fail(false, readError(err))
		}
		switch b[4] {
		case kindRecord:
			r, err := parseRecordBody(b)
			switch {
			case err != nil:
				return fail(false, err)
			case r.Seq != s.Records+1:
				return fail(false, fmt.Errorf("%w: record %d where %d belongs", ErrSequence, r.Seq, s.Records+1))
			case r.Prev != s.Head:
				return fail(false, fmt.Errorf("%w: previous hash %.16s…, the chain's head is %.16s…", ErrHashMismatch, r.Prev, s.Head))
			case r.Seq == opts.Known.Seq && r.Hash != opts.Known.Hash:
				return fail(false, fmt.Errorf("%w: hash %.16s…, the known head is %.16s…", ErrHeadMissing, r.Hash, opts.Known.Hash))
			}
			if r.Event == KeyEvent {
				k, err := recordKey(r, h.key)
				if err != nil {
					return fail(false, err)
				}
				key = k
				s.Keys = append(s.Keys, k)
			}
			if r.Seq == 1 {
				s.First = r
			}
			s.Last, s.Records, s.Head = r, r.Seq, r.Hash
			if each != nil {
				each(r)
			}
		case kindCheckpoint:
			c, err := parseCheckpoint(b)
			switch {
			case err != nil:
				return fail(true, err)
			case key == nil:
				return fail(true, fmt.Errorf("%w: a checkpoint in a log without a key", ErrMalformed))
			case c.Seq != s.Records:
				return fail(true, fmt.Errorf("%w: a checkpoint of record %d", ErrSequence, c.Seq))
			case c.Head != s.Head:
				return fail(true, fmt.Errorf("%w: checkpoint head %.16s…, the chain's head is %.16s…", ErrHashMismatch, c.Head, s.Head))
			case !ed25519.Verify(key, signedMessage(h.id, b), c.Signature[:]):
				return fail(true, ErrBadSignature)
			}
			s.Checkpoints++
			s.Signed, s.SignedBy = c, key
			if opts.Key != nil && bytes.Equal(opts.Key, key) {
				s.Pinned = c
			}
		default:
			return fail(false, fmt.Errorf("%w: entry kind %d", ErrMalformed, b[4]))
		}
		s.Size += int64(len(b))
	}
	if opts.Known.Seq > s.Records {
		return fail(false, fmt.Errorf("%w: the file ends at record %d, the known head is record %d", ErrHeadMissing, s.Records, opts.Known.Seq))
	}
	if opts.Key != nil && h.key == nil && !slices.ContainsFunc(s.Keys, func(k ed25519.PublicKey) bool { return bytes.Equal(k, opts.Key) }) {
		return fail(false, fmt.Errorf("%w: no %s record of the log names key %x", ErrKeyMismatch, KeyEvent, []byte(opts.Key)))
	}
	return s, nil
}

// recordKey reads the key of a KeyEvent record, in a log whose header
// names headerKey.
func recordKey(r Record, headerKey ed25519.PublicKey) (ed25519.PublicKey, error) {
	if headerKey != nil {
		return nil, fmt.Errorf("%w: a %s record in a log whose header names its key", ErrMalformed, KeyEvent)
	}
	k, err := hex.DecodeString(r.Detail)
	if err != nil || len(k) != ed25519.PublicKeySize || len(r.Detail) != 2*ed25519.PublicKeySize || r.Detail != hex.EncodeToString(k) {
		return nil, fmt.Errorf("%w: %s record %d: want %d lower-case hex digits, not %q", ErrMalformed, KeyEvent, r.Seq, 2*ed25519.PublicKeySize, r.Detail)
	}
	return ed25519.PublicKey(k), nil
}

// readError gives a short read its cause; other errors are the reader's.
func readError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ErrTruncated
	}
	return fmt.Errorf("read: %w", err)
}
