package modstore_test

import (
	"bytes"
	"clk/modstore"
	"clk/modstore/modtest"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestCheckELF(t *testing.T) {
	if err := modstore.CheckELF(modtest.TinyELF()); err != nil {
		t.Fatalf("the tiny ELF: %v", err)
	}
	// Offsets in the ELF64 header and the first program header (at 64),
	// from the System V ABI's ELF-64 object file format.
	const (
		eiClass   = 4
		eiData    = 5
		eType     = 16
		eMachine  = 18
		eEntry    = 24
		pType     = 64
		pFlags    = 64 + 4
		pVaddr    = 64 + 16
		pFilesz   = 64 + 32
		pMemsz    = 64 + 40
		flagRWX   = 7
		etDyn     = 3
		emAarch64 = 183
	)
	put16 := func(off int, v uint16) func([]byte) {
		return func(b []byte) { binary.LittleEndian.PutUint16(b[off:], v) }
	}
	put32 := func(off int, v uint32) func([]byte) {
		return func(b []byte) { binary.LittleEndian.PutUint32(b[off:], v) }
	}
	put64 := func(off int, v uint64) func([]byte) {
		return func(b []byte) { binary.LittleEndian.PutUint64(b[off:], v) }
	}
	for _, tc := range []struct {
		name   string
		change func([]byte)
		want   string
	}{
		{"32-bit", func(b []byte) { b[eiClass] = 1 }, ""},
		{"big-endian", func(b []byte) { b[eiData] = 2 }, ""},
		{"shared object", put16(eType, etDyn), "type"},
		{"arm64", put16(eMachine, emAarch64), "machine"},
		{"entry outside the code", put64(eEntry, 0x1000), "entry point"},
		{"no loadable segment", put32(pType, 4), "no loadable segment"},
		{"writable and executable", put32(pFlags, flagRWX), "writable and executable"},
		{"below the user range", put64(pVaddr, 0x400000), "user range"},
		{"file bytes past the end", func(b []byte) { put64(pFilesz, 1<<20)(b); put64(pMemsz, 1<<20)(b) }, "outside the"},
		{"memory below file size", put64(pMemsz, 8), "memory size"},
		{"not an ELF", func(b []byte) { copy(b, "#!/bin") }, ""},
	} {
		b := modtest.TinyELF()
		tc.change(b)
		err := modstore.CheckELF(b)
		if !errors.Is(err, modstore.ErrBadELF) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %v naming %q", tc.name, err, modstore.ErrBadELF, tc.want)
		}
	}
	if err := modstore.CheckELF(bytes.Repeat([]byte{0}, 3)); !errors.Is(err, modstore.ErrBadELF) {
		t.Errorf("3 bytes: %v", err)
	}
}
