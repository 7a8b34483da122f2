package supctl

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"clk/abi"
	"clk/aisup"
	"clk/suppolicy"
)

func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// log is an Auditor and a Manager that keep what they are told.
type log struct {
	mu    sync.Mutex
	lines []string
}

func (l *log) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *log) Record(event, subject, detail string) { l.add(event + " " + subject) }
func (l *log) Restart(name, reason string) error    { l.add("do restart " + name); return nil }
func (l *log) Stop(name string) error               { l.add("do stop " + name); return nil }
func (l *log) Revoke(name string) error             { l.add("do revoke " + name); return nil }

func (l *log) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if x == s {
			return true
		}
	}
	return false
}

func newController(t *testing.T, mode string) (*Controller, *log) {
	t.Helper()
	root, sup := key("root"), key("sup")
	body := fmt.Sprintf(`{"version": 1, "mode": %q, "supervisors": [%q],
 "rules": [{"modules": ["kv"], "actions": ["alert", "restart"]}, {"modules": ["*"], "actions": ["alert"]}]}`,
		mode, base64.StdEncoding.EncodeToString(sup.Public().(ed25519.PublicKey)))
	f := &suppolicy.PolicyFile{Body: []byte(body)}
	if err := f.Sign(root); err != nil {
		t.Fatal(err)
	}
	file, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	l := &log{}
	e, err := suppolicy.NewEngine(suppolicy.Config{Roots: suppolicy.Roots{
		Keys: [][ed25519.PublicKeySize]byte{[ed25519.PublicKeySize]byte(root.Public().(ed25519.PublicKey))}, Threshold: 1}, Auditor: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Load(file); err != nil {
		t.Fatal(err)
	}
	return New(e, l, l), l
}

func action(t *testing.T, k ed25519.PrivateKey, kind suppolicy.Kind, module string, seq, alert uint64) []byte {
	t.Helper()
	a := suppolicy.Action{Kind: kind, Seq: seq, Time: time.Now(), AlertID: alert, Module: module, Reason: "test"}
	if err := a.Sign(k); err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func alert(t *testing.T, id uint64, module string) []byte {
	t.Helper()
	b, err := json.Marshal(aisup.Alert{ID: id, Module: module, Kind: "heartbeat", Tier: aisup.TierRule, Suggested: suppolicy.Restart,
		Evidence: []aisup.Evidence{{Tier: aisup.TierRule, Detector: "heartbeat", Metric: "heartbeat_misses", Observed: 3, Baseline: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAnAllowedRestartIsCarriedOutInEnforcedModeOnly(t *testing.T) {
	for _, mode := range []string{"advisory", "enforced"} {
		c, l := newController(t, mode)
		c.Handle(abi.SupAlert, alert(t, 9, "kv"))
		c.Handle(abi.SupAction, action(t, key("sup"), suppolicy.Restart, "kv", 1, 9))
		if got := l.has("do restart kv"); got != (mode == "enforced") {
			t.Errorf("%s mode: restart carried out %v", mode, got)
		}
		as := c.Alerts()
		if len(as) != 1 || as[0].ID != 1 {
			t.Fatalf("%s mode: alerts %+v, want one, numbered 1 by the kernel", mode, as)
		}
		want := map[string]string{"advisory": "advisory", "enforced": "allowed, done"}[mode]
		if as[0].Decision != want {
			t.Errorf("%s mode: the alert's decision %q, want %q", mode, as[0].Decision, want)
		}
	}
}

func TestForgedAndOutOfPolicyActionsDoNothing(t *testing.T) {
	c, l := newController(t, "enforced")
	if d := c.Submit(action(t, key("intruder"), suppolicy.Restart, "kv", 1, 0)); !strings.HasPrefix(d, "refused") {
		t.Errorf("an action of an unknown key: %q", d)
	}
	if d := c.Submit(action(t, key("sup"), suppolicy.Restart, "fatfs", 2, 0)); !strings.Contains(d, "not allowed") {
		t.Errorf("a restart the policy does not allow: %q", d)
	}
	if l.has("do restart kv") || l.has("do restart fatfs") {
		t.Error("a refused action was carried out")
	}
	if !l.has("sup-refused kv") || !l.has("sup-refused fatfs") {
		t.Errorf("refusals not audited: %v", l.lines)
	}
}

func TestBadAlertsAreDroppedAndTheModeChangeIsAudited(t *testing.T) {
	c, l := newController(t, "advisory")
	c.Handle(abi.SupAlert, []byte("{not json"))
	c.Handle(abi.SupAlert, []byte(`{"id": 1, "module": "kv"}`))
	if st := c.Status(); len(c.Alerts()) != 0 || st.Dropped != 2 {
		t.Errorf("alerts %v, dropped %d; want none kept, 2 dropped", c.Alerts(), st.Dropped)
	}
	if err := c.SetMode(suppolicy.Enforced, "test"); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st.Mode != "enforced" || !l.has("sup-mode policy") {
		t.Errorf("mode %s, audit %v", st.Mode, l.lines)
	}
}
