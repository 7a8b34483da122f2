package suppolicy

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzParseAction feeds action messages to the decoder and the engine:
// neither may panic, a refusal wraps a cause, and a message that decodes
// encodes back to the same bytes.
func FuzzParseAction(f *testing.F) {
	a := &Action{Kind: Restart, Seq: 3, Time: t0, AlertID: 1, Module: "kv", Reason: "r"}
	a.Sign(testKey("supervisor"))
	good, _ := a.MarshalBinary()
	f.Add(good)
	f.Add(good[:40])
	f.Add(append(bytes.Clone(good), 0))
	rec := &recorder{}
	roots := Roots{Keys: [][32]byte{pub(testKey("root1"))}, Threshold: 1}
	e, err := NewEngine(Config{Roots: roots, Auditor: rec, Now: func() time.Time { return t0 }})
	if err != nil {
		f.Fatal(err)
	}
	if err := e.Load(signPolicy(f, policyBody(1, "enforced", testKey("supervisor")), testKey("root1"))); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAction(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("refusal without a cause: %v", err)
			}
		} else if again, err := a.MarshalBinary(); err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded action does not encode to its bytes: %v", err)
		}
		d := e.Decide(b)
		if (d.Verdict == Allowed) != (d.Err == nil) {
			t.Fatalf("verdict %v with error %v", d.Verdict, d.Err)
		}
	})
}

// FuzzParsePolicy feeds policy files to the verifier and policy bodies
// to the JSON reader: no panic, a refusal wraps a cause, and a body that
// reads is written back to one that reads the same.
func FuzzParsePolicy(f *testing.F) {
	body := policyBody(1, "enforced", testKey("supervisor"))
	root := testKey("root1")
	f.Add(signPolicy(f, body, root))
	f.Add(body)
	f.Add([]byte(`{"version":1,"mode":"advisory","supervisors":[],"rules":[]}`))
	roots := Roots{Keys: [][32]byte{pub(root)}, Threshold: 1}
	causes := []error{ErrMalformed, ErrBadSignature, ErrBelowThreshold}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := VerifyPolicy(b, roots); err != nil && !isOneOf(err, causes) {
			t.Fatalf("policy file refused without a cause: %v", err)
		}
		if pf, err := ParsePolicyFile(b); err == nil {
			if again, err := pf.MarshalBinary(); err != nil || !bytes.Equal(again, b) {
				t.Fatalf("policy file does not encode to its bytes: %v", err)
			}
		}
		p, err := ParsePolicyBody(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("policy body refused without a cause: %v", err)
			}
			return
		}
		j, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParsePolicyBody(j)
		if err != nil {
			t.Fatalf("policy written back does not read: %v\n%s", err, j)
		}
		k, _ := q.MarshalJSON()
		if !bytes.Equal(j, k) {
			t.Fatalf("policy changes when written again:\n%s\n%s", j, k)
		}
	})
}

func isOneOf(err error, causes []error) bool {
	for _, c := range causes {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}
