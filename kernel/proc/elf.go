package proc

import (
	"bytes"
	"clk/abi"
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// ErrBadELF is wrapped by every error of LoadELF that comes from the image
// rather than from the address space.
// It wraps ErrInvalid: process_spawn reports a file that is not a
// program as EINVAL.
var ErrBadELF = fmt.Errorf("bad ELF image: %w", ErrInvalid)

// Symbol is a function of a loaded image.
type Symbol struct {
	// Name is the symbol's name, "main.main".
	Name string
	// Addr is the function's entry.
	Addr uint64
	// Size is the function's length in bytes, or 0 if unknown.
	Size uint64
}

// Image is a program loaded into an address space.
type Image struct {
	// Entry is where execution starts (e_entry).
	Entry uint64
	// Symbols is the image's function symbols from .symtab, sorted by
	// address; nil for a stripped image.
	Symbols []Symbol
}

// Symbolize returns the function holding pc and pc's offset in it. A
// function of unknown size holds every pc up to the next symbol.
func (img *Image) Symbolize(pc uint64) (name string, off uint64, ok bool) {
	if img == nil {
		return "", 0, false
	}
	i := sort.Search(len(img.Symbols), func(i int) bool { return img.Symbols[i].Addr > pc }) - 1
	if i < 0 {
		return "", 0, false
	}
	sym := img.Symbols[i]
	if sym.Size != 0 && pc-sym.Addr >= sym.Size {
		return "", 0, false
	}
	return sym.Name, pc - sym.Addr, true
}

// segment is a PT_LOAD program header that passed the checks.
type segment struct {
	index        int // in the program header table
	vaddr, memsz uint64
	off, filesz  uint64
	start, end   uint64 // vaddr and vaddr+memsz widened to whole pages
	perm         Perm
}

// segmentName returns the region name of a segment with permissions perm.
func segmentName(perm Perm) string {
	switch {
	case perm&PermExec != 0:
		return "text"
	case perm&PermWrite != 0:
		return "data"
	}
	return "rodata"
}

// LoadELF loads image, a static ELF executable (ELFCLASS64, little-endian,
// EM_X86_64, ET_EXEC), into s: one image region per PT_LOAD segment, with
// the segment's permissions, its file bytes copied into freshly mapped
// pages and the rest of its memory (bss) left demand-zero. It checks every
// segment before it reserves anything: inside the user range, its address
// and file offset equal modulo abi.PageSize, its memory size at least its file
// size, its file bytes inside image, never writable and executable, and no
// two segments sharing a page; and the entry point must lie in an
// executable segment. Errors from the image wrap ErrBadELF and name what
// is wrong. On an error, no region of the image is left in s.
func LoadELF(s *Space, image []byte) (*Image, error) {
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		return nil, fmt.Errorf("load ELF: %w: %w", ErrBadELF, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("load ELF: %s: %w", fmt.Sprintf(format, args...), ErrBadELF)
	}
	switch {
	case f.Class != elf.ELFCLASS64:
		return nil, bad("class %v, want ELFCLASS64", f.Class)
	case f.Data != elf.ELFDATA2LSB:
		return nil, bad("data encoding %v, want ELFDATA2LSB", f.Data)
	case f.Machine != elf.EM_X86_64:
		return nil, bad("machine %v, want EM_X86_64", f.Machine)
	case f.Type != elf.ET_EXEC:
		return nil, bad("type %v, want ET_EXEC (a static executable)", f.Type)
	}

	segs, err := segments(f, uint64(len(image)))
	if err != nil {
		return nil, fmt.Errorf("load ELF: %w", err)
	}
	if !slices.ContainsFunc(segs, func(g segment) bool {
		return g.perm&PermExec != 0 && g.vaddr <= f.Entry && f.Entry-g.vaddr < g.memsz
	}) {
		return nil, bad("entry point %#x not in an executable segment", f.Entry)
	}
	syms, err := functions(f)
	if err != nil {
		return nil, fmt.Errorf("load ELF: %w", err)
	}

	for i, g := range segs {
		_, err := s.Reserve(g.start, g.end-g.start, g.perm, KindImage, segmentName(g.perm))
		if err != nil {
			release(s, segs[:i])
			return nil, fmt.Errorf("load ELF: segment %d: %w", g.index, err)
		}
		if err := s.fill(g.vaddr, image[g.off:g.off+g.filesz]); err != nil {
			release(s, segs[:i+1])
			return nil, fmt.Errorf("load ELF: segment %d: %w", g.index, err)
		}
	}
	return &Image{Entry: f.Entry, Symbols: syms}, nil
}

// release removes the regions of segs from s.
func release(s *Space, segs []segment) {
	for _, g := range segs {
		s.Release(g.start, g.end-g.start)
	}
}

// segments checks the PT_LOAD program headers of f, an image of size
// bytes, and returns them sorted by address.
func segments(f *elf.File, size uint64) ([]segment, error) {
	var segs []segment
	for i, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("segment %d: %s: %w", i, fmt.Sprintf(format, args...), ErrBadELF)
		}
		end := p.Vaddr + p.Memsz
		switch {
		case p.Flags&(elf.PF_W|elf.PF_X) == elf.PF_W|elf.PF_X:
			return nil, bad("writable and executable")
		case p.Vaddr < abi.UserBase || end < p.Vaddr || end > abi.UserTop:
			return nil, bad("memory [%#x, %#x) outside the user range [%#x, %#x)",
				p.Vaddr, p.Vaddr+p.Memsz, uint64(abi.UserBase), uint64(abi.UserTop))
		case p.Vaddr%abi.PageSize != p.Off%abi.PageSize:
			return nil, bad("address %#x and file offset %#x differ modulo the page size", p.Vaddr, p.Off)
		case p.Memsz < p.Filesz:
			return nil, bad("memory size %#x smaller than file size %#x", p.Memsz, p.Filesz)
		case p.Off > size || p.Filesz > size-p.Off:
			return nil, bad("file bytes [%#x, %#x) outside the %#x-byte image", p.Off, p.Off+p.Filesz, size)
		}
		var perm Perm
		if p.Flags&elf.PF_R != 0 {
			perm |= PermRead
		}
		if p.Flags&elf.PF_W != 0 {
			perm |= PermWrite
		}
		if p.Flags&elf.PF_X != 0 {
			perm |= PermExec
		}
		segs = append(segs, segment{
			index: i, vaddr: p.Vaddr, memsz: p.Memsz, off: p.Off, filesz: p.Filesz,
			start: p.Vaddr &^ (abi.PageSize - 1), end: roundUp(end), perm: perm,
		})
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("no loadable segment: %w", ErrBadELF)
	}
	slices.SortFunc(segs, func(a, b segment) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(segs); i++ {
		if p, g := segs[i-1], segs[i]; g.start < p.end {
			return nil, fmt.Errorf("segments %d and %d overlap in page %#x: %w", p.index, g.index, g.start, ErrBadELF)
		}
	}
	return segs, nil
}

// functions returns the function symbols of f's .symtab sorted by address,
// or nil if f has none.
func functions(f *elf.File) ([]Symbol, error) {
	all, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("symbol table: %w: %w", ErrBadELF, err)
	}
	var syms []Symbol
	for _, sym := range all {
		if elf.ST_TYPE(sym.Info) != elf.STT_FUNC || sym.Section == elf.SHN_UNDEF || sym.Value == 0 {
			continue
		}
		syms = append(syms, Symbol{Name: sym.Name, Addr: sym.Value, Size: sym.Size})
	}
	slices.SortStableFunc(syms, func(a, b Symbol) int { return cmp.Compare(a.Addr, b.Addr) })
	return syms, nil
}
