package modstore

import (
	"bytes"
	"clk/abi"
	"debug/elf"
	"fmt"
)

// CheckELF checks that image is what a module's ELF must be: a static
// ELF64 little-endian x86-64 executable (ET_EXEC) with at least one
// PT_LOAD segment, every loadable segment inside the user address range
// with its file bytes inside the image and never both writable and
// executable, and the entry point in an executable segment. The error
// wraps ErrBadELF and names the fault. The kernel's loader (kernel/proc)
// checks more when it maps the image; this refuses, at install time, a
// file that is not a program at all.
func CheckELF(image []byte) error {
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadELF, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadELF, fmt.Sprintf(format, args...))
	}
	switch {
	case f.Class != elf.ELFCLASS64:
		return bad("class %v, want ELFCLASS64", f.Class)
	case f.Data != elf.ELFDATA2LSB:
		return bad("data encoding %v, want ELFDATA2LSB", f.Data)
	case f.Machine != elf.EM_X86_64:
		return bad("machine %v, want EM_X86_64", f.Machine)
	case f.Type != elf.ET_EXEC:
		return bad("type %v, want ET_EXEC", f.Type)
	}
	size := uint64(len(image))
	loads, entryFound := 0, false
	for i, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		loads++
		end := p.Vaddr + p.Memsz
		switch {
		case p.Flags&(elf.PF_W|elf.PF_X) == elf.PF_W|elf.PF_X:
			return bad("segment %d writable and executable", i)
		case p.Vaddr < abi.UserBase || end < p.Vaddr || end > abi.UserTop:
			return bad("segment %d at [%#x, %#x), outside the user range", i, p.Vaddr, end)
		case p.Memsz < p.Filesz:
			return bad("segment %d: memory size %#x below file size %#x", i, p.Memsz, p.Filesz)
		case p.Off > size || p.Filesz > size-p.Off:
			return bad("segment %d: file bytes [%#x, %#x) outside the %d-byte image", i, p.Off, p.Off+p.Filesz, size)
		}
		if p.Flags&elf.PF_X != 0 && p.Vaddr <= f.Entry && f.Entry-p.Vaddr < p.Memsz {
			entryFound = true
		}
	}
	switch {
	case loads == 0:
		return bad("no loadable segment")
	case !entryFound:
		return bad("entry point %#x not in an executable segment", f.Entry)
	}
	return nil
}
