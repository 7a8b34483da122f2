package suppolicy_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"clk/kernel/audit"
	"clk/suppolicy"
)

// The kernel's audit log is an Auditor.
var _ suppolicy.Auditor = (*audit.Log)(nil)

func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func TestDecisionsLandInAnAuditLogThatVerifies(t *testing.T) {
	var file bytes.Buffer
	log, err := audit.New(&file, audit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	root, sup := key("root"), key("supervisor")
	e, err := suppolicy.NewEngine(suppolicy.Config{
		Roots:   suppolicy.Roots{Keys: [][32]byte{[32]byte(root.Public().(ed25519.PublicKey))}, Threshold: 1},
		Auditor: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"version": 1, "mode": "enforced", "supervisors": [%q], "rules": [{"modules": ["kv"], "actions": ["restart"]}]}`,
		base64.StdEncoding.EncodeToString(sup.Public().(ed25519.PublicKey)))
	pf := &suppolicy.PolicyFile{Body: []byte(body)}
	pf.Sign(root)
	pb, _ := pf.MarshalBinary()
	if err := e.Load(pb); err != nil {
		t.Fatal(err)
	}
	a := &suppolicy.Action{Kind: suppolicy.Restart, Seq: 1, Time: time.Now(), Module: "kv"}
	a.Sign(sup)
	msg, _ := a.MarshalBinary()
	e.Decide(msg)
	e.Decide(msg)

	var events []string
	if _, err := audit.Verify(bytes.NewReader(file.Bytes()), audit.Options{}, func(r audit.Record) {
		events = append(events, r.Event+" "+r.Subject)
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"sup-policy policy", "sup-allowed kv", "sup-refused kv"}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("audit log holds %v, want %v", events, want)
	}
}
