package suppolicy

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Auditor records the engine's decisions. *audit.Log (kernel/audit) has
// this method set.
type Auditor interface {
	Record(event, subject, detail string)
}

// The audit events of the engine. The subject is the action's module, or
// "policy" for a policy load.
const (
	EventAllowed   = "sup-allowed"   // an action was allowed and is carried out (enforced)
	EventAdvisory  = "sup-advisory"  // an action would be allowed; advisory mode does nothing
	EventRefused   = "sup-refused"   // an action was refused; the detail says why
	EventEscalated = "sup-escalated" // an action hit the rate limit: a person must decide
	EventPolicy    = "sup-policy"    // a policy was loaded
	EventPolicyBad = "sup-policy-refused"
)

// Verdict is the engine's answer to an action.
type Verdict uint8

const (
	// Refused: the action is not carried out; Decision.Err says why.
	Refused Verdict = iota
	// Allowed: enforced mode, the caller carries the action out.
	Allowed
	// WouldAllow: advisory mode, the action passed every check and is
	// logged only.
	WouldAllow
	// Escalated: the action is authentic and allowed but over the rate
	// limit; it is not carried out and goes to a person.
	Escalated
)

var verdictNames = [...]string{Refused: "refused", Allowed: "allowed", WouldAllow: "advisory", Escalated: "escalated"}

// String returns the verdict's name.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// Decision is the engine's answer to one action message.
type Decision struct {
	Verdict Verdict
	// Action is the decoded action; nil when the message did not decode.
	Action *Action
	// Err is the cause of a refusal or an escalation; nil otherwise.
	Err error
}

// Config configures an Engine.
type Config struct {
	// Roots sign the policy files the engine loads.
	Roots Roots
	// Auditor records every decision and every policy load. Required.
	Auditor Auditor
	// Now is the kernel's clock; time.Now when nil.
	Now func() time.Time
}

// Engine is the kernel's check of the supervisor's actions. It is safe
// for concurrent use; decisions are taken one at a time, in the order
// the lock is taken.
type Engine struct {
	cfg Config

	mu     sync.Mutex
	policy *Policy
	// lastSeq is the highest sequence number accepted from each key.
	// It outlives policies: a new policy never reopens old numbers.
	lastSeq map[[ed25519.PublicKeySize]byte]uint64
	// hard holds, per module, the times of its recent hard actions, the
	// oldest first.
	hard map[string][]time.Time
}

// NewEngine returns an engine with no policy: it refuses every action
// until Load succeeds.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Auditor == nil {
		return nil, errors.New("suppolicy: an engine needs an auditor")
	}
	if cfg.Roots.Threshold < 1 || cfg.Roots.Threshold > len(cfg.Roots.Keys) {
		return nil, fmt.Errorf("suppolicy: threshold %d of %d root keys: %w", cfg.Roots.Threshold, len(cfg.Roots.Keys), ErrBelowThreshold)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Engine{cfg: cfg, lastSeq: map[[ed25519.PublicKeySize]byte]uint64{}, hard: map[string][]time.Time{}}, nil
}

// Load verifies a policy file and, if its version is above the loaded
// policy's, makes it the policy. A refused file leaves the loaded policy
// in force; both outcomes are audited.
func (e *Engine) Load(file []byte) error {
	p, err := VerifyPolicy(file, e.cfg.Roots)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil && e.policy != nil && p.Version <= e.policy.Version {
		err = fmt.Errorf("policy version %d, loaded %d: %w", p.Version, e.policy.Version, ErrPolicyRollback)
	}
	if err != nil {
		e.cfg.Auditor.Record(EventPolicyBad, "policy", err.Error())
		return err
	}
	e.policy = p
	e.cfg.Auditor.Record(EventPolicy, "policy", fmt.Sprintf("version %d, mode %s, %d rules", p.Version, p.Mode, len(p.Rules)))
	return nil
}

// Policy returns the loaded policy, or nil. The caller must not change it.
func (e *Engine) Policy() *Policy {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.policy
}

// SetMode switches the loaded policy to mode m, as an operator may: the
// policy's other terms stay, and a policy loaded later brings its own
// mode. It fails with ErrNoPolicy when none is loaded. The caller
// audits who asked.
func (e *Engine) SetMode(m Mode) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.policy == nil {
		return ErrNoPolicy
	}
	if m != Advisory && m != Enforced {
		return fmt.Errorf("mode %d: %w", m, ErrMalformed)
	}
	p := *e.policy
	p.Mode = m
	e.policy = &p
	return nil
}

// Decide checks an action message, in this order: its encoding, a policy
// is loaded, the key is a supervisor's, the signature, the sequence
// number, the time, the policy's rules (the kind allowed on the module,
// the never-revoke list), the rate limit. An authentic action with a
// fresh sequence number uses it up whatever the verdict, so it can never
// be played again. Every decision is audited.
func (e *Engine) Decide(msg []byte) Decision {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.decide(msg)
	subject, detail := "?", ""
	if d.Action != nil {
		a := d.Action
		subject = a.Module
		detail = fmt.Sprintf("%s seq %d alert %d key %x…: %s", a.Kind, a.Seq, a.AlertID, a.Key[:8], a.Reason)
	}
	if d.Err != nil && detail == "" {
		detail = d.Err.Error()
	} else if d.Err != nil {
		detail = fmt.Sprintf("%s: %v", detail, d.Err)
	}
	event := EventRefused
	switch d.Verdict {
	case Allowed:
		event = EventAllowed
	case WouldAllow:
		event = EventAdvisory
	case Escalated:
		event = EventEscalated
	}
	e.cfg.Auditor.Record(event, subject, detail)
	return d
}

// decide is Decide without the audit.
//
// Preconditions: e.mu is held.
func (e *Engine) decide(msg []byte) Decision {
	a, err := ParseAction(msg)
	if err != nil {
		return Decision{Err: err}
	}
	d := Decision{Action: a}
	p := e.policy
	switch {
	case p == nil:
		d.Err = ErrNoPolicy
		return d
	case !e.supervisor(a.Key):
		d.Err = ErrUnknownKey
		return d
	case !a.verify():
		d.Err = ErrBadSignature
		return d
	case a.Seq <= e.lastSeq[a.Key]:
		d.Err = fmt.Errorf("sequence %d, last accepted %d: %w", a.Seq, e.lastSeq[a.Key], ErrReplay)
		return d
	}
	e.lastSeq[a.Key] = a.Seq
	now := e.cfg.Now()
	if age := now.Sub(a.Time); age > p.MaxAge || age < -p.MaxAge {
		d.Err = fmt.Errorf("action time %v from the kernel's, max_age %v: %w", -age, p.MaxAge, ErrStale)
		return d
	}
	r := p.rule(a.Module)
	if r == nil || !containsKind(r.Actions, a.Kind) {
		d.Err = fmt.Errorf("%s on %s: %w", a.Kind, a.Module, ErrNotAllowed)
		return d
	}
	if a.Kind == Revoke && matchAny(p.NeverRevoke, a.Module) {
		d.Err = fmt.Errorf("revoke %s: %w", a.Module, ErrNeverRevoke)
		return d
	}
	if a.Kind.Hard() && r.Hard > 0 {
		times := e.hard[a.Module]
		i := 0
		for i < len(times) && now.Sub(times[i]) >= r.Period {
			i++
		}
		times = append(times[:0], times[i:]...)
		if len(times) >= r.Hard {
			e.hard[a.Module] = times
			d.Verdict = Escalated
			d.Err = fmt.Errorf("%d hard actions on %s within %v: %w", len(times), a.Module, r.Period, ErrRateLimit)
			return d
		}
		e.hard[a.Module] = append(times, now)
	}
	if p.Mode == Advisory {
		d.Verdict = WouldAllow
	} else {
		d.Verdict = Allowed
	}
	return d
}

func (e *Engine) supervisor(k [ed25519.PublicKeySize]byte) bool {
	for _, s := range e.policy.Supervisors {
		if s == k {
			return true
		}
	}
	return false
}

func containsKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
