package modstore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Mode is how a Store treats a module whose signature does not stand.
type Mode int

const (
	// Enforce refuses a module that is unsigned or whose signatures do not
	// verify against the trust store. It is the default.
	Enforce Mode = iota
	// Permissive accepts such a module with a tainted verdict that says
	// why; the kernel marks itself tainted and logs the reason, as Linux
	// does with an unsigned module when module signing is not enforced.
	// Only signature causes are relaxed (ErrUnsigned, ErrBadSignature,
	// ErrUnknownKey, ErrRevokedKey, ErrKeyExpired, ErrKeyNotAllowed);
	// a malformed file, an ELF that does not match its hash or is not a
	// program, a wrong ABI, a rollback and a capability outside policy are
	// refused in both modes: none of them is about who vouches for the
	// module.
	Permissive
)

func (m Mode) String() string {
	if m == Permissive {
		return "permissive"
	}
	return "enforce"
}

// Config is what a Store checks modules against besides its keys.
type Config struct {
	// Mode is Enforce unless set.
	Mode Mode
	// ABI is the ABI version modules must declare; 0 means CurrentABI.
	ABI uint32
	// Versions holds the highest versions seen; nil means a MemVersions
	// of the store's own.
	Versions Versions
	// Policy bounds what modules may ask for; nil means no bound, for
	// host tools that check signatures only.
	Policy *Policy
	// Now is the clock delegations expire by; nil means time.Now.
	Now func() time.Time
}

// Store is a trust store: the root set, the keys it delegated module
// signing to, the keys it revoked, and the configuration modules are
// checked against. It is safe for concurrent use.
//
// Verify and Record call Versions without holding mu, so mu never nests
// with a Versions' own lock.
type Store struct {
	cfg Config

	mu          sync.RWMutex
	root        RootSet
	delegations map[PublicKey]*Doc // each a delegation document
	revoked     map[PublicKey]bool
}

// NewStore returns a store anchored at the root set of anchor, a root set
// document shipped with the image. The anchor is trusted because of where
// it comes from, but must still carry its own threshold of signatures, so
// that a root set no one can sign for never becomes an anchor.
func NewStore(anchor []byte, cfg Config) (*Store, error) {
	doc, err := ParseDoc(anchor)
	if err != nil {
		return nil, fmt.Errorf("trust anchor: %w", err)
	}
	if doc.Root == nil {
		return nil, fmt.Errorf("trust anchor: a %v, want a root set: %w", doc.Kind(), ErrMalformed)
	}
	if err := thresholdMet(doc, doc.Root, "its own keys"); err != nil {
		return nil, fmt.Errorf("trust anchor: %w", err)
	}
	if cfg.ABI == 0 {
		cfg.ABI = CurrentABI
	}
	if cfg.Versions == nil {
		cfg.Versions = &MemVersions{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{
		cfg:         cfg,
		root:        *doc.Root,
		delegations: make(map[PublicKey]*Doc),
		revoked:     make(map[PublicKey]bool),
	}, nil
}

// thresholdMet checks that doc carries at least r's threshold of valid
// signatures by r's keys; who names r in the error.
func thresholdMet(doc *Doc, r *RootSet, who string) error {
	n, err := doc.validSigners(r)
	if err != nil {
		return err
	}
	if n < r.Threshold {
		return fmt.Errorf("%v signed by %d of %s, threshold %d: %w", doc.Kind(), n, who, r.Threshold, ErrBelowThreshold)
	}
	return nil
}

// Apply parses one trust document and applies it: a root set rotates the
// roots, a delegation delegates, a revocation revokes.
func (s *Store) Apply(b []byte) error {
	doc, err := ParseDoc(b)
	if err != nil {
		return err
	}
	return s.ApplyDoc(doc)
}

// ApplyDoc applies a parsed trust document, as Apply does. The store keeps
// a delegation's doc: the caller must not change it afterwards.
func (s *Store) ApplyDoc(doc *Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case doc.Root != nil:
		return s.rotate(doc)
	case doc.Delegation != nil:
		return s.delegate(doc)
	case doc.Revocation != nil:
		return s.revoke(doc)
	}
	return fmt.Errorf("trust document of no kind: %w", ErrMalformed)
}

// rotate replaces the root set with doc's, which must be the next version
// and signed by the threshold of the current roots and by its own
// threshold (the TUF rule: the old roots hand over, the new ones accept).
// A delegation stays only if the new roots would have signed it too: one
// whose signers left the set below its threshold is dropped and must be
// signed again.
//
// Preconditions: s.mu is held for writing.
func (s *Store) rotate(doc *Doc) error {
	next := doc.Root
	if next.Version != s.root.Version+1 {
		return fmt.Errorf("rotate: root set version %d, current %d: %w", next.Version, s.root.Version, ErrStaleRoot)
	}
	if err := thresholdMet(doc, &s.root, "the current roots"); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	if err := thresholdMet(doc, next, "the new roots"); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	s.root = *next
	for k, d := range s.delegations {
		if thresholdMet(d, next, "the roots") != nil {
			delete(s.delegations, k)
		}
	}
	return nil
}

// delegate records doc's delegation, replacing an earlier one of the
// same key.
//
// Preconditions: s.mu is held for writing.
func (s *Store) delegate(doc *Doc) error {
	g := doc.Delegation
	if s.revoked[g.Key] {
		return fmt.Errorf("delegate key %s: %w", g.Key.ID(), ErrRevokedKey)
	}
	if err := thresholdMet(doc, &s.root, "the roots"); err != nil {
		return fmt.Errorf("delegate key %s: %w", g.Key.ID(), err)
	}
	s.delegations[g.Key] = doc
	return nil
}

// revoke revokes doc's key.
//
// Preconditions: s.mu is held for writing.
func (s *Store) revoke(doc *Doc) error {
	k := doc.Revocation.Key
	if err := thresholdMet(doc, &s.root, "the roots"); err != nil {
		return fmt.Errorf("revoke key %s: %w", k.ID(), err)
	}
	s.revoked[k] = true
	delete(s.delegations, k)
	return nil
}

// Root returns the current root set.
func (s *Store) Root() RootSet {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.root
	r.Keys = slices.Clone(r.Keys)
	return r
}

// Delegations returns the delegations in force, ordered by key.
func (s *Store) Delegations() []Delegation {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := slices.SortedFunc(maps.Keys(s.delegations), func(a, b PublicKey) int { return bytes.Compare(a[:], b[:]) })
	out := make([]Delegation, len(keys))
	for i, k := range keys {
		out[i] = *s.delegations[k].Delegation
	}
	return out
}

// Revoked returns the revoked keys, in byte order.
func (s *Store) Revoked() []PublicKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.SortedFunc(maps.Keys(s.revoked), func(a, b PublicKey) int { return bytes.Compare(a[:], b[:]) })
}

// Mode returns the store's mode.
func (s *Store) Mode() Mode { return s.cfg.Mode }

// Verdict is what Verify found a module to be.
type Verdict struct {
	// Module is the parsed module; its ELF aliases the verified file.
	Module *Module
	// Signer is the key whose signature stands, or nil when Tainted.
	Signer *PublicKey
	// Tainted is set when the module was accepted in permissive mode
	// without a signature that stands; Reason says why.
	Tainted bool
	Reason  error
}

// Verify checks a module file and returns the verdict, or an error that
// wraps the cause of the refusal. The checks, in order: the file's
// structure and manifest (ParseModule); the signatures (relaxed in
// Permissive mode); the ELF's hash; the ELF itself (CheckELF); the ABI
// version; the version against the highest recorded (anti-rollback); the
// capabilities against the policy. Verify records nothing: once the
// module is installed, Record raises its version.
func (s *Store) Verify(file []byte) (*Verdict, error) {
	m, signed, err := parseModule(file)
	if err != nil {
		return nil, err
	}
	v := &Verdict{Module: m}
	name := m.Manifest.Name
	signer, err := s.signer(m, signed)
	switch {
	case err != nil && s.cfg.Mode != Permissive:
		return nil, err
	case err != nil:
		v.Tainted, v.Reason = true, err
	default:
		v.Signer = &signer
	}
	if sum := sha256.Sum256(m.ELF); sum != m.Manifest.ELFSHA256 {
		return nil, fmt.Errorf("module %s: %w: ELF sha256 %x, manifest %v", name, ErrHashMismatch, sum, m.Manifest.ELFSHA256)
	}
	if err := CheckELF(m.ELF); err != nil {
		return nil, fmt.Errorf("module %s: %w", name, err)
	}
	if m.Manifest.ABI != s.cfg.ABI {
		return nil, fmt.Errorf("module %s: %w: built for ABI %d, the kernel implements %d", name, ErrABI, m.Manifest.ABI, s.cfg.ABI)
	}
	if high, ok := s.cfg.Versions.Highest(name); ok && m.Manifest.Version.Compare(high) < 0 {
		return nil, fmt.Errorf("module %s: %w: version %v, %v installed before", name, ErrRollback, m.Manifest.Version, high)
	}
	if s.cfg.Policy != nil {
		if err := s.cfg.Policy.Check(&m.Manifest, v.Signer); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Record raises the highest version of v's module to its version, once
// the kernel has installed it.
func (s *Store) Record(v *Verdict) error {
	return s.cfg.Versions.Record(v.Module.Manifest.Name, v.Module.Manifest.Version)
}

// signatureFaults orders the causes a signature fails for, least telling
// first: when no signature of a module stands, the error reported is the
// most telling among its signatures'. A signature that does not verify
// under a key the store trusts says the file was changed; an unknown key
// says least.
var signatureFaults = []error{ErrUnknownKey, ErrKeyNotAllowed, ErrKeyExpired, ErrRevokedKey, ErrBadSignature}

// signer returns the key of the first of m's signatures that stands: by a
// delegated key that is not revoked, not expired and allowed m's name,
// and valid over signed.
func (s *Store) signer(m *Module, signed []byte) (PublicKey, error) {
	name := m.Manifest.Name
	if len(m.Signatures) == 0 {
		return PublicKey{}, fmt.Errorf("module %s: %w", name, ErrUnsigned)
	}
	now := s.cfg.Now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var worst error
	rank := -1
	for _, sig := range m.Signatures {
		err := s.checkSignature(sig, name, signed, now)
		if err == nil {
			return sig.Key, nil
		}
		if r := slices.IndexFunc(signatureFaults, func(e error) bool { return errors.Is(err, e) }); r > rank {
			worst, rank = err, r
		}
	}
	return PublicKey{}, fmt.Errorf("module %s: %w", name, worst)
}

// checkSignature checks one signature of the module called name.
//
// Preconditions: s.mu is held for reading.
func (s *Store) checkSignature(sig Signature, name string, signed []byte, now time.Time) error {
	id := sig.Key.ID()
	if s.revoked[sig.Key] {
		return fmt.Errorf("key %s: %w", id, ErrRevokedKey)
	}
	d, ok := s.delegations[sig.Key]
	if !ok {
		return fmt.Errorf("key %s: %w", id, ErrUnknownKey)
	}
	if !sig.verify(moduleContext, signed) {
		return fmt.Errorf("key %s: %w", id, ErrBadSignature)
	}
	g := d.Delegation
	if g.expired(now) {
		return fmt.Errorf("key %s: %w at %v", id, ErrKeyExpired, time.Unix(g.Expires, 0).UTC().Format(time.RFC3339))
	}
	if !g.allows(name) {
		return fmt.Errorf("key %s: %w (delegated for %q)", id, ErrKeyNotAllowed, g.Names)
	}
	return nil
}
