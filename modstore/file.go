package modstore

import (
	"crypto/sha256"
	"fmt"
	"slices"
)

// The module file format, version 1. All integers are little-endian.
//
//	offset      size  field
//	0           4     magic "CLKM"
//	4           2     format version, 1
//	6           2     reserved, 0
//	8           4     M, the manifest's length: 1 to MaxManifestSize
//	12          M     the manifest (Manifest.MarshalBinary)
//	12+M        4     E, the ELF's length: 1 to MaxELFSize
//	16+M        E     the ELF
//	16+M+E      4     S, the signature block's length: 2 + 96n
//	20+M+E      S     the signature block: u16 n (0 to MaxSignatures), then
//	                  n × (32-byte ed25519 public key, 64-byte signature)
//
// The file ends with the signature block: a byte after it is an error.
// Each signature signs the context string "clk module signature v1\x00"
// followed by bytes [0, 16+M+E) of the file: everything but the signature
// block and its length word. So signing adds or replaces signatures
// without touching the bytes they cover, and a module carries several
// signatures when it moves between trust stores or its key is rotated.
const (
	fileMagic   = "CLKM"
	fileVersion = 1
	headerSize  = 8

	// MaxManifestSize is the longest manifest section.
	MaxManifestSize = 16 << 10
	// MaxELFSize is the longest ELF section.
	MaxELFSize = 64 << 20
	// MaxSignatures is the most signatures one module carries.
	MaxSignatures = 8
)

// Module is a module file: its manifest, its ELF and its signatures.
type Module struct {
	Manifest   Manifest
	ELF        []byte
	Signatures []Signature
}

// ParseModule parses a module file strictly: every length within its
// bounds and within the file, the manifest valid and canonical, no two
// signatures by one key, and nothing after the signature block. It checks
// neither the signatures, nor the ELF's hash, nor the ELF itself: that is
// Store.Verify's work. The Module's ELF aliases b.
func ParseModule(b []byte) (*Module, error) {
	m, _, err := parseModule(b)
	return m, err
}

// parseModule is ParseModule that also returns the signed bytes of b.
func parseModule(b []byte) (*Module, []byte, error) {
	if len(b) < headerSize {
		return nil, nil, fmt.Errorf("module: %d bytes, shorter than the header: %w", len(b), ErrTruncated)
	}
	d := newDecoder(b)
	magic, version, reserved := string(d.Bytes(len(fileMagic))), d.U16(), d.U16()
	switch {
	case magic != fileMagic:
		return nil, nil, fmt.Errorf("module: magic %q, want %q: %w", magic, fileMagic, ErrMalformed)
	case version != fileVersion:
		return nil, nil, fmt.Errorf("module: format version %d, want %d: %w", version, fileVersion, ErrMalformed)
	case reserved != 0:
		return nil, nil, fmt.Errorf("module: reserved header field %#x, want 0: %w", reserved, ErrMalformed)
	}
	manifest, err := section(d, "manifest", 1, MaxManifestSize)
	if err != nil {
		return nil, nil, err
	}
	elfBytes, err := section(d, "ELF", 1, MaxELFSize)
	if err != nil {
		return nil, nil, err
	}
	signed := b[:d.Off]
	block, err := section(d, "signature block", 2, 2+MaxSignatures*signatureSize)
	if err != nil {
		return nil, nil, err
	}
	if d.Rest() != 0 {
		return nil, nil, fmt.Errorf("module: %d bytes after the signature block: %w", d.Rest(), ErrMalformed)
	}
	sigs, err := parseSignatures(block)
	if err != nil {
		return nil, nil, fmt.Errorf("module: %w", err)
	}
	m := &Module{ELF: elfBytes, Signatures: sigs}
	if err := m.Manifest.UnmarshalBinary(manifest); err != nil {
		return nil, nil, fmt.Errorf("module: %w", err)
	}
	return m, signed, nil
}

// section reads a length word and the section it gives, which must be
// min to max bytes long.
func section(d *decoder, name string, min, max int) ([]byte, error) {
	n := d.U32()
	switch {
	case d.Short:
		return nil, fmt.Errorf("module: ends in the %s's length: %w", name, ErrTruncated)
	case n < uint32(min) || n > uint32(max):
		return nil, fmt.Errorf("module: %s length %d outside [%d, %d]: %w", name, n, min, max, ErrMalformed)
	case int(n) > d.Rest():
		return nil, fmt.Errorf("module: %s of %d bytes, %d left in the file: %w", name, n, d.Rest(), ErrTruncated)
	}
	return d.Bytes(int(n)), nil
}

// parseSignatures parses a signature block: u16 n, then n signatures.
func parseSignatures(block []byte) ([]Signature, error) {
	d := newDecoder(block)
	n := int(d.U16())
	if n > MaxSignatures || d.Rest() != n*signatureSize {
		return nil, fmt.Errorf("signature block of %d bytes does not hold %d signatures: %w", len(block), n, ErrMalformed)
	}
	sigs := make([]Signature, n)
	for i := range sigs {
		copy(sigs[i].Key[:], d.Bytes(len(sigs[i].Key)))
		copy(sigs[i].Sig[:], d.Bytes(len(sigs[i].Sig)))
		for _, prev := range sigs[:i] {
			if prev.Key == sigs[i].Key {
				return nil, fmt.Errorf("two signatures by key %s: %w", prev.Key.ID(), ErrMalformed)
			}
		}
	}
	return sigs, nil
}

// appendSignatures appends a signature block's contents.
func appendSignatures(b []byte, sigs []Signature) []byte {
	b = appendU16(b, uint16(len(sigs)))
	for _, s := range sigs {
		b = append(append(b, s.Key[:]...), s.Sig[:]...)
	}
	return b
}

// SignedBytes returns the bytes m's signatures cover: the file's header,
// manifest section and ELF section.
func (m *Module) SignedBytes() ([]byte, error) {
	manifest, err := m.Manifest.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("module: %w", err)
	}
	if len(m.ELF) < 1 || len(m.ELF) > MaxELFSize {
		return nil, fmt.Errorf("module: ELF of %d bytes outside [1, %d]: %w", len(m.ELF), MaxELFSize, ErrMalformed)
	}
	b := make([]byte, 0, headerSize+8+len(manifest)+len(m.ELF)+4+2+len(m.Signatures)*signatureSize)
	b = appendU16(appendU16(append(b, fileMagic...), fileVersion), 0)
	b = append(appendU32(b, uint32(len(manifest))), manifest...)
	b = append(appendU32(b, uint32(len(m.ELF))), m.ELF...)
	return b, nil
}

// MarshalBinary returns m's module file.
func (m *Module) MarshalBinary() ([]byte, error) {
	if len(m.Signatures) > MaxSignatures {
		return nil, fmt.Errorf("module: %d signatures, at most %d: %w", len(m.Signatures), MaxSignatures, ErrMalformed)
	}
	b, err := m.SignedBytes()
	if err != nil {
		return nil, err
	}
	b = appendU32(b, uint32(2+len(m.Signatures)*signatureSize))
	return appendSignatures(b, m.Signatures), nil
}

// Wrap returns an unsigned module of elf with manifest m, its ELF hash
// filled in and its lists put in canonical order.
func Wrap(m Manifest, elf []byte) *Module {
	m.Devices = slices.Clone(m.Devices)
	m.Provides = slices.Clone(m.Provides)
	m.Uses = slices.Clone(m.Uses)
	m.Normalize()
	m.ELFSHA256 = sha256.Sum256(elf)
	return &Module{Manifest: m, ELF: elf}
}

// Sign adds s's signature to m, replacing an earlier one by the same key.
// It signs the current manifest and ELF, so it comes after every change to
// them.
func (m *Module) Sign(s *Signer) error {
	signed, err := m.SignedBytes()
	if err != nil {
		return err
	}
	sig := s.sign(moduleContext, signed)
	m.Signatures = slices.DeleteFunc(m.Signatures, func(old Signature) bool { return old.Key == sig.Key })
	if len(m.Signatures) == MaxSignatures {
		return fmt.Errorf("module: already %d signatures: %w", MaxSignatures, ErrMalformed)
	}
	m.Signatures = append(m.Signatures, sig)
	return nil
}
