package modstore

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// PublicKey is an ed25519 public key.
type PublicKey [ed25519.PublicKeySize]byte

// KeyID names a public key in messages, listings and policies: the first
// 16 bytes of the key's SHA-256, in hex, too long for anyone to make a
// second key with the same id.
type KeyID string

// key reads a public key; a short read gives the zero key and sets
// d.Short.
func (d *decoder) key() PublicKey {
	var k PublicKey
	copy(k[:], d.Bytes(len(k)))
	return k
}

// ID returns k's key id.
func (k PublicKey) ID() KeyID {
	sum := sha256.Sum256(k[:])
	return KeyID(hex.EncodeToString(sum[:16]))
}

// Signer is a private key that signs modules and trust documents.
type Signer struct {
	priv ed25519.PrivateKey
}

// GenerateKey returns a new key pair read from rand (crypto/rand.Reader
// when rand is nil).
func GenerateKey(rand io.Reader) (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return &Signer{priv: priv}, nil
}

// NewSigner returns the signer of an ed25519 seed (RFC 8032's 32-byte
// private key).
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("private key: %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return &Signer{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Public returns the signer's public key.
func (s *Signer) Public() PublicKey {
	var k PublicKey
	copy(k[:], s.priv.Public().(ed25519.PublicKey))
	return k
}

// sign signs msg in the domain named by context (see the context
// constants).
func (s *Signer) sign(context string, msg []byte) Signature {
	return Signature{Key: s.Public(), Sig: [ed25519.SignatureSize]byte(ed25519.Sign(s.priv, domain(context, msg)))}
}

// Signature is one signature of a module or trust document: the signer's
// public key and the ed25519 signature.
type Signature struct {
	Key PublicKey
	Sig [ed25519.SignatureSize]byte
}

// signatureSize is a Signature's encoded size: key, then signature.
const signatureSize = ed25519.PublicKeySize + ed25519.SignatureSize

// verify reports whether sig signs msg in the domain context.
func (sig Signature) verify(context string, msg []byte) bool {
	return ed25519.Verify(sig.Key[:], domain(context, msg), sig.Sig[:])
}

// The contexts prefixed to the bytes every signature covers, so that a
// signature of one kind of object never verifies as another's.
const (
	moduleContext = "clk module signature v1\x00"
	trustContext  = "clk trust document v1\x00"
)

// domain returns context followed by msg.
func domain(context string, msg []byte) []byte {
	b := make([]byte, 0, len(context)+len(msg))
	return append(append(b, context...), msg...)
}

// Seed returns s's RFC 8032 private key, the 32 bytes NewSigner takes.
func (s *Signer) Seed() []byte { return s.priv.Seed() }

// MarshalText returns k in standard base64, its form in JSON.
func (k PublicKey) MarshalText() ([]byte, error) {
	return []byte(base64.StdEncoding.EncodeToString(k[:])), nil
}

// UnmarshalText parses k from standard base64.
func (k *PublicKey) UnmarshalText(text []byte) error {
	raw, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	if len(raw) != len(k) {
		return fmt.Errorf("public key: %d bytes, want %d", len(raw), len(k))
	}
	copy(k[:], raw)
	return nil
}
