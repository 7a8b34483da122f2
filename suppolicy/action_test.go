package suppolicy

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestActionsRoundTrip(t *testing.T) {
	a := &Action{Kind: Replace, Seq: 42, Time: t0, AlertID: 9, Module: "kv", Reason: "cusum on resident_pages"}
	if err := a.Sign(testKey("supervisor")); err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseAction(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != a.Kind || got.Seq != a.Seq || !got.Time.Equal(a.Time) || got.AlertID != a.AlertID ||
		got.Module != a.Module || got.Reason != a.Reason || got.Key != a.Key || got.Sig != a.Sig {
		t.Fatalf("read back %+v, wrote %+v", got, a)
	}
	if !got.verify() {
		t.Fatal("signature does not verify after a round trip")
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(again, b) {
		t.Fatal("encoding is not stable")
	}
}

func TestActionsThatBreakTheirRulesDoNotEncode(t *testing.T) {
	for _, a := range []Action{
		{Kind: 0, Seq: 1, Module: "kv"},
		{Kind: 6, Seq: 1, Module: "kv"},
		{Kind: Alert, Seq: 0, Module: "kv"},
		{Kind: Alert, Seq: 1, Module: ""},
		{Kind: Alert, Seq: 1, Module: "KV"},
		{Kind: Alert, Seq: 1, Module: "-kv"},
		{Kind: Alert, Seq: 1, Module: "kv", Reason: string(make([]byte, MaxReason+1))},
	} {
		a.Time = time.Unix(0, 0)
		if _, err := a.MarshalBinary(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%+v encoded: %v", a, err)
		}
	}
}

func TestKindsParseByName(t *testing.T) {
	for k := Alert; k <= Revoke; k++ {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("%v: %v, %v", k, got, err)
		}
	}
	if _, err := ParseKind("reboot"); !errors.Is(err, ErrMalformed) {
		t.Errorf("reboot: %v", err)
	}
}
