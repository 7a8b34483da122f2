package proc

import (
	"bytes"
	"clk/abi"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The hand-made image: a text segment of 0x40 bytes at textVA (file offset
// 0x1000) and a data segment at dataVA (file offset 0x2010) of 0x20 file
// bytes and 0x3000 bytes of memory.
const (
	textVA  = 0x7f00_0040_0000
	dataVA  = 0x7f00_0040_1010
	entryVA = textVA + 4

	textOff = 0x1000
	dataOff = 0x2010
	phOff   = 64
	phSize  = 56
)

// putPh sets the 8-byte field at off of program header i.
func putPh(b []byte, i, off int, v uint64) {
	binary.LittleEndian.PutUint64(b[phOff+i*phSize+off:], v)
}

// Offsets in a 64-bit program header.
const (
	phFlags  = 4
	phOffset = 8
	phVaddr  = 16
	phFilesz = 32
	phMemsz  = 40
)

// testELF returns a minimal static x86-64 executable with two segments.
func testELF() []byte {
	b := make([]byte, dataOff+0x20)
	copy(b, "\x7fELF")
	b[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	b[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	b[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le := binary.LittleEndian
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(elf.EM_X86_64))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[24:], entryVA)
	le.PutUint64(b[32:], phOff)
	le.PutUint16(b[52:], 64)     // e_ehsize
	le.PutUint16(b[54:], phSize) // e_phentsize
	le.PutUint16(b[56:], 2)      // e_phnum
	for i, p := range []struct {
		flags              elf.ProgFlag
		off, va, file, mem uint64
	}{
		{elf.PF_R | elf.PF_X, textOff, textVA, 0x40, 0x40},
		{elf.PF_R | elf.PF_W, dataOff, dataVA, 0x20, 0x3000},
	} {
		le.PutUint32(b[phOff+i*phSize:], uint32(elf.PT_LOAD))
		le.PutUint32(b[phOff+i*phSize+phFlags:], uint32(p.flags))
		putPh(b, i, phOffset, p.off)
		putPh(b, i, phVaddr, p.va)
		putPh(b, i, 24, p.va)
		putPh(b, i, phFilesz, p.file)
		putPh(b, i, phMemsz, p.mem)
		putPh(b, i, 48, abi.PageSize)
	}
	for i := range 0x40 {
		b[textOff+i] = 0x90 // nop
	}
	for i := range 0x20 {
		b[dataOff+i] = byte(0xA0 + i)
	}
	return b
}

func TestLoadELF(t *testing.T) {
	s, _ := newSpace(t)
	img, err := LoadELF(s, testELF())
	if err != nil {
		t.Fatal(err)
	}
	if img.Entry != entryVA || img.Symbols != nil {
		t.Errorf("image = %+v, want entry %#x and no symbols", img, uint64(entryVA))
	}
	want := []Region{
		{textVA, textVA + abi.PageSize, rx, KindImage, "text"},
		{textVA + abi.PageSize, textVA + 5*abi.PageSize, rw, KindImage, "data"},
	}
	if got := s.Regions(); !equalRegions(got, want) {
		t.Fatalf("regions:\n%v\nwant\n%v", got, want)
	}
	// Only the pages holding file bytes are mapped; the bss is demand-zero.
	if s.Resident() != 2 {
		t.Errorf("resident %d, want 2", s.Resident())
	}
	text := make([]byte, abi.PageSize)
	if err := s.CopyIn(text, textVA); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(text[:0x40], bytes.Repeat([]byte{0x90}, 0x40)) || !isZero(text[0x40:]) {
		t.Error("text page holds the wrong bytes")
	}
	data := make([]byte, 4*abi.PageSize)
	if err := s.CopyIn(data, textVA+abi.PageSize); err != nil {
		t.Fatal(err)
	}
	if !isZero(data[:0x10]) || data[0x10] != 0xA0 || data[0x2f] != 0xBF || !isZero(data[0x30:]) {
		t.Error("data segment holds the wrong bytes")
	}
	if err := s.CopyOut(textVA, []byte{0xCC}); !errors.Is(err, ErrNotWritable) {
		t.Errorf("write into text: %v, want ErrNotWritable", err)
	}
}

func isZero(b []byte) bool { return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 }) }

func TestLoadELFRefusals(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name   string
		mutate func(b []byte) []byte
		words  string // "" when debug/elf refuses first, in its own words
	}{
		{"truncated", func(b []byte) []byte { return b[:40] }, ""},
		{"not ELF", func(b []byte) []byte { b[1] = 'X'; return b }, ""},
		{"32-bit", func(b []byte) []byte { b[elf.EI_CLASS] = byte(elf.ELFCLASS32); return b }, ""},
		{"big-endian", func(b []byte) []byte { b[elf.EI_DATA] = byte(elf.ELFDATA2MSB); return b }, ""},
		{"machine", func(b []byte) []byte { le.PutUint16(b[18:], uint16(elf.EM_386)); return b }, "EM_386"},
		{"shared object", func(b []byte) []byte { le.PutUint16(b[16:], uint16(elf.ET_DYN)); return b }, "ET_DYN"},
		{"relocatable", func(b []byte) []byte { le.PutUint16(b[16:], uint16(elf.ET_REL)); return b }, "ET_REL"},
		{"no PT_LOAD", func(b []byte) []byte {
			le.PutUint32(b[phOff:], uint32(elf.PT_NOTE))
			le.PutUint32(b[phOff+phSize:], uint32(elf.PT_NOTE))
			return b
		}, "no loadable segment"},
		{"write and exec", func(b []byte) []byte {
			le.PutUint32(b[phOff+phFlags:], uint32(elf.PF_R|elf.PF_W|elf.PF_X))
			return b
		}, "segment 0: writable and executable"},
		{"below the user range", func(b []byte) []byte { putPh(b, 1, phVaddr, 0x401010); return b }, "segment 1: memory [0x401010"},
		{"past the top", func(b []byte) []byte { putPh(b, 1, phVaddr, abi.UserTop-0x1ff0); return b }, "outside the user range"},
		{"wraps", func(b []byte) []byte { putPh(b, 1, phMemsz, ^uint64(0)-0x1000); return b }, "outside the user range"},
		{"misaligned", func(b []byte) []byte { putPh(b, 1, phVaddr, dataVA+8); return b }, "differ modulo the page size"},
		{"memsz < filesz", func(b []byte) []byte { putPh(b, 1, phMemsz, 0x10); return b }, "memory size 0x10 smaller than file size 0x20"},
		{"file bytes past the end", func(b []byte) []byte { putPh(b, 1, phFilesz, 0x30); return b }, "segment 1: file bytes [0x2010, 0x2040) outside the 0x2030-byte image"},
		{"file offset past the end", func(b []byte) []byte {
			putPh(b, 1, phOffset, 0x7010)
			return b
		}, "outside the 0x2030-byte image"},
		{"overlap", func(b []byte) []byte { putPh(b, 1, phVaddr, textVA+0x10); return b }, "segments 0 and 1 overlap"},
		{"share a page", func(b []byte) []byte {
			putPh(b, 0, phFilesz, 8)
			putPh(b, 0, phMemsz, 8)
			putPh(b, 1, phVaddr, textVA+0x10)
			return b
		}, "segments 0 and 1 overlap in page 0x7f0000400000"},
		{"entry outside", func(b []byte) []byte { le.PutUint64(b[24:], dataVA); return b }, "entry point 0x7f0000401010 not in an executable segment"},
		{"entry past text", func(b []byte) []byte { le.PutUint64(b[24:], textVA+0x40); return b }, "entry point"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSpace(t)
			img, err := LoadELF(s, tt.mutate(testELF()))
			if err == nil || !errors.Is(err, ErrBadELF) || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("LoadELF = %+v, %v; want ErrBadELF saying %q", img, err, tt.words)
			}
			if len(s.Regions()) != 0 || s.Resident() != 0 {
				t.Errorf("refused image left %v, %d pages", s.Regions(), s.Resident())
			}
		})
	}
}

func TestLoadELFNoRoom(t *testing.T) {
	// The data segment's pages are taken: nothing of the image stays.
	s, _ := newSpace(t)
	mustReserve(t, s, textVA+2*abi.PageSize, abi.PageSize, ro, KindAnon, "in the way")
	_, err := LoadELF(s, testELF())
	if !errors.Is(err, ErrOverlap) || errors.Is(err, ErrBadELF) || !strings.Contains(err.Error(), "segment 1") {
		t.Fatalf("LoadELF over a region: %v, want ErrOverlap naming segment 1", err)
	}
	if got := s.Regions(); len(got) != 1 || got[0].Name != "in the way" || s.Resident() != 0 {
		t.Errorf("after the failed load: %v, %d pages", got, s.Resident())
	}

	// Memory runs out while the data segment is filled.
	s2 := NewSpace(&MemPages{Limit: 1})
	if _, err := LoadELF(s2, testELF()); !errors.Is(err, ErrNoMemory) {
		t.Fatalf("LoadELF with one frame: %v, want ErrNoMemory", err)
	}
	if len(s2.Regions()) != 0 || s2.Resident() != 0 {
		t.Errorf("after running out of memory: %v, %d pages", s2.Regions(), s2.Resident())
	}
}

func TestSymbolize(t *testing.T) {
	img := &Image{Symbols: []Symbol{
		{"a", 0x1000, 0x100},
		{"b", 0x1100, 0},
		{"c", 0x1200, 0x10},
	}}
	tests := []struct {
		pc   uint64
		name string
		off  uint64
		ok   bool
	}{
		{0xfff, "", 0, false},
		{0x1000, "a", 0, true},
		{0x10ff, "a", 0xff, true},
		{0x1100, "b", 0, true},
		{0x11ff, "b", 0xff, true}, // size unknown: up to the next symbol
		{0x120f, "c", 0xf, true},
		{0x1210, "", 0, false}, // past c's end
	}
	for _, tt := range tests {
		name, off, ok := img.Symbolize(tt.pc)
		if name != tt.name || off != tt.off || ok != tt.ok {
			t.Errorf("Symbolize(%#x) = %q, %#x, %v; want %q, %#x, %v", tt.pc, name, off, ok, tt.name, tt.off, tt.ok)
		}
	}
	if _, _, ok := (*Image)(nil).Symbolize(0x1000); ok {
		t.Error("a nil image symbolized")
	}
}

// goProgram is a program for the host toolchain to build as a static
// linux/amd64 executable linked in the user range.
const goProgram = `package main

var marker = "clk-proc-marker"

func main() { println(marker) }
`

// buildGoProgram builds goProgram, or skips the test without a Go
// toolchain.
func buildGoProgram(t *testing.T) []byte {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "prog.go"), filepath.Join(dir, "prog")
	if err := os.WriteFile(src, []byte(goProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gobin, "build", "-ldflags=-T=0x7f0000101000", "-o", bin, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	image, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return image
}

func TestLoadELFGoProgram(t *testing.T) {
	image := buildGoProgram(t)
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newSpace(t)
	img, err := LoadELF(s, image)
	if err != nil {
		t.Fatal(err)
	}
	if img.Entry != f.Entry {
		t.Errorf("entry %#x, want %#x", img.Entry, f.Entry)
	}

	var loads []*elf.Prog
	wantResident := 0
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loads = append(loads, p)
			wantResident += int((roundUp(p.Vaddr+p.Filesz) - p.Vaddr&^(abi.PageSize-1)) / abi.PageSize)
		}
	}
	if len(loads) < 3 {
		t.Fatalf("%d PT_LOAD segments; a Go program has text, rodata and data", len(loads))
	}
	if got := s.Regions(); len(got) != len(loads) {
		t.Errorf("%d regions for %d segments: %v", len(got), len(loads), got)
	}
	if s.Resident() != wantResident {
		t.Errorf("resident %d, want %d (the file bytes only)", s.Resident(), wantResident)
	}
	marker := false
	for _, p := range loads {
		r, ok := s.Lookup(p.Vaddr)
		var perm Perm
		for _, fl := range []struct {
			f elf.ProgFlag
			p Perm
		}{{elf.PF_R, PermRead}, {elf.PF_W, PermWrite}, {elf.PF_X, PermExec}} {
			if p.Flags&fl.f != 0 {
				perm |= fl.p
			}
		}
		if !ok || r.Kind != KindImage || r.Perm != perm || r.Start != p.Vaddr&^(abi.PageSize-1) || r.End != roundUp(p.Vaddr+p.Memsz) {
			t.Errorf("segment %v at %#x: region %v, %v", p.Flags, p.Vaddr, r, ok)
			continue
		}
		mem := make([]byte, p.Memsz)
		if err := s.CopyIn(mem, p.Vaddr); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mem[:p.Filesz], image[p.Off:p.Off+p.Filesz]) {
			t.Errorf("segment at %#x: loaded bytes differ from the file", p.Vaddr)
		}
		if !isZero(mem[p.Filesz:]) {
			t.Errorf("segment at %#x: bss not zero", p.Vaddr)
		}
		marker = marker || bytes.Contains(mem, []byte("clk-proc-marker"))
	}
	if !marker {
		t.Error("the program's string is not in the loaded memory")
	}

	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(syms, func(s elf.Symbol) bool { return s.Name == "main.main" })
	if i < 0 {
		t.Fatal("no main.main in the symbol table")
	}
	mainAddr := syms[i].Value
	if name, off, ok := img.Symbolize(mainAddr + 3); name != "main.main" || off != 3 || !ok {
		t.Errorf("Symbolize(main.main+3) = %q, %d, %v", name, off, ok)
	}
	if name, off, ok := img.Symbolize(img.Entry); !ok || off != 0 || !strings.HasPrefix(name, "_rt0_amd64") {
		t.Errorf("Symbolize(entry) = %q, %d, %v; want _rt0_amd64...+0", name, off, ok)
	}
	if _, _, ok := img.Symbolize(abi.UserBase); ok {
		t.Error("an address below the image symbolized")
	}
	sorted := slices.IsSortedFunc(img.Symbols, func(a, b Symbol) int { return cmp.Compare(a.Addr, b.Addr) })
	if !sorted || len(img.Symbols) < 100 {
		t.Errorf("%d symbols, sorted %v; want many, sorted", len(img.Symbols), sorted)
	}
}

func FuzzLoadELF(f *testing.F) {
	good := testELF()
	f.Add(good)
	f.Add(good[:phOff+phSize])
	f.Fuzz(func(t *testing.T, image []byte) {
		s := NewSpace(&MemPages{Limit: 64})
		img, err := LoadELF(s, image)
		if err != nil {
			if len(s.Regions()) != 0 {
				t.Fatalf("failed load left regions: %v", s.Regions())
			}
			return
		}
		for _, r := range s.Regions() {
			if r.Kind != KindImage || r.Perm&(PermWrite|PermExec) == PermWrite|PermExec {
				t.Fatalf("bad region %v", r)
			}
		}
		if r, ok := s.Lookup(img.Entry); !ok || r.Perm&PermExec == 0 {
			t.Fatalf("entry %#x not executable", img.Entry)
		}
	})
}
