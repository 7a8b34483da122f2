package modstore

import "errors"

// The causes a module file or a trust document is refused for. Every error
// of this package wraps exactly one of them, so a caller tells the causes
// apart with errors.Is; the message around it says where the cause was
// found.
var (
	// ErrTruncated: the file ends before a length or section it declares.
	ErrTruncated = errors.New("truncated file")
	// ErrMalformed: the file's structure is wrong: magic, format version,
	// reserved bits, a length out of bounds, or bytes after the last
	// section.
	ErrMalformed = errors.New("malformed file")
	// ErrBadManifest: a manifest field breaks its rules (name, version,
	// limits, capability lists, canonical order).
	ErrBadManifest = errors.New("invalid manifest")
	// ErrBadELF: the module's ELF is not a well-formed static ELF64
	// x86-64 executable for the user address range.
	ErrBadELF = errors.New("malformed ELF")
	// ErrHashMismatch: the ELF's SHA-256 differs from the manifest's.
	ErrHashMismatch = errors.New("ELF hash does not match the manifest")
	// ErrUnsigned: the module carries no signature.
	ErrUnsigned = errors.New("module is unsigned")
	// ErrBadSignature: a signature by a trusted key does not verify: the
	// signed bytes were changed after signing.
	ErrBadSignature = errors.New("bad signature")
	// ErrUnknownKey: no signature is by a key the trust store delegated.
	ErrUnknownKey = errors.New("signed by a key not in the trust store")
	// ErrRevokedKey: the signing key was revoked.
	ErrRevokedKey = errors.New("signed by a revoked key")
	// ErrKeyExpired: the delegation of the signing key has expired.
	ErrKeyExpired = errors.New("delegation of the signing key has expired")
	// ErrKeyNotAllowed: the signing key's delegation does not cover the
	// module's name.
	ErrKeyNotAllowed = errors.New("signing key not delegated for this module name")
	// ErrABI: the module was built for an ABI version the kernel does not
	// implement.
	ErrABI = errors.New("unsupported ABI version")
	// ErrRollback: the module's version is lower than the highest version
	// of that name seen before.
	ErrRollback = errors.New("version lower than installed (rollback)")
	// ErrNotGranted: the manifest asks for a capability the policy does
	// not grant.
	ErrNotGranted = errors.New("capability not granted by policy")
	// ErrBelowThreshold: a trust document carries fewer valid signatures
	// of the root keys than the threshold asks for.
	ErrBelowThreshold = errors.New("root signatures below threshold")
	// ErrStaleRoot: a new root set's version is not the current one plus
	// one.
	ErrStaleRoot = errors.New("root set version out of sequence")
)
