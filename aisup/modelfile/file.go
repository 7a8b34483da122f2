package modelfile

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"clk/aisup/classify"
	"clk/aisup/ngram"
)

// The causes a model file is refused for; every error of this package
// wraps one of them, or the model package's own (ngram.ErrBadModel,
// classify.ErrBadModel) for a payload that does not decode.
var (
	ErrMalformed    = errors.New("malformed model file")
	ErrUnsigned     = errors.New("model file signed by no trusted key")
	ErrBadSignature = errors.New("bad signature on model file")
)

// Kind is the kind of model a file carries.
type Kind uint8

const (
	NGram      Kind = 1 // an ngram.Model
	Classifier Kind = 2 // a classify.Model
)

// Bounds of a model file.
const (
	MaxPayload = 16 << 20
	MaxSigs    = 8
	maxModule  = 64
)

const (
	magic   = "CLKW"
	version = 1
	context = "clk supervisor model v1\x00"
	sigSize = ed25519.PublicKeySize + ed25519.SignatureSize
)

// File is a model and what it is for. Its encoding, little-endian:
//
//	0   4  magic "CLKW"
//	4   2  format version, 1
//	6   1  kind: 1 n-gram model, 2 classifier
//	7   1  reserved, 0
//	8   8  trained at, Unix seconds
//	16  1  m, then m bytes: the module the model is of ("*" for any)
//	    4  P, then P bytes: the model's own encoding (1 byte to 16 MiB)
//	    2  n, 0 to 8, then n × (32-byte ed25519 public key, 64-byte signature)
//
// Each signature covers "clk supervisor model v1", a NUL and every byte
// before n. A signature binds the weights to the module and the kind, so
// weights trained for one module cannot be passed off as another's.
type File struct {
	Kind    Kind
	Trained int64
	Module  string
	Payload []byte
	Sigs    []Signature
}

// Signature is one signature of a model file.
type Signature struct {
	Key [ed25519.PublicKeySize]byte
	Sig [ed25519.SignatureSize]byte
}

func (f *File) signed() ([]byte, error) {
	if f.Kind != NGram && f.Kind != Classifier {
		return nil, fmt.Errorf("kind %d: %w", f.Kind, ErrMalformed)
	}
	if len(f.Module) < 1 || len(f.Module) > maxModule || len(f.Payload) < 1 || len(f.Payload) > MaxPayload {
		return nil, fmt.Errorf("module name of %d bytes, payload of %d: %w", len(f.Module), len(f.Payload), ErrMalformed)
	}
	b := make([]byte, 0, 21+len(f.Module)+len(f.Payload)+2+sigSize*len(f.Sigs))
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint16(b, version)
	b = append(b, byte(f.Kind), 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(f.Trained))
	b = append(b, byte(len(f.Module)))
	b = append(b, f.Module...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Payload)))
	return append(b, f.Payload...), nil
}

// Sign adds priv's signature, or replaces one by the same key.
func (f *File) Sign(priv ed25519.PrivateKey) error {
	b, err := f.signed()
	if err != nil {
		return err
	}
	var s Signature
	copy(s.Key[:], priv.Public().(ed25519.PublicKey))
	copy(s.Sig[:], ed25519.Sign(priv, append([]byte(context), b...)))
	f.Sigs = slices.DeleteFunc(f.Sigs, func(o Signature) bool { return o.Key == s.Key })
	if len(f.Sigs) >= MaxSigs {
		return fmt.Errorf("already %d signatures: %w", len(f.Sigs), ErrMalformed)
	}
	f.Sigs = append(f.Sigs, s)
	return nil
}

// MarshalBinary returns the file's encoding.
func (f *File) MarshalBinary() ([]byte, error) {
	b, err := f.signed()
	if err != nil {
		return nil, err
	}
	if len(f.Sigs) > MaxSigs {
		return nil, fmt.Errorf("%d signatures, at most %d: %w", len(f.Sigs), MaxSigs, ErrMalformed)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(f.Sigs)))
	for _, s := range f.Sigs {
		b = append(append(b, s.Key[:]...), s.Sig[:]...)
	}
	return b, nil
}

// Parse decodes a model file's envelope; it checks no signature.
func Parse(b []byte) (*File, error) {
	if len(b) < 17 || string(b[:4]) != magic || binary.LittleEndian.Uint16(b[4:]) != version || b[7] != 0 {
		return nil, fmt.Errorf("header: %w", ErrMalformed)
	}
	f := &File{Kind: Kind(b[6]), Trained: int64(binary.LittleEndian.Uint64(b[8:]))}
	m := int(b[16])
	rest := b[17:]
	if len(rest) < m+4 {
		return nil, fmt.Errorf("ends in the module name: %w", ErrMalformed)
	}
	f.Module, rest = string(rest[:m]), rest[m:]
	p := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	if p > MaxPayload || uint64(len(rest)) < uint64(p)+2 {
		return nil, fmt.Errorf("payload of %d bytes: %w", p, ErrMalformed)
	}
	f.Payload, rest = slices.Clone(rest[:p]), rest[p:]
	n := int(binary.LittleEndian.Uint16(rest))
	rest = rest[2:]
	if n > MaxSigs || len(rest) != n*sigSize {
		return nil, fmt.Errorf("%d signatures in %d bytes: %w", n, len(rest), ErrMalformed)
	}
	for i := range n {
		var s Signature
		copy(s.Key[:], rest[i*sigSize:])
		copy(s.Sig[:], rest[i*sigSize+len(s.Key):])
		if slices.ContainsFunc(f.Sigs, func(o Signature) bool { return o.Key == s.Key }) {
			return nil, fmt.Errorf("signed twice by one key: %w", ErrMalformed)
		}
		f.Sigs = append(f.Sigs, s)
	}
	if _, err := f.signed(); err != nil {
		return nil, err
	}
	return f, nil
}

// Verify decodes a model file and checks that a trusted key signed it:
// at least one signature by a key of trusted must verify, and none by a
// trusted key may fail (a failing one means the bytes changed after
// signing). Signatures by other keys are ignored. The model itself is
// decoded by NGram or Classifier.
func Verify(b []byte, trusted [][ed25519.PublicKeySize]byte) (*File, error) {
	f, err := Parse(b)
	if err != nil {
		return nil, err
	}
	signed, _ := f.signed()
	msg := append([]byte(context), signed...)
	good := 0
	for _, s := range f.Sigs {
		if !slices.Contains(trusted, s.Key) {
			continue
		}
		if !ed25519.Verify(s.Key[:], msg, s.Sig[:]) {
			return nil, fmt.Errorf("model of %s: key %x…: %w", f.Module, s.Key[:8], ErrBadSignature)
		}
		good++
	}
	if good == 0 {
		return nil, fmt.Errorf("model of %s: %w", f.Module, ErrUnsigned)
	}
	return f, nil
}

// NGram decodes the file's n-gram model.
func (f *File) NGram() (*ngram.Model, error) {
	if f.Kind != NGram {
		return nil, fmt.Errorf("model of %s is kind %d, not an n-gram model: %w", f.Module, f.Kind, ErrMalformed)
	}
	m, err := ngram.Parse(f.Payload)
	if err != nil {
		return nil, fmt.Errorf("model of %s: %w", f.Module, err)
	}
	return m, nil
}

// Classifier decodes the file's classifier.
func (f *File) Classifier() (*classify.Model, error) {
	if f.Kind != Classifier {
		return nil, fmt.Errorf("model of %s is kind %d, not a classifier: %w", f.Module, f.Kind, ErrMalformed)
	}
	m, err := classify.Parse(f.Payload)
	if err != nil {
		return nil, fmt.Errorf("model of %s: %w", f.Module, err)
	}
	return m, nil
}
