package modstore_test

import (
	"bytes"
	"clk/modstore"
	"clk/modstore/modtest"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

func TestTheFileLayout(t *testing.T) {
	elf := modtest.TinyELF()
	mod := modstore.Wrap(modtest.Manifest("netdrv"), elf)
	manifest, err := mod.Manifest.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := modtest.Key("one"), modtest.Key("two")
	for _, k := range []*modstore.Signer{k1, k2} {
		if err := mod.Sign(k); err != nil {
			t.Fatal(err)
		}
	}
	b, err := mod.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m, e := len(manifest), len(elf)
	le := binary.LittleEndian
	switch {
	case string(b[:8]) != "CLKM\x01\x00\x00\x00":
		t.Errorf("header % x", b[:8])
	case le.Uint32(b[8:]) != uint32(m) || !bytes.Equal(b[12:12+m], manifest):
		t.Error("manifest section")
	case le.Uint32(b[12+m:]) != uint32(e) || !bytes.Equal(b[16+m:16+m+e], elf):
		t.Error("ELF section")
	case le.Uint32(b[16+m+e:]) != 2+2*96 || le.Uint16(b[20+m+e:]) != 2 || len(b) != 22+m+e+2*96:
		t.Error("signature block")
	case modstore.PublicKey(b[22+m+e:]) != k1.Public():
		t.Error("first signature's key")
	}
	signed, err := mod.SignedBytes()
	if err != nil || !bytes.Equal(signed, b[:16+m+e]) {
		t.Errorf("signed bytes are not the file up to the signature block: %v", err)
	}
	back, err := modstore.ParseModule(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, mod) {
		t.Error("the parsed module differs from the one written")
	}
}

func TestSigningAgainReplacesTheKeysSignature(t *testing.T) {
	mod := modstore.Wrap(modtest.Manifest("netdrv"), modtest.TinyELF())
	k := modtest.Key("one")
	for range 2 {
		if err := mod.Sign(k); err != nil {
			t.Fatal(err)
		}
	}
	if len(mod.Signatures) != 1 {
		t.Errorf("%d signatures after signing twice with one key", len(mod.Signatures))
	}
	for i := range modstore.MaxSignatures - 1 {
		if err := mod.Sign(modtest.Key(string(rune('a' + i)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := mod.Sign(modtest.Key("one too many")); !errors.Is(err, modstore.ErrMalformed) {
		t.Errorf("signature %d: %v", modstore.MaxSignatures+1, err)
	}
}

func TestLengthsOutOfBoundsAreMalformed(t *testing.T) {
	good := modtest.Module(modtest.Manifest("netdrv"), modtest.TinyELF(), modtest.Key("one"))
	m := int(binary.LittleEndian.Uint32(good[8:]))
	for _, tc := range []struct {
		name string
		off  int
		v    uint32
	}{
		{"empty manifest", 8, 0},
		{"manifest over its bound", 8, modstore.MaxManifestSize + 1},
		{"empty ELF", 12 + m, 0},
		{"ELF over its bound", 12 + m, modstore.MaxELFSize + 1},
	} {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[tc.off:], tc.v)
		if _, err := modstore.ParseModule(b); !errors.Is(err, modstore.ErrMalformed) {
			t.Errorf("%s: %v, want %v", tc.name, err, modstore.ErrMalformed)
		}
	}
	b := bytes.Clone(good)
	b[4] = 2
	if _, err := modstore.ParseModule(b); !errors.Is(err, modstore.ErrMalformed) {
		t.Errorf("format version 2: %v", err)
	}
}

func TestPublicKeysRoundTripAsText(t *testing.T) {
	k := modtest.Key("one").Public()
	text, _ := k.MarshalText()
	var back modstore.PublicKey
	if err := back.UnmarshalText(text); err != nil || back != k {
		t.Fatalf("round trip of %s: %v", text, err)
	}
	if err := back.UnmarshalText(text[:len(text)-4]); err == nil {
		t.Error("a short key parsed")
	}
}
