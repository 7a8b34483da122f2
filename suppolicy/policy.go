package suppolicy

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mode says whether the kernel carries out the actions it allows.
type Mode uint8

const (
	// Advisory: every action is checked and audited, none is carried out.
	Advisory Mode = 1
	// Enforced: an allowed action is carried out.
	Enforced Mode = 2
)

// String returns the mode's name as policies spell it.
func (m Mode) String() string {
	switch m {
	case Advisory:
		return "advisory"
	case Enforced:
		return "enforced"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// Rule is one entry of a policy: what may be done to the modules it names.
type Rule struct {
	// Modules are name patterns: a name, or a prefix followed by '*'.
	Modules []string
	// Actions are the kinds allowed on them.
	Actions []Kind
	// Hard is the number of hard actions (all but Alert) allowed on one
	// module within Period; 0 means no limit. The next one is refused
	// with ErrRateLimit and goes to a person.
	Hard   int
	Period time.Duration
}

// Policy is what the kernel lets the supervisor do.
type Policy struct {
	// Version rises with every new policy; the engine refuses an older
	// or equal one.
	Version uint64
	Mode    Mode
	// Supervisors are the keys whose actions count.
	Supervisors [][ed25519.PublicKeySize]byte
	// MaxAge is how far an action's time may be from the kernel's clock.
	MaxAge time.Duration
	// Rules are tried in order; the first whose Modules match a module
	// applies to it, and a module no rule matches may have nothing done.
	Rules []Rule
	// NeverRevoke are name patterns of modules never revoked, whatever
	// the rules say.
	NeverRevoke []string
}

// DefaultMaxAge is a policy's MaxAge when it names none.
const DefaultMaxAge = time.Minute

// Bounds of a policy.
const (
	MaxPolicyBody  = 64 << 10
	MaxPolicySigs  = 16
	maxSupervisors = 8
	maxRules       = 256
	maxPatterns    = 64
)

// policyJSON is a policy body as people write it:
//
//	{"version": 2, "mode": "enforced", "max_age": "30s",
//	 "supervisors": ["<base64 ed25519 public key>"],
//	 "rules": [
//	   {"modules": ["kv*"], "actions": ["alert", "restart", "replace"],
//	    "hard": 3, "period": "10m"},
//	   {"modules": ["*"], "actions": ["alert"]}],
//	 "never_revoke": ["fatfs", "virtio-blk"]}
type policyJSON struct {
	Version     uint64     `json:"version"`
	Mode        string     `json:"mode"`
	MaxAge      string     `json:"max_age,omitempty"`
	Supervisors []string   `json:"supervisors"`
	Rules       []ruleJSON `json:"rules"`
	NeverRevoke []string   `json:"never_revoke,omitempty"`
}

type ruleJSON struct {
	Modules []string `json:"modules"`
	Actions []Kind   `json:"actions"`
	Hard    int      `json:"hard,omitempty"`
	Period  string   `json:"period,omitempty"`
}

// ParsePolicyBody reads a policy's JSON body and checks it.
func ParsePolicyBody(body []byte) (*Policy, error) {
	var j policyJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("policy: %v: %w", err, ErrMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("policy: bytes after the JSON object: %w", ErrMalformed)
	}
	p := &Policy{Version: j.Version, MaxAge: DefaultMaxAge, NeverRevoke: j.NeverRevoke}
	switch j.Mode {
	case "advisory":
		p.Mode = Advisory
	case "enforced":
		p.Mode = Enforced
	default:
		return nil, fmt.Errorf("policy mode %q, want advisory or enforced: %w", j.Mode, ErrMalformed)
	}
	if j.MaxAge != "" {
		d, err := time.ParseDuration(j.MaxAge)
		if err != nil {
			return nil, fmt.Errorf("policy max_age: %v: %w", err, ErrMalformed)
		}
		p.MaxAge = d
	}
	for _, s := range j.Supervisors {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("policy supervisor key %q: not a base64 ed25519 public key: %w", s, ErrMalformed)
		}
		p.Supervisors = append(p.Supervisors, [ed25519.PublicKeySize]byte(raw))
	}
	for _, r := range j.Rules {
		rule := Rule{Modules: r.Modules, Actions: r.Actions, Hard: r.Hard}
		if r.Period != "" {
			d, err := time.ParseDuration(r.Period)
			if err != nil {
				return nil, fmt.Errorf("policy rule period: %v: %w", err, ErrMalformed)
			}
			rule.Period = d
		}
		p.Rules = append(p.Rules, rule)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// MarshalJSON returns p as ParsePolicyBody reads it.
func (p *Policy) MarshalJSON() ([]byte, error) {
	j := policyJSON{Version: p.Version, Mode: p.Mode.String(), MaxAge: p.MaxAge.String(), NeverRevoke: p.NeverRevoke}
	for _, k := range p.Supervisors {
		j.Supervisors = append(j.Supervisors, base64.StdEncoding.EncodeToString(k[:]))
	}
	for _, r := range p.Rules {
		rj := ruleJSON{Modules: r.Modules, Actions: r.Actions, Hard: r.Hard}
		if r.Period != 0 {
			rj.Period = r.Period.String()
		}
		j.Rules = append(j.Rules, rj)
	}
	return json.Marshal(j)
}

func checkPattern(s string) error {
	if s == "*" {
		return nil
	}
	return checkName(strings.TrimSuffix(s, "*"))
}

func checkPatterns(what string, ps []string) error {
	if len(ps) > maxPatterns {
		return fmt.Errorf("policy %s: %d patterns, at most %d: %w", what, len(ps), maxPatterns, ErrMalformed)
	}
	for _, s := range ps {
		if err := checkPattern(s); err != nil {
			return fmt.Errorf("policy %s pattern %q: %w", what, s, err)
		}
	}
	return nil
}

func (p *Policy) check() error {
	if p.Mode != Advisory && p.Mode != Enforced {
		return fmt.Errorf("policy mode %d: %w", p.Mode, ErrMalformed)
	}
	if n := len(p.Supervisors); n < 1 || n > maxSupervisors {
		return fmt.Errorf("policy names %d supervisor keys, want 1 to %d: %w", n, maxSupervisors, ErrMalformed)
	}
	if p.MaxAge <= 0 {
		return fmt.Errorf("policy max_age %v not positive: %w", p.MaxAge, ErrMalformed)
	}
	if len(p.Rules) > maxRules {
		return fmt.Errorf("policy has %d rules, at most %d: %w", len(p.Rules), maxRules, ErrMalformed)
	}
	for i, r := range p.Rules {
		if len(r.Modules) == 0 {
			return fmt.Errorf("policy rule %d names no module: %w", i, ErrMalformed)
		}
		if err := checkPatterns(fmt.Sprintf("rule %d modules", i), r.Modules); err != nil {
			return err
		}
		for _, k := range r.Actions {
			if !k.valid() {
				return fmt.Errorf("policy rule %d: action kind %d: %w", i, k, ErrMalformed)
			}
		}
		if r.Hard < 0 || r.Period < 0 || (r.Hard > 0) != (r.Period > 0) {
			return fmt.Errorf("policy rule %d: hard %d per %v: both or neither must be positive: %w", i, r.Hard, r.Period, ErrMalformed)
		}
	}
	return checkPatterns("never_revoke", p.NeverRevoke)
}

// matchName reports whether name matches pattern: equal to it, or, for a
// pattern ending in '*', starting with what comes before the '*'.
func matchName(pattern, name string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, prefix)
	}
	return pattern == name
}

func matchAny(patterns []string, name string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return matchName(p, name) })
}

// rule returns the rule that applies to module, or nil.
func (p *Policy) rule(module string) *Rule {
	for i := range p.Rules {
		if matchAny(p.Rules[i].Modules, module) {
			return &p.Rules[i]
		}
	}
	return nil
}

// The policy file's envelope.
const (
	policyMagic   = "CLKP"
	policyVersion = 1
	policyContext = "clk supervisor policy v1\x00"
	policyHeader  = 12
	sigSize       = ed25519.PublicKeySize + ed25519.SignatureSize
)

// PolicyFile is a policy body and its signatures. Its encoding, integers
// little-endian:
//
//	 0   4  magic "CLKP"
//	 4   2  format version, 1
//	 6   2  reserved, 0
//	 8   4  B, the body's length, 1 to 64 KiB
//	12   B  the body: the policy in JSON (see ParsePolicyBody)
//	     2  n, 0 to 16
//	   96n  n × (32-byte ed25519 public key, 64-byte signature)
//
// Each signature covers "clk supervisor policy v1", a NUL and bytes
// [0, 12+B). The body is JSON for the people who write it; it needs no
// canonical form, since a signature covers the bytes as read.
type PolicyFile struct {
	Body []byte
	Sigs []Signature
}

// Signature is one signature of a policy file.
type Signature struct {
	Key [ed25519.PublicKeySize]byte
	Sig [ed25519.SignatureSize]byte
}

func (f *PolicyFile) signed() ([]byte, error) {
	if len(f.Body) < 1 || len(f.Body) > MaxPolicyBody {
		return nil, fmt.Errorf("policy body of %d bytes, want 1 to %d: %w", len(f.Body), MaxPolicyBody, ErrMalformed)
	}
	b := make([]byte, 0, policyHeader+len(f.Body)+2+sigSize*len(f.Sigs))
	b = append(b, policyMagic...)
	b = binary.LittleEndian.AppendUint16(b, policyVersion)
	b = append(b, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Body)))
	return append(b, f.Body...), nil
}

// Sign adds priv's signature, or replaces one by the same key.
func (f *PolicyFile) Sign(priv ed25519.PrivateKey) error {
	b, err := f.signed()
	if err != nil {
		return err
	}
	var s Signature
	copy(s.Key[:], priv.Public().(ed25519.PublicKey))
	copy(s.Sig[:], ed25519.Sign(priv, append([]byte(policyContext), b...)))
	f.Sigs = slices.DeleteFunc(f.Sigs, func(o Signature) bool { return o.Key == s.Key })
	if len(f.Sigs) >= MaxPolicySigs {
		return fmt.Errorf("policy file already has %d signatures: %w", len(f.Sigs), ErrMalformed)
	}
	f.Sigs = append(f.Sigs, s)
	return nil
}

// MarshalBinary returns the file's encoding.
func (f *PolicyFile) MarshalBinary() ([]byte, error) {
	b, err := f.signed()
	if err != nil {
		return nil, err
	}
	if len(f.Sigs) > MaxPolicySigs {
		return nil, fmt.Errorf("policy file with %d signatures, at most %d: %w", len(f.Sigs), MaxPolicySigs, ErrMalformed)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(f.Sigs)))
	for _, s := range f.Sigs {
		b = append(append(b, s.Key[:]...), s.Sig[:]...)
	}
	return b, nil
}

// ParsePolicyFile decodes a policy file's envelope. It checks neither the
// signatures nor the body: VerifyPolicy does.
func ParsePolicyFile(b []byte) (*PolicyFile, error) {
	if len(b) < policyHeader {
		return nil, fmt.Errorf("policy file of %d bytes: %w", len(b), ErrMalformed)
	}
	if string(b[:4]) != policyMagic {
		return nil, fmt.Errorf("policy file magic %q: %w", b[:4], ErrMalformed)
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != policyVersion {
		return nil, fmt.Errorf("policy file format version %d: %w", v, ErrMalformed)
	}
	if b[6] != 0 || b[7] != 0 {
		return nil, fmt.Errorf("policy file reserved bytes: %w", ErrMalformed)
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if n < 1 || n > MaxPolicyBody {
		return nil, fmt.Errorf("policy body of %d bytes, want 1 to %d: %w", n, MaxPolicyBody, ErrMalformed)
	}
	rest := b[policyHeader:]
	if uint64(len(rest)) < uint64(n)+2 {
		return nil, fmt.Errorf("policy file ends in its body: %w", ErrMalformed)
	}
	f := &PolicyFile{Body: slices.Clone(rest[:n])}
	rest = rest[n:]
	k := int(binary.LittleEndian.Uint16(rest))
	rest = rest[2:]
	if k > MaxPolicySigs {
		return nil, fmt.Errorf("policy file with %d signatures, at most %d: %w", k, MaxPolicySigs, ErrMalformed)
	}
	if len(rest) != k*sigSize {
		return nil, fmt.Errorf("policy file has %d bytes of signatures, want %d: %w", len(rest), k*sigSize, ErrMalformed)
	}
	for i := 0; i < k; i++ {
		var s Signature
		copy(s.Key[:], rest[i*sigSize:])
		copy(s.Sig[:], rest[i*sigSize+len(s.Key):])
		if slices.ContainsFunc(f.Sigs, func(o Signature) bool { return o.Key == s.Key }) {
			return nil, fmt.Errorf("policy file signed twice by one key: %w", ErrMalformed)
		}
		f.Sigs = append(f.Sigs, s)
	}
	return f, nil
}

// Roots are the keys that sign policies, and how many of them must.
type Roots struct {
	Keys      [][ed25519.PublicKeySize]byte
	Threshold int
}

// VerifyPolicy checks a policy file: its envelope, Threshold valid
// signatures of distinct root keys (signatures by other keys are
// ignored; a root's signature that does not verify refuses the file),
// then its body.
func VerifyPolicy(b []byte, roots Roots) (*Policy, error) {
	if roots.Threshold < 1 || roots.Threshold > len(roots.Keys) {
		return nil, fmt.Errorf("policy roots: threshold %d of %d keys: %w", roots.Threshold, len(roots.Keys), ErrBelowThreshold)
	}
	f, err := ParsePolicyFile(b)
	if err != nil {
		return nil, err
	}
	signed, err := f.signed()
	if err != nil {
		return nil, err
	}
	msg := append([]byte(policyContext), signed...)
	valid := 0
	for _, s := range f.Sigs {
		if !slices.Contains(roots.Keys, s.Key) {
			continue
		}
		if !ed25519.Verify(s.Key[:], msg, s.Sig[:]) {
			return nil, fmt.Errorf("policy file: signature by root %x…: %w", s.Key[:8], ErrBadSignature)
		}
		valid++
	}
	if valid < roots.Threshold {
		return nil, fmt.Errorf("policy file signed by %d roots, threshold %d: %w", valid, roots.Threshold, ErrBelowThreshold)
	}
	return ParsePolicyBody(f.Body)
}
