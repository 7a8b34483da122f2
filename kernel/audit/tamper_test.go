package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"testing"
)

// entryOffsets returns where each entry of a well-formed file starts, and
// the file's length last.
func entryOffsets(b []byte) []int {
	offs := []int{headerSize}
	for off := headerSize; off < len(b); {
		off += 4 + int(binary.LittleEndian.Uint32(b[off:]))
		offs = append(offs, off)
	}
	return offs
}

// verifyErr verifies b and returns its *VerifyError, failing the test
// when b verifies or the error is of another type.
func verifyErr(t *testing.T, what string, b []byte, opts Options) *VerifyError {
	t.Helper()
	_, err := Verify(bytes.NewReader(b), opts, nil)
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: verified (or an error of another type: %v)", what, err)
	}
	return ve
}

func TestEveryFlippedByteOfASignedLogIsCaught(t *testing.T) {
	key := testKey("k")
	b := writeLog(t, "a", key, 4)
	offs := append([]int{0}, entryOffsets(b)...)
	opts := Options{Key: key.Public().(ed25519.PublicKey)}
	entry := 0 // offs[entry] <= i < offs[entry+1]
	for i := range b {
		for i >= offs[entry+1] {
			entry++
		}
		flipped := bytes.Clone(b)
		flipped[i] ^= 0xff
		ve := verifyErr(t, "a flipped byte", flipped, opts)
		// The flipped entry itself is refused, or the one after it,
		// whose prev (or head) no longer matches.
		if at := int(ve.Offset); at != offs[entry] && at != offs[entry+1] {
			t.Errorf("byte %d (entry at %d) flipped: reported at %d: %v", i, offs[entry], at, ve)
		}
	}
}

func TestAnUnsignedLogIsCaughtAgainstAKnownHead(t *testing.T) {
	b := writeLog(t, "a", nil, 3)
	s, err := Verify(bytes.NewReader(b), Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	known := Options{Known: Head{s.Records, s.Head}}
	missed := 0
	for i := range b {
		flipped := bytes.Clone(b)
		flipped[i] ^= 0xff
		if _, err := Verify(bytes.NewReader(flipped), Options{}, nil); err == nil {
			missed++
		}
		verifyErr(t, "a flipped byte against the known head", flipped, known)
	}
	// Without a head known elsewhere, the last record's content is
	// vouched for by nothing: the chain alone misses flips there.
	if missed == 0 {
		t.Error("every flip of an unsigned log was caught without a known head: the test no longer shows the limit")
	}
}

func TestDeletedAndSwappedRecordsAreSequenceGaps(t *testing.T) {
	b := writeLog(t, "a", nil, 5)
	offs := entryOffsets(b)
	rec := func(i int) []byte { return b[offs[i-1]:offs[i]] } // record i, from 1

	deleted := append(bytes.Clone(b[:offs[1]]), b[offs[2]:]...) // without record 2
	ve := verifyErr(t, "record 2 deleted", deleted, Options{})
	if !errors.Is(ve, ErrSequence) || ve.Seq != 2 || ve.Offset != int64(offs[1]) {
		t.Errorf("record 2 deleted: %v", ve)
	}

	var swapped []byte
	swapped = append(swapped, b[:offs[1]]...)
	swapped = append(swapped, rec(3)...)
	swapped = append(swapped, rec(2)...)
	swapped = append(swapped, b[offs[3]:]...)
	ve = verifyErr(t, "records 2 and 3 swapped", swapped, Options{})
	if !errors.Is(ve, ErrSequence) || ve.Seq != 2 {
		t.Errorf("records 2 and 3 swapped: %v", ve)
	}

	inserted := append(bytes.Clone(b[:offs[2]]), rec(2)...)
	inserted = append(inserted, b[offs[2]:]...)
	if ve = verifyErr(t, "record 2 twice", inserted, Options{}); !errors.Is(ve, ErrSequence) || ve.Seq != 3 {
		t.Errorf("record 2 twice: %v", ve)
	}
}

func TestTruncation(t *testing.T) {
	key := testKey("k")
	b := writeLog(t, "a", key, 3)
	full, err := Verify(bytes.NewReader(b), Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	boundary := map[int]bool{}
	for _, o := range entryOffsets(b) {
		boundary[o] = true
	}
	known := Options{Known: Head{full.Records, full.Head}}
	for n := 0; n < len(b); n++ {
		s, err := Verify(bytes.NewReader(b[:n]), Options{}, nil)
		if !boundary[n] {
			var ve *VerifyError
			if !errors.Is(err, ErrTruncated) || !errors.As(err, &ve) || ve.Offset != s.Size {
				t.Fatalf("cut at %d, inside an entry: %v", n, err)
			}
			continue
		}
		// Cut at an entry's end: a shorter log, which only the known
		// head (or the missing last checkpoint) gives away.
		if err != nil || s.Size != int64(n) {
			t.Fatalf("cut at %d, an entry's end: %v", n, err)
		}
		if s.Records == full.Records {
			continue // only the last checkpoint is gone
		}
		if ve := verifyErr(t, "cut at an entry's end", b[:n], known); !errors.Is(ve, ErrHeadMissing) {
			t.Errorf("cut at %d against the known head: %v", n, ve)
		}
	}
}

func TestTwoLogsDoNotSplice(t *testing.T) {
	a := writeLog(t, "a", nil, 4)
	b := writeLog(t, "b", nil, 4) // the same records, another ID
	oa, ob := entryOffsets(a), entryOffsets(b)

	spliced := append(bytes.Clone(a[:oa[2]]), b[ob[2]:]...) // a's 1-2, b's 3-4
	if ve := verifyErr(t, "a's records then b's", spliced, Options{}); !errors.Is(ve, ErrHashMismatch) || ve.Seq != 3 {
		t.Errorf("a's records then b's: %v", ve)
	}
	rehead := append(bytes.Clone(a[:headerSize]), b[headerSize:]...)
	if ve := verifyErr(t, "b's records under a's header", rehead, Options{}); !errors.Is(ve, ErrHashMismatch) || ve.Seq != 1 {
		t.Errorf("b's records under a's header: %v", ve)
	}
}

// rewrite returns b with record seq's detail replaced and every record
// after it chained again, as someone without the key could do, and the
// checkpoints' heads set to the new chain (their signatures stay).
func rewrite(t *testing.T, b []byte, seq uint64, detail string) []byte {
	t.Helper()
	return rewriteWith(t, b, seq, func(r *Record) { r.Detail = detail })
}

// rewriteWith is rewrite with record seq changed by edit.
func rewriteWith(t *testing.T, b []byte, seq uint64, edit func(*Record)) []byte {
	t.Helper()
	h, _ := parseHeader(b)
	out := bytes.Clone(b[:headerSize])
	head := h.genesis()
	offs := entryOffsets(b)
	for i := 0; i+1 < len(offs); i++ {
		e := b[offs[i]:offs[i+1]]
		if e[4] == kindCheckpoint {
			c, _ := parseCheckpoint(e)
			c.Head = head
			out = append(out, c.encode()...)
			continue
		}
		r, err := ParseRecord(e)
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq == seq {
			edit(&r)
		}
		r.Prev = head
		enc, _ := r.MarshalBinary()
		head = sha256Of(enc)
		out = append(out, enc...)
	}
	return out
}

func TestARewrittenChainFailsItsCheckpointAndAKnownHead(t *testing.T) {
	key := testKey("k")
	signed := writeLog(t, "a", key, 4)
	ve := verifyErr(t, "a rewritten signed log", rewrite(t, signed, 2, "forged"), Options{})
	if !errors.Is(ve, ErrBadSignature) || !ve.Checkpoint {
		t.Errorf("a rewritten signed log: %v", ve)
	}

	unsigned := writeLog(t, "a", nil, 4)
	s, _ := Verify(bytes.NewReader(unsigned), Options{}, nil)
	forged := rewrite(t, unsigned, 2, "forged")
	if _, err := Verify(bytes.NewReader(forged), Options{}, nil); err != nil {
		t.Errorf("a chain rewritten to its end should verify on its own (nothing secret pins it): %v", err)
	}
	if ve := verifyErr(t, "a rewritten log", forged, Options{Known: Head{s.Records, s.Head}}); !errors.Is(ve, ErrHeadMissing) {
		t.Errorf("a rewritten log against the known head: %v", ve)
	}
}

func TestAForeignKeyIsCaughtWhenTheKeyIsPinned(t *testing.T) {
	ours, theirs := testKey("ours"), testKey("theirs")
	forged := writeLog(t, "a", theirs, 3) // a whole log made with another key
	if _, err := Verify(bytes.NewReader(forged), Options{}, nil); err != nil {
		t.Fatalf("the forged log does not verify on its own: %v", err)
	}
	ve := verifyErr(t, "another key", forged, Options{Key: ours.Public().(ed25519.PublicKey)})
	if !errors.Is(ve, ErrKeyMismatch) || ve.Offset != 0 {
		t.Errorf("another key: %v", ve)
	}
}

func TestMalformedEntries(t *testing.T) {
	b := writeLog(t, "a", nil, 2)
	offs := entryOffsets(b)
	put := func(off int, v uint32) []byte {
		c := bytes.Clone(b)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"not a log":             {append([]byte("XXXX"), b[4:]...), ErrMalformed},
		"a short header":        {b[:headerSize-1], ErrTruncated},
		"a zero length":         {put(offs[1], 0), ErrMalformed},
		"a huge length":         {put(offs[1], MaxEntry+1), ErrMalformed},
		"a checkpoint, no key":  {append(bytes.Clone(b), (&Checkpoint{Seq: 2}).encode()...), ErrMalformed},
		"an unknown kind":       {append(bytes.Clone(b), 1, 0, 0, 0, 9), ErrMalformed},
		"a length one too long": {append(put(offs[1], binary.LittleEndian.Uint32(b[offs[1]:])+1), 0), ErrMalformed},
	} {
		if ve := verifyErr(t, name, tc.b, Options{}); !errors.Is(ve, tc.want) {
			t.Errorf("%s: %v, want %v", name, ve, tc.want)
		}
	}
}
