package audit

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
)

// FuzzVerify feeds log files to Verify: it must never panic, refuse
// with a cause, agree with itself on the good prefix it reports, read
// back records that encode to their hashes, and let a file it accepts be
// resumed and extended.
func FuzzVerify(f *testing.F) {
	key := testKey("k")
	signed := writeLog(f, "a", key, 3)
	f.Add(signed)
	f.Add(writeLog(f, "a", nil, 3))
	f.Add(signed[:len(signed)-5])
	f.Add(signed[:headerSize])
	flipped := bytes.Clone(signed)
	flipped[headerSize+30] ^= 0x01
	f.Add(flipped)
	f.Add(bootLog(f, "a", []ed25519.PrivateKey{testKey("boot1"), testKey("boot2")}, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		var recs []Record
		s, err := Verify(bytes.NewReader(b), Options{}, func(r Record) { recs = append(recs, r) })
		if uint64(len(recs)) != s.Records {
			t.Fatalf("%d records given to each, summary says %d", len(recs), s.Records)
		}
		for _, r := range recs {
			enc, err := r.MarshalBinary()
			if err != nil || sha256Of(enc) != r.Hash {
				t.Fatalf("record %d read back does not encode to its hash: %v", r.Seq, err)
			}
			if again, err := ParseRecord(enc); err != nil || again.Hash != r.Hash {
				t.Fatalf("record %d does not parse again: %v", r.Seq, err)
			}
		}
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("not a *VerifyError: %v", err)
			}
			cause := false
			for _, c := range []error{ErrTruncated, ErrMalformed, ErrSequence, ErrHashMismatch, ErrBadSignature} {
				cause = cause || errors.Is(err, c)
			}
			if !cause || ve.Offset != s.Size {
				t.Fatalf("refused without a cause, or at %d after %d good bytes: %v", ve.Offset, s.Size, err)
			}
			if ve.Offset < headerSize {
				return
			}
			again, err := Verify(bytes.NewReader(b[:ve.Offset]), Options{}, nil)
			if err != nil || again.Records != s.Records || again.Head != s.Head {
				t.Fatalf("the good prefix does not verify alike: %v", err)
			}
			return
		}
		var k ed25519.PrivateKey
		switch {
		case s.Key == nil:
		case bytes.Equal(s.Key, key.Public().(ed25519.PublicKey)):
			k = key
		default:
			return
		}
		var out bytes.Buffer
		out.Write(b)
		l, err := Resume(bytes.NewReader(b), &out, Config{Key: k})
		if err != nil {
			t.Fatalf("a file that verifies does not resume: %v", err)
		}
		l.Record("fuzz", "", "")
		after, err := Verify(bytes.NewReader(out.Bytes()), Options{}, nil)
		if err != nil || after.Records != s.Records+1 {
			t.Fatalf("the resumed log does not verify with one more record: %v", err)
		}
	})
}
