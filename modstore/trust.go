package modstore

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The trust document format, version 1: root sets, delegations and
// revocations share one envelope. All integers are little-endian.
//
//	offset  size  field
//	0       4     magic "CLKT"
//	4       2     format version, 1
//	6       1     kind: 1 root set, 2 delegation, 3 revocation
//	7       1     reserved, 0
//	8       4     B, the body's length: 1 to MaxTrustBody
//	12      B     the body (RootSet, Delegation or Revocation)
//	12+B    2     n, the number of signatures: 0 to MaxRootKeys
//	14+B    96n   n × (32-byte ed25519 public key, 64-byte signature)
//
// Each signature signs "clk trust document v1\x00" followed by bytes
// [0, 12+B). A document is self-delimiting, so a bundle of documents is
// their concatenation (ParseDocs).
const (
	trustMagic      = "CLKT"
	trustVersion    = 1
	trustHeaderSize = 12

	// MaxTrustBody is the longest body of a trust document.
	MaxTrustBody = 4096
	// MaxRootKeys is the most keys in a root set, and the most
	// signatures a trust document carries.
	MaxRootKeys = 16
	// MaxPatterns is the most name patterns in a delegation.
	MaxPatterns = 32
)

// DocKind is the kind of a trust document.
type DocKind uint8

// The kinds of trust document.
const (
	KindRoot       DocKind = 1
	KindDelegation DocKind = 2
	KindRevocation DocKind = 3
)

func (k DocKind) String() string {
	switch k {
	case KindRoot:
		return "root set"
	case KindDelegation:
		return "delegation"
	case KindRevocation:
		return "revocation"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// RootSet is the set of root keys and how many of them must sign a
// document. Its body:
//
//	u32    version, from 1, one more at each rotation
//	u8     threshold k, 1 to n
//	u8     n, 1 to MaxRootKeys
//	n × 32 the keys, in ascending byte order
type RootSet struct {
	Version   uint32      `json:"version"`
	Threshold int         `json:"threshold"`
	Keys      []PublicKey `json:"keys"`
}

// Delegation lets a key sign modules. Its body:
//
//	32     the delegated key
//	u64    expiry, Unix seconds; 0 for none
//	u8 p   the number of name patterns (0: every name)
//	p × string  the patterns, sorted: u8 length, bytes
//
// A pattern is a module name, a name's prefix followed by '*', or "*".
type Delegation struct {
	Key     PublicKey `json:"key"`
	Names   []string  `json:"names,omitempty"`
	Expires int64     `json:"expires,omitempty"`
}

// Revocation withdraws a delegated key for good: the store refuses every
// module it signed and every later delegation of it. Its body is the
// 32-byte key.
type Revocation struct {
	Key PublicKey `json:"key"`
}

// Doc is a trust document: exactly one of Root, Delegation and Revocation,
// and the root keys' signatures over it.
type Doc struct {
	Root       *RootSet
	Delegation *Delegation
	Revocation *Revocation
	Signatures []Signature

	// signed is the bytes the signatures cover, kept by ParseDoc.
	signed []byte
}

// Kind returns d's kind.
func (d *Doc) Kind() DocKind {
	switch {
	case d.Root != nil:
		return KindRoot
	case d.Delegation != nil:
		return KindDelegation
	case d.Revocation != nil:
		return KindRevocation
	}
	return 0
}

// IsTrustDoc reports whether b starts with a trust document's magic.
func IsTrustDoc(b []byte) bool {
	return len(b) >= len(trustMagic) && string(b[:len(trustMagic)]) == trustMagic
}

// ParseDocs parses a bundle: one or more trust documents back to back.
func ParseDocs(b []byte) ([]*Doc, error) {
	var docs []*Doc
	for len(b) > 0 || docs == nil {
		d, rest, err := parseDoc(b)
		if err != nil {
			return nil, fmt.Errorf("trust document %d: %w", len(docs), err)
		}
		docs = append(docs, d)
		b = rest
	}
	return docs, nil
}

// ParseDoc parses exactly one trust document.
func ParseDoc(b []byte) (*Doc, error) {
	d, rest, err := parseDoc(b)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d bytes after the trust document: %w", len(rest), ErrMalformed)
	}
	return d, nil
}

// parseDoc parses the document at the start of b and returns the bytes
// after it.
func parseDoc(b []byte) (*Doc, []byte, error) {
	if len(b) < trustHeaderSize {
		return nil, nil, fmt.Errorf("%d bytes, shorter than the header: %w", len(b), ErrTruncated)
	}
	d := newDecoder(b)
	magic, version, kind, reserved := string(d.Bytes(len(trustMagic))), d.U16(), DocKind(d.U8()), d.U8()
	n := d.U32()
	switch {
	case magic != trustMagic:
		return nil, nil, fmt.Errorf("magic %q, want %q: %w", magic, trustMagic, ErrMalformed)
	case version != trustVersion:
		return nil, nil, fmt.Errorf("format version %d, want %d: %w", version, trustVersion, ErrMalformed)
	case kind < KindRoot || kind > KindRevocation:
		return nil, nil, fmt.Errorf("%v unknown: %w", kind, ErrMalformed)
	case reserved != 0:
		return nil, nil, fmt.Errorf("reserved header field %#x, want 0: %w", reserved, ErrMalformed)
	case n < 1 || n > MaxTrustBody:
		return nil, nil, fmt.Errorf("body length %d outside [1, %d]: %w", n, MaxTrustBody, ErrMalformed)
	}
	body := d.Bytes(int(n))
	signed := b[:d.Off]
	count := int(d.U16())
	switch {
	case d.Short:
		return nil, nil, fmt.Errorf("%v ends early: %w", kind, ErrTruncated)
	case count > MaxRootKeys:
		return nil, nil, fmt.Errorf("%d signatures, at most %d: %w", count, MaxRootKeys, ErrMalformed)
	}
	block := d.Bytes(count * signatureSize)
	if d.Short {
		return nil, nil, fmt.Errorf("%v ends in its signatures: %w", kind, ErrTruncated)
	}
	sigs, err := parseSignatures(append(appendU16(nil, uint16(count)), block...))
	if err != nil {
		return nil, nil, fmt.Errorf("%v: %w", kind, err)
	}
	doc := &Doc{Signatures: sigs, signed: signed}
	bd := newDecoder(body)
	switch kind {
	case KindRoot:
		doc.Root, err = decodeRootSet(bd)
	case KindDelegation:
		doc.Delegation, err = decodeDelegation(bd)
	case KindRevocation:
		doc.Revocation = &Revocation{Key: bd.key()}
	}
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("%v: %w: %w", kind, err, ErrMalformed)
	case bd.Short:
		return nil, nil, fmt.Errorf("%v: body ends inside a field: %w", kind, ErrMalformed)
	case bd.Rest() != 0:
		return nil, nil, fmt.Errorf("%v: %d bytes after the body's last field: %w", kind, bd.Rest(), ErrMalformed)
	}
	return doc, b[d.Off:], nil
}

func decodeRootSet(d *decoder) (*RootSet, error) {
	r := &RootSet{Version: d.U32(), Threshold: int(d.U8())}
	n := int(d.U8())
	for i := 0; i < n && !d.Short; i++ {
		r.Keys = append(r.Keys, d.key())
	}
	if d.Short {
		return r, nil
	}
	return r, r.check()
}

// check checks r's fields.
func (r *RootSet) check() error {
	switch {
	case r.Version < 1:
		return fmt.Errorf("version 0")
	case len(r.Keys) < 1 || len(r.Keys) > MaxRootKeys:
		return fmt.Errorf("%d keys, want 1 to %d", len(r.Keys), MaxRootKeys)
	case r.Threshold < 1 || r.Threshold > len(r.Keys):
		return fmt.Errorf("threshold %d of %d keys", r.Threshold, len(r.Keys))
	}
	for i := 1; i < len(r.Keys); i++ {
		if bytes.Compare(r.Keys[i-1][:], r.Keys[i][:]) >= 0 {
			return fmt.Errorf("keys not in ascending order or repeated at %s", r.Keys[i].ID())
		}
	}
	return nil
}

// has reports whether k is one of r's keys.
func (r *RootSet) has(k PublicKey) bool { return slices.Contains(r.Keys, k) }

func decodeDelegation(d *decoder) (*Delegation, error) {
	g := &Delegation{Key: d.key()}
	g.Expires = int64(d.U64())
	n := int(d.U8())
	for i := 0; i < n && !d.Short; i++ {
		g.Names = append(g.Names, d.string())
	}
	if d.Short {
		return g, nil
	}
	return g, g.check()
}

// check checks g's fields.
func (g *Delegation) check() error {
	if g.Expires < 0 {
		return fmt.Errorf("expiry %d before 1970", g.Expires)
	}
	if len(g.Names) > MaxPatterns {
		return fmt.Errorf("%d name patterns, at most %d", len(g.Names), MaxPatterns)
	}
	for i, p := range g.Names {
		if err := checkPattern(p); err != nil {
			return err
		}
		if i > 0 && g.Names[i-1] >= p {
			return fmt.Errorf("name patterns not sorted or repeated at %q", p)
		}
	}
	return nil
}

// allows reports whether g lets its key sign a module called name.
func (g *Delegation) allows(name string) bool {
	return len(g.Names) == 0 || slices.ContainsFunc(g.Names, func(p string) bool { return MatchName(p, name) })
}

// expired reports whether g has expired at now.
func (g *Delegation) expired(now time.Time) bool {
	return g.Expires != 0 && now.Unix() >= g.Expires
}

// checkPattern checks a name pattern: a name, a name's prefix followed by
// '*', or "*".
func checkPattern(p string) error {
	if p == "*" {
		return nil
	}
	if err := checkName(strings.TrimSuffix(p, "*")); err != nil {
		return fmt.Errorf("name pattern %q: %v", p, err)
	}
	return nil
}

// MatchName reports whether name matches pattern: equal to it, or, for a
// pattern ending in '*', starting with what comes before the '*'.
func MatchName(pattern, name string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, prefix)
	}
	return pattern == name
}

// body returns the body's encoding, after checking it.
func (d *Doc) body() ([]byte, error) {
	var b []byte
	switch {
	case d.Root != nil && d.Delegation == nil && d.Revocation == nil:
		r := d.Root
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("root set: %w: %w", err, ErrMalformed)
		}
		b = append(appendU32(b, r.Version), uint8(r.Threshold), uint8(len(r.Keys)))
		for _, k := range r.Keys {
			b = append(b, k[:]...)
		}
	case d.Delegation != nil && d.Root == nil && d.Revocation == nil:
		g := d.Delegation
		if err := g.check(); err != nil {
			return nil, fmt.Errorf("delegation: %w: %w", err, ErrMalformed)
		}
		b = appendU64(append(b, g.Key[:]...), uint64(g.Expires))
		b = append(b, uint8(len(g.Names)))
		for _, p := range g.Names {
			b = appendString(b, p)
		}
	case d.Revocation != nil && d.Root == nil && d.Delegation == nil:
		b = append(b, d.Revocation.Key[:]...)
	default:
		return nil, fmt.Errorf("trust document holds not exactly one of a root set, a delegation and a revocation: %w", ErrMalformed)
	}
	return b, nil
}

// SignedBytes returns the bytes d's signatures cover: header and body.
func (d *Doc) SignedBytes() ([]byte, error) {
	body, err := d.body()
	if err != nil {
		return nil, err
	}
	b := append(appendU16([]byte(trustMagic), trustVersion), uint8(d.Kind()), 0)
	return append(appendU32(b, uint32(len(body))), body...), nil
}

// MarshalBinary returns d's encoding.
func (d *Doc) MarshalBinary() ([]byte, error) {
	if len(d.Signatures) > MaxRootKeys {
		return nil, fmt.Errorf("%d signatures, at most %d: %w", len(d.Signatures), MaxRootKeys, ErrMalformed)
	}
	b, err := d.SignedBytes()
	if err != nil {
		return nil, err
	}
	return appendSignatures(b, d.Signatures), nil
}

// Sign adds s's signature to d, replacing an earlier one by the same key.
func (d *Doc) Sign(s *Signer) error {
	signed, err := d.SignedBytes()
	if err != nil {
		return err
	}
	sig := s.sign(trustContext, signed)
	d.Signatures = slices.DeleteFunc(d.Signatures, func(old Signature) bool { return old.Key == sig.Key })
	if len(d.Signatures) == MaxRootKeys {
		return fmt.Errorf("already %d signatures: %w", MaxRootKeys, ErrMalformed)
	}
	d.Signatures = append(d.Signatures, sig)
	d.signed = nil
	return nil
}

// signedBytes returns the bytes parsed as signed, or d's encoding for a
// document made in memory.
func (d *Doc) signedBytes() ([]byte, error) {
	if d.signed != nil {
		return d.signed, nil
	}
	return d.SignedBytes()
}

// validSigners counts the distinct keys of r whose signatures on d
// verify.
func (d *Doc) validSigners(r *RootSet) (int, error) {
	signed, err := d.signedBytes()
	if err != nil {
		return 0, err
	}
	// A document made in memory may repeat a key; it counts once.
	seen := make(map[PublicKey]bool)
	for _, s := range d.Signatures {
		if !seen[s.Key] && r.has(s.Key) && s.verify(trustContext, signed) {
			seen[s.Key] = true
		}
	}
	return len(seen), nil
}

// NewRootSet returns a root set of keys (put in canonical order) with
// threshold k.
func NewRootSet(version uint32, k int, keys []PublicKey) RootSet {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return RootSet{Version: version, Threshold: k, Keys: slices.Compact(keys)}
}
