// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ld

import (
	"debug/elf"
	"encoding/binary"
)

// GOOS=clk kernels are ELF64 executables linked at their physical load
// address and entered in 32-bit protected mode. Two loaders are served by
// notes in the reserved header area, which lies in the first page of the file:
//
//   - QEMU's -kernel (and any PVH loader) finds the 32-bit entry point in a
//     Xen note of type XEN_ELFNOTE_PHYS32_ENTRY.
//   - GRUB's multiboot2 command scans the first 32 KiB of the file for an
//     8-byte aligned Multiboot2 header; it is the descriptor of a second note.

// ClkLoadAddr is the physical address of the first byte of a clk image: 1 MiB,
// the lowest address that is RAM on every PC.
const ClkLoadAddr = 0x100000

const (
	xenNotePhys32Entry = 18 // XEN_ELFNOTE_PHYS32_ENTRY, xen/include/public/elfnote.h

	clkNoteMultiboot2 = 0x4d42 // "MB": the descriptor is a Multiboot2 header

	mb2Magic      = 0xe85250d6 // Multiboot2 spec 3.1.1, header magic
	mb2ArchI386   = 0          // 32-bit protected mode
	mb2TagEnd     = 0
	mb2TagEntry   = 3 // entry address tag, 3.1.6
	mb2HeaderSize = 16 + 16 + 8

	clkBootNotesSize = (12 + 4 + 8) + (12 + 4 + mb2HeaderSize)
)

// ClkUserTextAddr is the lowest text address of a ring-3 program: clk's
// user address space starts at 0x7f00_0000_0000 (PML4 slot 254). A program
// linked there (-T) is a user program: it starts at _rt0_amd64_clk_user and
// has no boot notes, which only a kernel image needs.
const ClkUserTextAddr = 0x7f0000000000

// ClkKernelImage reports whether the program being linked is a kernel
// image rather than a ring-3 program.
func ClkKernelImage() bool {
	return *FlagTextAddr < ClkUserTextAddr
}

// elfclkboot reserves the boot notes at the top of the reserved area. The
// section starts 8-byte aligned so that the Multiboot2 header, 40 bytes into
// it, is 8-byte aligned in the file as the specification requires.
func elfclkboot(sh *ElfShdr, startva uint64, resoff uint64) int {
	off := (resoff - clkBootNotesSize) &^ 7
	sh.Type = uint32(elf.SHT_NOTE)
	sh.Flags = uint64(elf.SHF_ALLOC)
	sh.Addralign = 4
	sh.Addr = startva + off
	sh.Off = off
	sh.Size = clkBootNotesSize
	return int(resoff - off)
}

func elfwriteclkboot(ctxt *Link, out *OutBuf) int {
	sh := elfshname(".note.clk.boot")
	entry := uint64(Entryvalue(ctxt))
	if entry>>32 != 0 {
		Errorf("clk: entry point %#x is above 4 GiB", entry)
	}

	b := make([]byte, 0, clkBootNotesSize)
	le := binary.LittleEndian

	b = le.AppendUint32(b, 4) // namesz
	b = le.AppendUint32(b, 8) // descsz
	b = le.AppendUint32(b, xenNotePhys32Entry)
	b = append(b, "Xen\x00"...)
	b = le.AppendUint64(b, entry)

	b = le.AppendUint32(b, 4)
	b = le.AppendUint32(b, mb2HeaderSize)
	b = le.AppendUint32(b, clkNoteMultiboot2)
	b = append(b, "clk\x00"...)
	b = le.AppendUint32(b, mb2Magic)
	b = le.AppendUint32(b, mb2ArchI386)
	b = le.AppendUint32(b, mb2HeaderSize)
	b = le.AppendUint32(b, uint32(1<<32-(mb2Magic+mb2ArchI386+mb2HeaderSize)))
	b = le.AppendUint16(b, mb2TagEntry)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 12)
	b = le.AppendUint32(b, uint32(entry))
	b = le.AppendUint32(b, 0) // pad the tag to 8 bytes
	b = le.AppendUint16(b, mb2TagEnd)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 8)

	out.SeekSet(int64(sh.Off))
	out.Write(b)
	return int(sh.Size)
}
