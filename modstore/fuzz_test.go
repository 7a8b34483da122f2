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

// FuzzParseFloor feeds the version floor's text form arbitrary text, as a
// disk may hold: it must never panic, and what it reads must write back
// to a text that reads the same, without an error.
func FuzzParseFloor(f *testing.F) {
	f.Add("kv 2.0.0\nnet 1.10.3\n")
	f.Add("kv\nkv 1.0\nKV 1.0.0\n\t kv  4294967295.0.1 \r\n")
	f.Fuzz(func(t *testing.T, text string) {
		floor, _ := modstore.ParseFloor(text)
		b, err := floor.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		again, errs := modstore.ParseFloor(string(b))
		if len(errs) != 0 || len(again) != len(floor) {
			t.Fatalf("%q read back as %v, %v; want %v", b, again, errs, floor)
		}
		for name, v := range floor {
			if again[name] != v {
				t.Fatalf("%s: %v read back as %v", name, v, again[name])
			}
		}
	})
}
