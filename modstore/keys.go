package modstore

import (
	"bytes"
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

// The text form of key files: a header line naming the kind of key, then
// the key in standard base64 on the next line. A private key file holds
// the 32-byte seed.
const (
	publicKeyHeader  = "clk ed25519 public key"
	privateKeyHeader = "clk ed25519 private key"
)

// MarshalText returns k's key file text.
func (k PublicKey) MarshalText() ([]byte, error) {
	return keyText(publicKeyHeader, k[:]), nil
}

// ParsePublicKey parses a public key file's text.
func ParsePublicKey(text []byte) (PublicKey, error) {
	var k PublicKey
	raw, err := parseKeyText(publicKeyHeader, text, len(k))
	if err != nil {
		return k, err
	}
	copy(k[:], raw)
	return k, nil
}

// MarshalText returns s's private key file text.
func (s *Signer) MarshalText() ([]byte, error) {
	return keyText(privateKeyHeader, s.priv.Seed()), nil
}

// ParseSigner parses a private key file's text.
func ParseSigner(text []byte) (*Signer, error) {
	raw, err := parseKeyText(privateKeyHeader, text, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return NewSigner(raw)
}

// IsPrivateKeyText reports whether text starts like a private key file.
func IsPrivateKeyText(text []byte) bool {
	return bytes.HasPrefix(text, []byte(privateKeyHeader+"\n"))
}

func keyText(header string, raw []byte) []byte {
	return []byte(header + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n")
}

func parseKeyText(header string, text []byte, size int) ([]byte, error) {
	first, rest, ok := bytes.Cut(text, []byte("\n"))
	if !ok || string(first) != header {
		return nil, fmt.Errorf("key file: first line is not %q", header)
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(rest)))
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if len(raw) != size {
		return nil, fmt.Errorf("key file: %d bytes of key, want %d", len(raw), size)
	}
	return raw, nil
}
