package modstore_test

import (
	"bytes"
	"clk/modstore"
	"clk/modstore/modtest"
	"errors"
	"testing"
)

// FuzzParseModule feeds the module file parser arbitrary bytes: it must
// return a module or an error wrapping a structural cause, never panic;
// what it accepts must encode back to the same bytes (the format is
// canonical); and the ELF check must survive whatever ELF section it
// gets.
func FuzzParseModule(f *testing.F) {
	key := modtest.Key("fuzz")
	good := modtest.Module(modtest.Manifest("netdrv"), modtest.TinyELF(), key)
	f.Add(good)
	f.Add(modtest.Module(modtest.Manifest("netdrv"), modtest.TinyELF()))
	f.Add(good[:len(good)/2])
	flipped := bytes.Clone(good)
	flipped[20] ^= 0xff
	f.Add(flipped)
	f.Add(append(bytes.Clone(good), 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := modstore.ParseModule(b)
		if err != nil {
			if !errors.Is(err, modstore.ErrTruncated) && !errors.Is(err, modstore.ErrMalformed) && !errors.Is(err, modstore.ErrBadManifest) {
				t.Fatalf("error of no structural cause: %v", err)
			}
			return
		}
		again, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("a parsed module does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("a parsed module encodes to other bytes")
		}
		if err := modstore.CheckELF(m.ELF); err != nil && !errors.Is(err, modstore.ErrBadELF) {
			t.Fatalf("ELF check error of another cause: %v", err)
		}
	})
}

// FuzzParseDocs does the same for bundles of trust documents.
func FuzzParseDocs(f *testing.F) {
	fx := modtest.NewFixture(modstore.Config{})
	del := fx.Delegation(fx.Module.Public(), []string{"net*"}, fx.Roots[0], fx.Roots[1])
	f.Add(fx.Anchor)
	f.Add(append(bytes.Clone(fx.Anchor), del...))
	f.Add(del[:len(del)-5])
	f.Fuzz(func(t *testing.T, b []byte) {
		docs, err := modstore.ParseDocs(b)
		if err != nil {
			if !errors.Is(err, modstore.ErrTruncated) && !errors.Is(err, modstore.ErrMalformed) {
				t.Fatalf("error of no structural cause: %v", err)
			}
			return
		}
		var again []byte
		for _, d := range docs {
			e, err := d.MarshalBinary()
			if err != nil {
				t.Fatalf("a parsed document does not encode: %v", err)
			}
			again = append(again, e...)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("parsed documents encode to other bytes")
		}
	})
}
