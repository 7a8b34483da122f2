package qemu

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// core writes a minimal ELF64 core whose PT_LOAD headers have vaddrs.
func core(t *testing.T, vaddrs ...uint64) string {
	t.Helper()
	const ehsize, phentsize = 64, 56
	b := make([]byte, ehsize+phentsize*(len(vaddrs)+1))
	le := binary.LittleEndian
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	b[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	b[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le.PutUint16(b[16:], uint16(elf.ET_CORE))
	le.PutUint16(b[18:], uint16(elf.EM_X86_64))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[32:], ehsize)
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[54:], phentsize)
	le.PutUint16(b[56:], uint16(len(vaddrs)+1))
	// A note first, whose zero address must stay as it is.
	le.PutUint32(b[ehsize:], uint32(elf.PT_NOTE))
	for i, v := range vaddrs {
		ph := b[ehsize+phentsize*(i+1):]
		le.PutUint32(ph, uint32(elf.PT_LOAD))
		le.PutUint64(ph[16:], v)
		le.PutUint64(ph[24:], v&0xffffffff)
	}
	path := filepath.Join(t.TempDir(), "x.core")
	if err := os.WriteFile(path, b, 0o400); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCanonicalCoreClearsTheTopBitsOfLowerHalfAddresses(t *testing.T) {
	in := []uint64{0xffff000000001000, 0xffff160963400000, 0xffff800000000000, 0x0000600000000000}
	want := []uint64{0x1000, 0x160963400000, 0xffff800000000000, 0x0000600000000000}
	path := core(t, in...)
	if err := CanonicalCore(path); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			got = append(got, p.Vaddr)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d loads, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("load %d: vaddr %#x, want %#x", i, got[i], want[i])
		}
	}
}

func TestCanonicalCoreRefusesWhatIsNoCore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not.core")
	if err := os.WriteFile(path, make([]byte, 128), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CanonicalCore(path); err == nil {
		t.Error("CanonicalCore accepted 128 zero bytes")
	}
}
