package modstore_test

import (
	"bytes"
	"clk/modstore"
	"clk/modstore/modtest"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"
)

// causes are the sentinel errors a refusal wraps.
var causes = []error{
	modstore.ErrTruncated, modstore.ErrMalformed, modstore.ErrBadManifest, modstore.ErrBadELF,
	modstore.ErrHashMismatch, modstore.ErrUnsigned, modstore.ErrBadSignature, modstore.ErrUnknownKey,
	modstore.ErrRevokedKey, modstore.ErrKeyExpired, modstore.ErrKeyNotAllowed, modstore.ErrABI,
	modstore.ErrRollback, modstore.ErrNotGranted, modstore.ErrBelowThreshold, modstore.ErrStaleRoot,
}

// wrapsOneCause reports whether err wraps exactly one of causes.
func wrapsOneCause(err error) bool {
	n := 0
	for _, c := range causes {
		if errors.Is(err, c) {
			n++
		}
	}
	return n == 1
}

// refused checks that err wraps want and names it in its message.
func refused(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if !wrapsOneCause(err) {
		t.Errorf("error %v wraps more than one cause", err)
	}
	if !strings.Contains(err.Error(), want.Error()) {
		t.Errorf("error %q does not name its cause %q", err, want)
	}
}

func goodModule(f *modtest.Fixture) []byte {
	return modtest.Module(modtest.Manifest("netdrv"), modtest.TinyELF(), f.Module)
}

// grantAll is a policy that grants the test manifest everything it asks.
var grantAll = &modstore.Policy{Grants: []modstore.Grant{{
	Devices:  []modstore.Device{{Kind: modstore.ByID, VendorID: 0x1af4, DeviceID: 0x1041}},
	Provides: []string{"net"}, Uses: []string{"*"}, Memory: 64 << 20, Threads: 8,
}}}

func TestAGoodModuleIsAccepted(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{Policy: grantAll})
	v, err := f.Store.Verify(goodModule(f))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.Tainted || v.Signer == nil || *v.Signer != f.Module.Public() {
		t.Errorf("verdict tainted %v signer %v, want signed by the module key", v.Tainted, v.Signer)
	}
	if v.Module.Manifest.Name != "netdrv" || !bytes.Equal(v.Module.ELF, modtest.TinyELF()) {
		t.Errorf("verdict's module %+v", v.Module.Manifest)
	}
}

func TestEachBadModuleIsRefusedWithItsCause(t *testing.T) {
	outsider := modtest.Key("outsider")
	elf := modtest.TinyELF()
	for _, tc := range []struct {
		name string
		// file makes the module, after changing the fixture if it needs
		file func(t *testing.T, f *modtest.Fixture) []byte
		want error
	}{
		{"unsigned", func(t *testing.T, f *modtest.Fixture) []byte {
			return modtest.Module(modtest.Manifest("netdrv"), elf)
		}, modstore.ErrUnsigned},
		{"signed by a key not in the store", func(t *testing.T, f *modtest.Fixture) []byte {
			return modtest.Module(modtest.Manifest("netdrv"), elf, outsider)
		}, modstore.ErrUnknownKey},
		{"signed by a root key, which signs only trust documents", func(t *testing.T, f *modtest.Fixture) []byte {
			return modtest.Module(modtest.Manifest("netdrv"), elf, f.Roots[0])
		}, modstore.ErrUnknownKey},
		{"signed by a revoked key", func(t *testing.T, f *modtest.Fixture) []byte {
			rev := modtest.Doc(modstore.Doc{Revocation: &modstore.Revocation{Key: f.Module.Public()}}, f.Roots[1], f.Roots[2])
			if err := f.Store.Apply(rev); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			return goodModule(f)
		}, modstore.ErrRevokedKey},
		{"a signature that does not cover the bytes", func(t *testing.T, f *modtest.Fixture) []byte {
			b := goodModule(f)
			b[len(b)-1] ^= 1
			return b
		}, modstore.ErrBadSignature},
		{"a lower version than installed", func(t *testing.T, f *modtest.Fixture) []byte {
			m := modtest.Manifest("netdrv")
			m.Version = modstore.Version{Major: 1, Minor: 10, Patch: 0}
			v, err := f.Store.Verify(modtest.Module(m, elf, f.Module))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Store.Record(v); err != nil {
				t.Fatal(err)
			}
			m.Version.Minor = 9
			return modtest.Module(m, elf, f.Module)
		}, modstore.ErrRollback},
		{"a capability the policy does not grant", func(t *testing.T, f *modtest.Fixture) []byte {
			m := modtest.Manifest("netdrv")
			m.Devices = append(m.Devices, modstore.Device{Kind: modstore.ByClass, Class: 1, Subclass: 6})
			return modtest.Module(m, elf, f.Module)
		}, modstore.ErrNotGranted},
		{"a truncated file", func(t *testing.T, f *modtest.Fixture) []byte {
			b := goodModule(f)
			return b[:len(b)-1]
		}, modstore.ErrTruncated},
		{"bytes after the signature block", func(t *testing.T, f *modtest.Fixture) []byte {
			return append(goodModule(f), 0)
		}, modstore.ErrMalformed},
		{"a malformed ELF", func(t *testing.T, f *modtest.Fixture) []byte {
			return modtest.Module(modtest.Manifest("netdrv"), []byte("#!/bin/sh\necho not an ELF\n"), f.Module)
		}, modstore.ErrBadELF},
		{"an ELF hash that does not match", func(t *testing.T, f *modtest.Fixture) []byte {
			mod := modstore.Wrap(modtest.Manifest("netdrv"), elf)
			mod.Manifest.ELFSHA256 = sha256.Sum256([]byte("another ELF"))
			if err := mod.Sign(f.Module); err != nil {
				t.Fatal(err)
			}
			b, err := mod.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, modstore.ErrHashMismatch},
		{"a key delegated below threshold", func(t *testing.T, f *modtest.Fixture) []byte {
			err := f.Store.Apply(f.Delegation(outsider.Public(), nil, f.Roots[0]))
			refused(t, err, modstore.ErrBelowThreshold)
			return modtest.Module(modtest.Manifest("netdrv"), elf, outsider)
		}, modstore.ErrUnknownKey},
		{"a key delegated for other names", func(t *testing.T, f *modtest.Fixture) []byte {
			if err := f.Store.Apply(f.Delegation(outsider.Public(), []string{"fs-*", "log"}, f.Roots[0], f.Roots[2])); err != nil {
				t.Fatal(err)
			}
			return modtest.Module(modtest.Manifest("netdrv"), elf, outsider)
		}, modstore.ErrKeyNotAllowed},
		{"a key whose delegation expired", func(t *testing.T, f *modtest.Fixture) []byte {
			g := &modstore.Delegation{Key: outsider.Public(), Expires: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()}
			if err := f.Store.Apply(modtest.Doc(modstore.Doc{Delegation: g}, f.Roots[0], f.Roots[1])); err != nil {
				t.Fatal(err)
			}
			return modtest.Module(modtest.Manifest("netdrv"), elf, outsider)
		}, modstore.ErrKeyExpired},
		{"another ABI", func(t *testing.T, f *modtest.Fixture) []byte {
			m := modtest.Manifest("netdrv")
			m.ABI = modstore.CurrentABI + 1
			return modtest.Module(m, elf, f.Module)
		}, modstore.ErrABI},
		{"an invalid manifest", func(t *testing.T, f *modtest.Fixture) []byte {
			b := goodModule(f)
			i := bytes.Index(b, []byte("netdrv"))
			b[i] = 'N'
			return b
		}, modstore.ErrBadManifest},
		{"not a module file", func(t *testing.T, f *modtest.Fixture) []byte {
			return append([]byte("\x7fELF"), goodModule(f)[4:]...)
		}, modstore.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := modtest.NewFixture(modstore.Config{Policy: grantAll})
			_, err := f.Store.Verify(tc.file(t, f))
			refused(t, err, tc.want)
		})
	}
}

func TestEveryFlippedByteIsRefused(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{Policy: grantAll})
	good := goodModule(f)
	for i := range good {
		b := bytes.Clone(good)
		b[i] ^= 0xff
		_, err := f.Store.Verify(b)
		if err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
		if !wrapsOneCause(err) {
			t.Fatalf("byte %d flipped: error %v wraps no single cause", i, err)
		}
	}
}

func TestEveryTruncationIsRefusedAsTruncated(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	good := goodModule(f)
	for n := range len(good) {
		_, err := f.Store.Verify(good[:n])
		if !errors.Is(err, modstore.ErrTruncated) {
			t.Fatalf("first %d of %d bytes: error %v, want %v", n, len(good), err, modstore.ErrTruncated)
		}
	}
}

func TestOneStandingSignatureIsEnough(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	b := modtest.Module(modtest.Manifest("netdrv"), modtest.TinyELF(), modtest.Key("outsider"), f.Module)
	v, err := f.Store.Verify(b)
	if err != nil {
		t.Fatalf("signed by an outsider and the module key: %v", err)
	}
	if *v.Signer != f.Module.Public() {
		t.Errorf("signer %s, want the module key", v.Signer.ID())
	}
}

func TestTheMostTellingSignatureFaultIsReported(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	rev := modtest.Doc(modstore.Doc{Revocation: &modstore.Revocation{Key: f.Module.Public()}}, f.Roots[0], f.Roots[1])
	if err := f.Store.Apply(rev); err != nil {
		t.Fatal(err)
	}
	b := modtest.Module(modtest.Manifest("netdrv"), modtest.TinyELF(), modtest.Key("outsider"), f.Module)
	_, err := f.Store.Verify(b)
	refused(t, err, modstore.ErrRevokedKey)
}

func TestRollbackComparesVersionsNumerically(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	elf := modtest.TinyELF()
	install := func(version string) error {
		m := modtest.Manifest("netdrv")
		var err error
		if m.Version, err = modstore.ParseVersion(version); err != nil {
			t.Fatal(err)
		}
		v, err := f.Store.Verify(modtest.Module(m, elf, f.Module))
		if err != nil {
			return err
		}
		return f.Store.Record(v)
	}
	for _, step := range []struct {
		version string
		want    error
	}{
		{"1.9.0", nil},
		{"1.10.0", nil},
		{"1.9.9", modstore.ErrRollback},
		{"1.10.0", nil}, // the same version again is a reinstall
		{"2.0.0", nil},
		{"1.99.99", modstore.ErrRollback},
	} {
		if err := install(step.version); !errors.Is(err, step.want) || (err == nil) != (step.want == nil) {
			t.Errorf("install %s: %v, want %v", step.version, err, step.want)
		}
	}
	m := modtest.Manifest("other")
	if _, err := f.Store.Verify(modtest.Module(m, elf, f.Module)); err != nil {
		t.Errorf("another name's first version: %v", err)
	}
}

func TestRecordNeverLowersAVersion(t *testing.T) {
	var vs modstore.MemVersions
	if err := vs.Record("a", modstore.Version{Major: 2}); err != nil {
		t.Fatal(err)
	}
	refused(t, vs.Record("a", modstore.Version{Major: 1, Minor: 99}), modstore.ErrRollback)
	if v, _ := vs.Highest("a"); v != (modstore.Version{Major: 2}) {
		t.Errorf("highest %v after a refused record, want 2.0.0", v)
	}
}

func TestPermissiveTaintsOnlySignatureFaults(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{Mode: modstore.Permissive, Policy: grantAll})
	elf := modtest.TinyELF()
	for _, tc := range []struct {
		name string
		file []byte
		want error
	}{
		{"unsigned", modtest.Module(modtest.Manifest("netdrv"), elf), modstore.ErrUnsigned},
		{"unknown key", modtest.Module(modtest.Manifest("netdrv"), elf, modtest.Key("outsider")), modstore.ErrUnknownKey},
	} {
		v, err := f.Store.Verify(tc.file)
		if err != nil {
			t.Errorf("%s: refused in permissive mode: %v", tc.name, err)
			continue
		}
		if !v.Tainted || v.Signer != nil || !errors.Is(v.Reason, tc.want) {
			t.Errorf("%s: tainted %v signer %v reason %v, want tainted for %v", tc.name, v.Tainted, v.Signer, v.Reason, tc.want)
		}
	}

	bad := modstore.Wrap(modtest.Manifest("netdrv"), elf)
	bad.Manifest.ELFSHA256[0] ^= 1
	b, err := bad.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.Verify(b)
	refused(t, err, modstore.ErrHashMismatch)
	good := goodModule(f)
	_, err = f.Store.Verify(good[:len(good)-3])
	refused(t, err, modstore.ErrTruncated)
	m := modtest.Manifest("netdrv")
	m.Threads = 200
	_, err = f.Store.Verify(modtest.Module(m, elf))
	refused(t, err, modstore.ErrNotGranted)
}

func TestEnforceIsTheDefault(t *testing.T) {
	if (modstore.Config{}).Mode != modstore.Enforce {
		t.Fatal("the zero Config is not enforcing")
	}
}
