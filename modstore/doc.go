// Package modstore is clk's module format and trust store: what a module
// file is, who may vouch for one, and what a kernel checks before it
// installs one. docs/modules.md describes it for people.
//
// A module file (ParseModule, Module) is a manifest, an ELF and a
// signature block. The manifest (Manifest) names the module and its
// version, the ABI it was built for, the capabilities it asks for (PCI
// devices, the services it provides and uses, memory and thread limits)
// and the SHA-256 of the ELF. Manifests and trust documents have one
// canonical binary encoding each, and the parsers accept nothing else, so
// the bytes a signature covers are the bytes a parser read.
//
// A Store holds the trust: a root set of ed25519 keys with a threshold k,
// the module keys k roots delegated (optionally for some module names and
// until an expiry), the keys they revoked, and the rules of rotating the
// root set (the TUF rule: a new set needs k of the old roots and its own
// k). Store.Verify checks a module file, in order: structure, signatures,
// ELF hash, ELF, ABI version, anti-rollback (Versions), Policy; each
// refusal wraps one of the sentinel errors (ErrUnsigned, ErrBadSignature
// ...). In Permissive mode the signature causes do not refuse a module
// but taint its verdict. Open makes a store from a whole set of trust
// documents, as an image or a directory holds them. Floor is the
// anti-rollback floor in the text form the kernel keeps on its disk, and
// Reconcile checks it against the floor the audit log's chain records
// (FloorEvent).
//
// The package is plain Go that builds for the host and for GOOS=clk: it
// imports only the standard library, abi and internal/wire, touches no
// file system, runs no program and keeps no global state. Reading files,
// generating keys and building modules are cmd/clkmod's; installing them
// is the kernel's (kernel/module, started by cmd/clk).
//
// Invariants: every length read from outside input is checked against its
// bound and against the bytes left before anything is sliced or
// allocated; bad input returns an error and never panics; a Store's root
// set only moves forward one version at a time; a revoked key stays
// revoked.
package modstore
