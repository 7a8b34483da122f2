// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import "unsafe"

// The boot record: what the loader told us, copied out of the loader's
// structures (which live in RAM the frame allocator will hand out) into
// static storage before anything allocates.

const (
	// Register EAX at the 32-bit entry when a Multiboot2 loader entered us
	// (Multiboot2 spec 3.3, "Machine state").
	mb2BootMagic = 0x36d76289
	// hvm_start_info.magic, xen/include/public/arch-x86/hvm/start_info.h.
	pvhStartMagic = 0x336ec578

	clkMaxMemRanges = 64
	clkMaxCmdline   = 4096
	clkMaxArgs      = 256

	// E820 type of usable RAM, shared by PVH memory maps and Multiboot2.
	e820RAM = 1
)

// Boot loaders, in clkBootRecord.loader.
const (
	clkLoaderPVH        = 1
	clkLoaderMultiboot2 = 2
)

type clkMemRange struct {
	base, size uint64
	kind       uint32
}

// clkBootRecord is the one description of the machine handed from the
// loader to Go code. The kernel reads it through export_clk.go.
type clkBootRecord struct {
	loader     uint32
	mem        [clkMaxMemRanges]clkMemRange
	nmem       int
	cmdline    [clkMaxCmdline]byte
	ncmdline   int
	initrdBase uint64
	initrdSize uint64
	rsdp       [36]byte // ACPI RSDP (ACPI 6.4, 5.2.5.3), copied
	rsdpAddr   uint64   // physical address of the firmware's RSDP, 0 if only copied
	fb         clkFramebuffer
}

// clkFramebuffer describes a linear framebuffer set up by the loader.
type clkFramebuffer struct {
	addr                 uint64
	pitch, width, height uint32
	bpp                  uint8
}

var clkBoot clkBootRecord

// Written by rt0_clk_amd64.s from EAX and EBX at the 32-bit entry.
var (
	clkBootMagic uint32
	clkBootInfo  uint32
)

// clkBootInit brings up the console and reads the boot information. It runs
// first of all Go code, from sysargs, on the boot stack.
func clkBootInit() {
	clkConsoleInit()
	info := uintptr(clkBootInfo)
	switch {
	case clkBootMagic == mb2BootMagic:
		clkBoot.loader = clkLoaderMultiboot2
		clkParseMultiboot2(info)
	case info != 0 && *(*uint32)(unsafe.Pointer(info)) == pvhStartMagic:
		clkBoot.loader = clkLoaderPVH
		clkParsePVH(info)
	default:
		clkEarlyPanic("clk: entered by an unknown boot loader")
	}
	clkMemInit()
}

// clkParsePVH reads a struct hvm_start_info (version 0 or 1).
func clkParsePVH(info uintptr) {
	version := *(*uint32)(unsafe.Pointer(info + 4))
	nmods := *(*uint32)(unsafe.Pointer(info + 12))
	modlist := *(*uint64)(unsafe.Pointer(info + 16))
	cmdline := *(*uint64)(unsafe.Pointer(info + 24))
	rsdp := *(*uint64)(unsafe.Pointer(info + 32))
	if cmdline != 0 {
		clkSetCmdline(uintptr(cmdline), clkMaxCmdline)
	}
	if nmods > 0 && modlist != 0 {
		// struct hvm_modlist_entry { paddr, size, cmdline_paddr, reserved }
		clkBoot.initrdBase = *(*uint64)(unsafe.Pointer(uintptr(modlist)))
		clkBoot.initrdSize = *(*uint64)(unsafe.Pointer(uintptr(modlist) + 8))
	}
	if rsdp != 0 {
		clkBoot.rsdpAddr = rsdp
		clkCopy(unsafe.Pointer(&clkBoot.rsdp), uintptr(rsdp), len(clkBoot.rsdp))
	}
	if version >= 1 {
		memmap := *(*uint64)(unsafe.Pointer(info + 40))
		n := *(*uint32)(unsafe.Pointer(info + 48))
		for i := uintptr(0); i < uintptr(n); i++ {
			e := uintptr(memmap) + i*24 // struct hvm_memmap_table_entry
			clkAddMemRange(*(*uint64)(unsafe.Pointer(e)), *(*uint64)(unsafe.Pointer(e + 8)), *(*uint32)(unsafe.Pointer(e + 16)))
		}
	}
	if clkBoot.nmem == 0 {
		clkEarlyPanic("clk: the PVH loader passed no memory map")
	}
}

// Multiboot2 information tags (Multiboot2 spec 3.6).
const (
	mb2TagEnd         = 0
	mb2TagCmdline     = 1
	mb2TagModule      = 3
	mb2TagMmap        = 6
	mb2TagFramebuffer = 8
	mb2TagACPIOld     = 14
	mb2TagACPINew     = 15
)

func clkParseMultiboot2(info uintptr) {
	total := uintptr(*(*uint32)(unsafe.Pointer(info)))
	for p := info + 8; p < info+total; {
		typ := *(*uint32)(unsafe.Pointer(p))
		size := uintptr(*(*uint32)(unsafe.Pointer(p + 4)))
		if typ == mb2TagEnd || size < 8 {
			break
		}
		switch typ {
		case mb2TagCmdline:
			clkSetCmdline(p+8, int(size-8))
		case mb2TagModule:
			if clkBoot.initrdSize == 0 {
				start := uint64(*(*uint32)(unsafe.Pointer(p + 8)))
				end := uint64(*(*uint32)(unsafe.Pointer(p + 12)))
				clkBoot.initrdBase, clkBoot.initrdSize = start, end-start
			}
		case mb2TagMmap:
			esize := uintptr(*(*uint32)(unsafe.Pointer(p + 8)))
			for e := p + 16; esize > 0 && e+24 <= p+size; e += esize {
				clkAddMemRange(*(*uint64)(unsafe.Pointer(e)), *(*uint64)(unsafe.Pointer(e + 8)), *(*uint32)(unsafe.Pointer(e + 16)))
			}
		case mb2TagFramebuffer:
			fb := &clkBoot.fb
			fb.addr = *(*uint64)(unsafe.Pointer(p + 8))
			fb.pitch = *(*uint32)(unsafe.Pointer(p + 16))
			fb.width = *(*uint32)(unsafe.Pointer(p + 20))
			fb.height = *(*uint32)(unsafe.Pointer(p + 24))
			fb.bpp = *(*uint8)(unsafe.Pointer(p + 28))
		case mb2TagACPIOld, mb2TagACPINew:
			n := int(size - 8)
			if n > len(clkBoot.rsdp) {
				n = len(clkBoot.rsdp)
			}
			if typ == mb2TagACPINew || clkBoot.rsdp[0] == 0 {
				clkCopy(unsafe.Pointer(&clkBoot.rsdp), p+8, n)
			}
		}
		p += (size + 7) &^ 7
	}
	if clkBoot.nmem == 0 {
		clkEarlyPanic("clk: the Multiboot2 loader passed no memory map")
	}
}

func clkAddMemRange(base, size uint64, kind uint32) {
	if clkBoot.nmem == len(clkBoot.mem) || size == 0 {
		return
	}
	clkBoot.mem[clkBoot.nmem] = clkMemRange{base, size, kind}
	clkBoot.nmem++
}

// clkSetCmdline copies the NUL-terminated command line at p, at most max bytes.
func clkSetCmdline(p uintptr, max int) {
	n := 0
	for n < max && n < len(clkBoot.cmdline)-1 {
		c := *(*byte)(unsafe.Pointer(p + uintptr(n)))
		if c == 0 {
			break
		}
		clkBoot.cmdline[n] = c
		n++
	}
	clkBoot.ncmdline = n
}

func clkCopy(dst unsafe.Pointer, src uintptr, n int) {
	for i := 0; i < n; i++ {
		*(*byte)(unsafe.Add(dst, i)) = *(*byte)(unsafe.Pointer(src + uintptr(i)))
	}
}

// The command line carries the program's environment and arguments as
// space-separated tokens, each percent-encoded so that it may hold spaces.
// Tokens before a lone "--" are environment assignments; the rest are argv.
// Without "--" every token is an argument. Strings are decoded in place in
// clkArgBuf and laid out like a Unix process's argv, NULL, envp, NULL, which
// is what the shared argument code in runtime1.go reads.
var (
	clkArgBuf [clkMaxCmdline]byte
	clkArgv   [clkMaxArgs + 3]*byte
)

var clkDefaultArg0 = [...]byte{'c', 'l', 'k', 0}

func clkArgs() (int32, **byte) {
	var toks [clkMaxArgs]*byte
	ntok, sep := 0, -1
	buf := clkArgBuf[:]
	w := 0
	line := clkBoot.cmdline[:clkBoot.ncmdline]
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			break
		}
		start := w
		for i < len(line) && line[i] != ' ' {
			c := line[i]
			if c == '%' && i+2 < len(line) && clkUnhex(line[i+1]) >= 0 && clkUnhex(line[i+2]) >= 0 {
				c = byte(clkUnhex(line[i+1])<<4 | clkUnhex(line[i+2]))
				i += 2
			}
			buf[w] = c
			w++
			i++
		}
		buf[w] = 0
		w++
		if w-start == 3 && buf[start] == '-' && buf[start+1] == '-' && sep < 0 {
			sep = ntok
			continue
		}
		if ntok < len(toks) {
			toks[ntok] = &buf[start]
			ntok++
		}
	}
	nenv := 0
	if sep >= 0 {
		nenv = sep
	}
	n := 0
	if ntok == nenv {
		clkArgv[n] = &clkDefaultArg0[0]
		n++
	}
	for _, t := range toks[nenv:ntok] {
		clkArgv[n] = t
		n++
	}
	nargs := n
	clkArgv[n] = nil
	n++
	for _, t := range toks[:nenv] {
		if n < len(clkArgv)-1 {
			clkArgv[n] = t
			n++
		}
	}
	clkArgv[n] = nil
	return int32(nargs), &clkArgv[0]
}

func clkUnhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
