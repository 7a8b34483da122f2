package suppolicy

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"time"
)

// Kind is what an action asks the kernel to do to a module.
type Kind uint8

// The kinds of action. Alert only records; the others are hard actions,
// counted against the policy's rate limit.
const (
	Alert   Kind = 1 // record an alert; change nothing
	Restart Kind = 2 // stop the module's instance and start it again
	Isolate Kind = 3 // revoke the instance's capabilities, keep it for inspection
	Replace Kind = 4 // replace the module with its last good version
	Revoke  Kind = 5 // revoke the module: every handle, its process, its install
)

var kindNames = [...]string{Alert: "alert", Restart: "restart", Isolate: "isolate", Replace: "replace", Revoke: "revoke"}

// String returns the kind's name as policies spell it.
func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) valid() bool { return k >= Alert && k <= Revoke }

// Hard reports whether the kind changes a module, and so counts against
// the rate limit.
func (k Kind) Hard() bool { return k.valid() && k != Alert }

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	for k := Alert; k <= Revoke; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("action kind %q: %w", s, ErrMalformed)
}

// MarshalText returns the kind's name.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.valid() {
		return nil, fmt.Errorf("action kind %d: %w", uint8(k), ErrMalformed)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText parses a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	*k = v
	return err
}

// Bounds of an action's fields.
const (
	MaxName   = 64   // a module name, as modstore's
	MaxReason = 1024 // the reason text
)

// actionMagic starts every action message.
const (
	actionMagic   = "CLKX"
	actionVersion = 1
	actionContext = "clk supervisor action v1\x00"
	// actionFixed is the size of the fields before the module name.
	actionFixed = 32
)

// Action is one request of the supervisor. Its encoding, integers
// little-endian:
//
//	 0   4  magic "CLKX"
//	 4   2  format version, 1
//	 6   1  kind
//	 7   1  reserved, 0
//	 8   8  sequence number, from 1, rising with every action of its key
//	16   8  time, Unix nanoseconds, of the supervisor's clock
//	24   8  alert id: the alert that moved the supervisor (0: none)
//	32   1  m, then m bytes: the target module (1 to 64, a-z 0-9 . - _)
//	     2  r, then r bytes: the reason (at most 1024)
//	    32  the signer's ed25519 public key
//	    64  the signature
//
// The signature covers "clk supervisor action v1", a NUL, and every byte
// before the key. The encoding is canonical: one action has one encoding.
type Action struct {
	Kind    Kind
	Seq     uint64
	Time    time.Time
	AlertID uint64
	Module  string
	Reason  string
	Key     [ed25519.PublicKeySize]byte
	Sig     [ed25519.SignatureSize]byte
}

// checkName checks a module name: 1 to MaxName bytes of a-z, 0-9, '.',
// '-', '_', starting with a letter or a digit.
func checkName(s string) error {
	if len(s) < 1 || len(s) > MaxName {
		return fmt.Errorf("module name length %d outside [1, %d]: %w", len(s), MaxName, ErrMalformed)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '-' && c != '_') {
			return fmt.Errorf("module name byte %d (%q): %w", i, c, ErrMalformed)
		}
	}
	return nil
}

func (a *Action) check() error {
	if !a.Kind.valid() {
		return fmt.Errorf("action kind %d: %w", uint8(a.Kind), ErrMalformed)
	}
	if a.Seq == 0 {
		return fmt.Errorf("action sequence number 0: %w", ErrMalformed)
	}
	if err := checkName(a.Module); err != nil {
		return fmt.Errorf("action: %w", err)
	}
	if len(a.Reason) > MaxReason {
		return fmt.Errorf("action reason of %d bytes, at most %d: %w", len(a.Reason), MaxReason, ErrMalformed)
	}
	return nil
}

// signed returns the bytes the signature covers.
func (a *Action) signed() ([]byte, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, actionFixed+1+len(a.Module)+2+len(a.Reason)+ed25519.PublicKeySize+ed25519.SignatureSize)
	b = append(b, actionMagic...)
	b = binary.LittleEndian.AppendUint16(b, actionVersion)
	b = append(b, byte(a.Kind), 0)
	b = binary.LittleEndian.AppendUint64(b, a.Seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(a.Time.UnixNano()))
	b = binary.LittleEndian.AppendUint64(b, a.AlertID)
	b = append(b, byte(len(a.Module)))
	b = append(b, a.Module...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(a.Reason)))
	b = append(b, a.Reason...)
	return b, nil
}

// Sign sets a's key and signature with priv, the supervisor's key.
func (a *Action) Sign(priv ed25519.PrivateKey) error {
	b, err := a.signed()
	if err != nil {
		return err
	}
	copy(a.Key[:], priv.Public().(ed25519.PublicKey))
	copy(a.Sig[:], ed25519.Sign(priv, append([]byte(actionContext), b...)))
	return nil
}

// MarshalBinary returns a's encoding, signature included.
func (a *Action) MarshalBinary() ([]byte, error) {
	b, err := a.signed()
	if err != nil {
		return nil, err
	}
	return append(append(b, a.Key[:]...), a.Sig[:]...), nil
}

// verify reports whether a's signature is its key's over its bytes.
func (a *Action) verify() bool {
	b, err := a.signed()
	if err != nil {
		return false
	}
	return ed25519.Verify(a.Key[:], append([]byte(actionContext), b...), a.Sig[:])
}

// ParseAction decodes an action message. It checks the encoding, not the
// signature: Engine.Decide does that against the policy's keys.
func ParseAction(b []byte) (*Action, error) {
	if len(b) < actionFixed+1 {
		return nil, fmt.Errorf("action of %d bytes: %w", len(b), ErrMalformed)
	}
	if string(b[:4]) != actionMagic {
		return nil, fmt.Errorf("action magic %q: %w", b[:4], ErrMalformed)
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != actionVersion {
		return nil, fmt.Errorf("action format version %d: %w", v, ErrMalformed)
	}
	if b[7] != 0 {
		return nil, fmt.Errorf("action reserved byte %#x: %w", b[7], ErrMalformed)
	}
	a := &Action{
		Kind:    Kind(b[6]),
		Seq:     binary.LittleEndian.Uint64(b[8:]),
		Time:    time.Unix(0, int64(binary.LittleEndian.Uint64(b[16:]))),
		AlertID: binary.LittleEndian.Uint64(b[24:]),
	}
	rest := b[actionFixed:]
	m := int(rest[0])
	rest = rest[1:]
	if len(rest) < m+2 {
		return nil, fmt.Errorf("action ends in its module name: %w", ErrMalformed)
	}
	a.Module, rest = string(rest[:m]), rest[m:]
	r := int(binary.LittleEndian.Uint16(rest))
	rest = rest[2:]
	if r > MaxReason {
		return nil, fmt.Errorf("action reason of %d bytes, at most %d: %w", r, MaxReason, ErrMalformed)
	}
	if len(rest) != r+len(a.Key)+len(a.Sig) {
		return nil, fmt.Errorf("action has %d bytes after its reason's length, want %d: %w", len(rest), r+len(a.Key)+len(a.Sig), ErrMalformed)
	}
	a.Reason, rest = string(rest[:r]), rest[r:]
	copy(a.Key[:], rest)
	copy(a.Sig[:], rest[len(a.Key):])
	if err := a.check(); err != nil {
		return nil, err
	}
	return a, nil
}
