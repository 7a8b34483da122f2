package suppolicy

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey returns a key pair derived from name.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) [ed25519.PublicKeySize]byte {
	return [ed25519.PublicKeySize]byte(k.Public().(ed25519.PublicKey))
}

type event struct{ event, subject, detail string }

// recorder is an Auditor that keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	events []event
}

func (r *recorder) Record(ev, subject, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{ev, subject, detail})
}

func (r *recorder) last() event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[len(r.events)-1]
}

var t0 = time.Unix(1_800_000_000, 0)

// policyBody returns a policy's JSON for the supervisor key sup.
func policyBody(version uint64, mode string, sup ed25519.PrivateKey) []byte {
	k := pub(sup)
	p := fmt.Sprintf(`{"version": %d, "mode": %q, "max_age": "30s",
 "supervisors": [%q],
 "rules": [
  {"modules": ["kv*"], "actions": ["alert", "restart", "replace", "revoke"], "hard": 2, "period": "1m"},
  {"modules": ["fatfs"], "actions": ["alert", "restart", "revoke"]},
  {"modules": ["*"], "actions": ["alert"]}],
 "never_revoke": ["fatfs"]}`, version, mode, base64.StdEncoding.EncodeToString(k[:]))
	return []byte(p)
}

func signPolicy(t testing.TB, body []byte, keys ...ed25519.PrivateKey) []byte {
	t.Helper()
	f := &PolicyFile{Body: body}
	for _, k := range keys {
		if err := f.Sign(k); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type fixture struct {
	e     *Engine
	rec   *recorder
	now   time.Time
	sup   ed25519.PrivateKey
	roots []ed25519.PrivateKey
	seq   uint64
}

func newFixture(t *testing.T, mode string) *fixture {
	t.Helper()
	fx := &fixture{rec: &recorder{}, now: t0, sup: testKey("supervisor"),
		roots: []ed25519.PrivateKey{testKey("root1"), testKey("root2"), testKey("root3")}}
	var roots Roots
	for _, r := range fx.roots {
		roots.Keys = append(roots.Keys, pub(r))
	}
	roots.Threshold = 2
	e, err := NewEngine(Config{Roots: roots, Auditor: fx.rec, Now: func() time.Time { return fx.now }})
	if err != nil {
		t.Fatal(err)
	}
	fx.e = e
	if err := e.Load(signPolicy(t, policyBody(1, mode, fx.sup), fx.roots[0], fx.roots[2])); err != nil {
		t.Fatal(err)
	}
	return fx
}

// action returns a signed action with the next sequence number.
func (fx *fixture) action(t *testing.T, kind Kind, module string) []byte {
	t.Helper()
	fx.seq++
	return fx.signed(t, fx.sup, &Action{Kind: kind, Seq: fx.seq, Time: fx.now, AlertID: 7, Module: module, Reason: "heartbeat missed 3 times"})
}

func (fx *fixture) signed(t *testing.T, key ed25519.PrivateKey, a *Action) []byte {
	t.Helper()
	if err := a.Sign(key); err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (fx *fixture) want(t *testing.T, msg []byte, verdict Verdict, cause error, event string) {
	t.Helper()
	d := fx.e.Decide(msg)
	if d.Verdict != verdict || !errors.Is(d.Err, cause) || (cause == nil) != (d.Err == nil) {
		t.Fatalf("decision %v, %v; want %v, %v", d.Verdict, d.Err, verdict, cause)
	}
	if got := fx.rec.last(); got.event != event {
		t.Fatalf("audited %q (%s), want %q", got.event, got.detail, event)
	}
}

func TestAnAllowedActionIsAllowedAndAudited(t *testing.T) {
	fx := newFixture(t, "enforced")
	fx.want(t, fx.action(t, Restart, "kv"), Allowed, nil, EventAllowed)
	if ev := fx.rec.last(); ev.subject != "kv" || !strings.Contains(ev.detail, "restart seq 1") {
		t.Fatalf("audit record %+v does not name the action", ev)
	}
}

func TestAForgedActionIsRefused(t *testing.T) {
	fx := newFixture(t, "enforced")
	fx.seq++
	forged := fx.signed(t, testKey("mallory"), &Action{Kind: Restart, Seq: fx.seq, Time: fx.now, Module: "kv"})
	fx.want(t, forged, Refused, ErrUnknownKey, EventRefused)

	// The supervisor's key with another's signature: a changed byte.
	msg := fx.action(t, Restart, "kv")
	msg[len(msg)-1] ^= 1
	fx.want(t, msg, Refused, ErrBadSignature, EventRefused)
	msg = fx.action(t, Restart, "kv")
	msg[30] ^= 1 // the alert id
	fx.want(t, msg, Refused, ErrBadSignature, EventRefused)
}

func TestAReplayedActionIsRefused(t *testing.T) {
	fx := newFixture(t, "enforced")
	msg := fx.action(t, Alert, "kv")
	fx.want(t, msg, Allowed, nil, EventAllowed)
	fx.want(t, msg, Refused, ErrReplay, EventRefused)
	fx.seq += 10
	fx.want(t, fx.action(t, Alert, "kv"), Allowed, nil, EventAllowed)
	fx.seq -= 5
	fx.want(t, fx.action(t, Alert, "kv"), Refused, ErrReplay, EventRefused)
}

func TestARefusedAuthenticActionUsesUpItsSequenceNumber(t *testing.T) {
	fx := newFixture(t, "enforced")
	msg := fx.action(t, Restart, "netstack") // not allowed: alerts only
	fx.want(t, msg, Refused, ErrNotAllowed, EventRefused)
	fx.want(t, msg, Refused, ErrReplay, EventRefused)
}

func TestAnOldOrFutureActionIsRefused(t *testing.T) {
	fx := newFixture(t, "enforced")
	msg := fx.action(t, Alert, "kv")
	fx.now = fx.now.Add(31 * time.Second)
	fx.want(t, msg, Refused, ErrStale, EventRefused)
	fx.seq++
	future := fx.signed(t, fx.sup, &Action{Kind: Alert, Seq: fx.seq, Time: fx.now.Add(time.Minute), Module: "kv"})
	fx.want(t, future, Refused, ErrStale, EventRefused)
}

func TestAnActionOutsideThePolicyIsRefused(t *testing.T) {
	fx := newFixture(t, "enforced")
	fx.want(t, fx.action(t, Isolate, "kv"), Refused, ErrNotAllowed, EventRefused)
	fx.want(t, fx.action(t, Revoke, "netstack"), Refused, ErrNotAllowed, EventRefused)
	fx.want(t, fx.action(t, Revoke, "fatfs"), Refused, ErrNeverRevoke, EventRefused)
	fx.want(t, fx.action(t, Revoke, "kv2"), Allowed, nil, EventAllowed)
}

func TestMalformedMessagesAreRefusedAndAudited(t *testing.T) {
	fx := newFixture(t, "enforced")
	msg := fx.action(t, Alert, "kv")
	for _, b := range [][]byte{nil, msg[:40], append(msg, 0), []byte("CLKA" + string(msg[4:]))} {
		fx.want(t, b, Refused, ErrMalformed, EventRefused)
	}
}

func TestTheRateLimitEscalates(t *testing.T) {
	fx := newFixture(t, "enforced")
	fx.want(t, fx.action(t, Restart, "kv"), Allowed, nil, EventAllowed)
	fx.now = fx.now.Add(10 * time.Second)
	fx.want(t, fx.action(t, Replace, "kv"), Allowed, nil, EventAllowed)
	fx.want(t, fx.action(t, Alert, "kv"), Allowed, nil, EventAllowed) // alerts are not counted
	fx.want(t, fx.action(t, Restart, "kv"), Escalated, ErrRateLimit, EventEscalated)
	fx.want(t, fx.action(t, Restart, "kv-other"), Allowed, nil, EventAllowed) // per module
	// The first restart leaves the period: one more is allowed.
	fx.now = fx.now.Add(50 * time.Second)
	fx.want(t, fx.action(t, Restart, "kv"), Allowed, nil, EventAllowed)
	fx.want(t, fx.action(t, Restart, "kv"), Escalated, ErrRateLimit, EventEscalated)
}

func TestAdvisoryModeOnlyLogs(t *testing.T) {
	fx := newFixture(t, "advisory")
	fx.want(t, fx.action(t, Restart, "kv"), WouldAllow, nil, EventAdvisory)
	fx.want(t, fx.action(t, Revoke, "kv"), WouldAllow, nil, EventAdvisory)
	fx.want(t, fx.action(t, Restart, "kv"), Escalated, ErrRateLimit, EventEscalated)
	fx.want(t, fx.action(t, Restart, "fatfs"), WouldAllow, nil, EventAdvisory)
	fx.want(t, fx.action(t, Revoke, "fatfs"), Refused, ErrNeverRevoke, EventRefused)
	for _, ev := range fx.rec.events {
		if ev.event == EventAllowed {
			t.Fatalf("advisory mode allowed an action: %+v", ev)
		}
	}
}

func TestNoPolicyRefusesEverything(t *testing.T) {
	rec := &recorder{}
	e, err := NewEngine(Config{Roots: Roots{Keys: [][32]byte{pub(testKey("root1"))}, Threshold: 1}, Auditor: rec})
	if err != nil {
		t.Fatal(err)
	}
	a := &Action{Kind: Alert, Seq: 1, Time: time.Now(), Module: "kv"}
	a.Sign(testKey("supervisor"))
	msg, _ := a.MarshalBinary()
	if d := e.Decide(msg); d.Verdict != Refused || !errors.Is(d.Err, ErrNoPolicy) {
		t.Fatalf("decision without a policy: %v %v", d.Verdict, d.Err)
	}
}

func TestPolicyFilesNeedTheRootsThreshold(t *testing.T) {
	fx := newFixture(t, "enforced")
	body := policyBody(2, "advisory", fx.sup)
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"one root of two", signPolicy(t, body, fx.roots[1]), ErrBelowThreshold},
		{"a root and a stranger", signPolicy(t, body, fx.roots[1], testKey("mallory")), ErrBelowThreshold},
		{"unsigned", signPolicy(t, body), ErrBelowThreshold},
		{"older version", signPolicy(t, policyBody(1, "advisory", fx.sup), fx.roots[0], fx.roots[1]), ErrPolicyRollback},
		{"not JSON", signPolicy(t, []byte("mode=enforced"), fx.roots[0], fx.roots[1]), ErrMalformed},
	}
	tampered := signPolicy(t, body, fx.roots[0], fx.roots[1])
	tampered[20] ^= 0x20 // "mode" of the body
	cases = append(cases, struct {
		name string
		file []byte
		want error
	}{"tampered body", tampered, ErrBadSignature})
	for _, c := range cases {
		if err := fx.e.Load(c.file); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		} else if ev := fx.rec.last(); ev.event != EventPolicyBad {
			t.Errorf("%s: audited %q", c.name, ev.event)
		}
		if fx.e.Policy().Mode != Enforced {
			t.Fatalf("%s: a refused policy replaced the loaded one", c.name)
		}
	}
	if err := fx.e.Load(signPolicy(t, body, fx.roots[0], fx.roots[1])); err != nil {
		t.Fatal(err)
	}
	if fx.e.Policy().Mode != Advisory {
		t.Fatal("a good policy was not loaded")
	}
}

func TestSequenceNumbersOutliveAPolicy(t *testing.T) {
	fx := newFixture(t, "enforced")
	msg := fx.action(t, Alert, "kv")
	fx.want(t, msg, Allowed, nil, EventAllowed)
	if err := fx.e.Load(signPolicy(t, policyBody(2, "enforced", fx.sup), fx.roots[0], fx.roots[1])); err != nil {
		t.Fatal(err)
	}
	fx.want(t, msg, Refused, ErrReplay, EventRefused)
}

func TestConcurrentDecisionsAcceptEachSequenceNumberOnce(t *testing.T) {
	fx := newFixture(t, "enforced")
	msgs := make([][]byte, 64)
	for i := range msgs {
		msgs[i] = fx.action(t, Alert, "kv")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, m := range msgs {
				if fx.e.Decide(m).Verdict == Allowed {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if accepted > len(msgs) || accepted < 1 {
		t.Fatalf("%d of %d messages sent 4 times were accepted", accepted, len(msgs))
	}
	if got := len(fx.rec.events); got != 1+4*len(msgs) {
		t.Fatalf("%d audit records, want %d", got, 1+4*len(msgs))
	}
}
