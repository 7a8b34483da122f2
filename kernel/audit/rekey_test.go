package audit

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"
)

// bootLog returns the file of a log whose header names no key, kept
// across len(keys) boots: each boot resumes the file, rekeys it with its
// key and appends n records.
func bootLog(t testing.TB, id string, keys []ed25519.PrivateKey, n int) []byte {
	t.Helper()
	var file bytes.Buffer
	cfg := testConfig(id, nil)
	for boot, k := range keys {
		l, err := Resume(bytes.NewReader(bytes.Clone(file.Bytes())), &file, cfg)
		if err != nil {
			t.Fatalf("boot %d: %v", boot, err)
		}
		c, err := l.Rekey(k)
		if err != nil {
			t.Fatalf("boot %d: rekey: %v", boot, err)
		}
		if c.Seq != l.Head().Seq {
			t.Fatalf("boot %d: the rekey's checkpoint covers record %d, the head is %d", boot, c.Seq, l.Head().Seq)
		}
		for i := range n {
			l.Record("install", fmt.Sprintf("boot%d", boot), fmt.Sprint(i))
		}
	}
	return file.Bytes()
}

func public(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func TestARekeyedLogNamesEachBootsKeyAndSignsWithIt(t *testing.T) {
	k1, k2 := testKey("boot1"), testKey("boot2")
	b := bootLog(t, "a", []ed25519.PrivateKey{k1, k2}, 3)
	var events []string
	s, err := Verify(bytes.NewReader(b), Options{}, func(r Record) { events = append(events, r.Event) })
	if err != nil {
		t.Fatal(err)
	}
	if s.Key != nil || len(s.Keys) != 2 || !bytes.Equal(s.Keys[0], public(k1)) || !bytes.Equal(s.Keys[1], public(k2)) {
		t.Fatalf("keys: header %x, records %x", []byte(s.Key), s.Keys)
	}
	// Record 1 names k1, 5 names k2; a checkpoint follows each.
	if events[0] != KeyEvent || events[4] != KeyEvent || s.Records != 8 || s.Checkpoints != 2 {
		t.Fatalf("events %v, %d records, %d checkpoints", events, s.Records, s.Checkpoints)
	}
	if s.Signed.Seq != 5 || !bytes.Equal(s.SignedBy, public(k2)) {
		t.Errorf("last checkpoint: record %d by %x, want record 5 by boot 2's key", s.Signed.Seq, []byte(s.SignedBy))
	}
	s, err = Verify(bytes.NewReader(b), Options{Key: public(k1)}, nil)
	if err != nil || s.Pinned.Seq != 1 {
		t.Errorf("pinned to boot 1's key: checkpoint of record %d, %v; want 1", s.Pinned.Seq, err)
	}
	s, err = Verify(bytes.NewReader(b), Options{Key: public(k2)}, nil)
	if err != nil || s.Pinned.Seq != 5 {
		t.Errorf("pinned to boot 2's key: checkpoint of record %d, %v; want 5", s.Pinned.Seq, err)
	}
	ve := verifyErr(t, "a key no record names", b, Options{Key: public(testKey("other"))})
	if !errors.Is(ve, ErrKeyMismatch) {
		t.Errorf("a key no record names: %v", ve)
	}
}

func TestARekeyedLogSignsEveryCheckpointEveryRecords(t *testing.T) {
	var file bytes.Buffer
	cfg := testConfig("a", nil)
	cfg.CheckpointEvery = 4
	l, err := New(&file, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.Record("before", "x", "no key yet")
	if _, err := l.Checkpoint(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("checkpoint before a key: %v", err)
	}
	if _, err := l.Rekey(testKey("k")); err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		l.Record("event", "x", fmt.Sprint(i))
	}
	s, err := Verify(bytes.NewReader(file.Bytes()), Options{Key: public(testKey("k"))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Checkpoints != 3 || s.Pinned.Seq != 10 {
		t.Errorf("%d checkpoints, the last of record %d; want 3, of record 10", s.Checkpoints, s.Pinned.Seq)
	}
}

func TestARewrittenChainFailsTheBootKeysCheckpoint(t *testing.T) {
	k1, k2 := testKey("boot1"), testKey("boot2")
	b := bootLog(t, "a", []ed25519.PrivateKey{k1, k2}, 3)
	// A record of the first boot rewritten and the chain after it too:
	// boot 2's checkpoint no longer signs the head it names.
	ve := verifyErr(t, "a rewritten chain", rewrite(t, b, 3, "forged"), Options{})
	if !errors.Is(ve, ErrBadSignature) || !ve.Checkpoint {
		t.Errorf("a rewritten chain: %v", ve)
	}
	// Boot 2's key replaced by another in its record: its checkpoint
	// does not verify under the key the record now names.
	forgedKey := fmt.Sprintf("%x", []byte(public(testKey("theirs"))))
	ve = verifyErr(t, "a key record rewritten", rewrite(t, b, 5, forgedKey), Options{})
	if !errors.Is(ve, ErrBadSignature) {
		t.Errorf("a key record rewritten: %v", ve)
	}
	// A whole history made again with keys of the forger's own verifies
	// alone, and not against a boot's key kept elsewhere.
	forged := bootLog(t, "a", []ed25519.PrivateKey{testKey("theirs1"), testKey("theirs2")}, 3)
	if _, err := Verify(bytes.NewReader(forged), Options{}, nil); err != nil {
		t.Fatalf("the forged log does not verify on its own: %v", err)
	}
	if ve := verifyErr(t, "a forged history", forged, Options{Key: public(k2)}); !errors.Is(ve, ErrKeyMismatch) {
		t.Errorf("a forged history against boot 2's key: %v", ve)
	}
}

func TestKeyRecordsAreRekeysAlone(t *testing.T) {
	l, err := New(nil, testConfig("a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(Entry{Event: KeyEvent, Subject: "audit", Detail: fmt.Sprintf("%x", []byte(public(testKey("k"))))}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append of a %s record: %v", KeyEvent, err)
	}
	l.Record(KeyEvent, "audit", "x")
	if recs, _ := l.Since(0); len(recs) != 1 || recs[0].Event != "_"+KeyEvent {
		t.Errorf("Record of a %s event: %v", KeyEvent, recs)
	}
	if _, err := l.Rekey(ed25519.PrivateKey{1, 2, 3}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Rekey with a short key: %v", err)
	}

	keyed, err := New(nil, testConfig("b", testKey("header")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyed.Rekey(testKey("k")); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("Rekey of a log whose header names its key: %v", err)
	}
}

func TestAKeyRecordThatIsNotAKeyIsMalformed(t *testing.T) {
	b := bootLog(t, "a", []ed25519.PrivateKey{testKey("k")}, 2)
	for _, bad := range []string{"", "00", fmt.Sprintf("%X", []byte(public(testKey("k")))), fmt.Sprintf("%x00", []byte(public(testKey("k"))))} {
		ve := verifyErr(t, "a bad key record", rewrite(t, b, 1, bad), Options{})
		if !errors.Is(ve, ErrMalformed) || ve.Seq != 1 {
			t.Errorf("key record %q: %v", bad, ve)
		}
	}
	// In a log whose header names its key, a key record has no place.
	header := writeLog(t, "a", testKey("header"), 2)
	keyRecord := rewriteWith(t, header, 2, func(r *Record) {
		r.Event, r.Subject, r.Detail, r.Fields = KeyEvent, "audit", fmt.Sprintf("%x", []byte(public(testKey("k")))), nil
	})
	if ve := verifyErr(t, "a key record in a keyed log", keyRecord, Options{}); !errors.Is(ve, ErrMalformed) || ve.Seq != 2 {
		t.Errorf("a key record in a log whose header names its key: %v", ve)
	}
}
