// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import "unsafe"

// The initial RAM disk, when the loader passed one, is a cpio archive in the
// "newc" format (the Linux initramfs format) whose regular files become the
// file tree at start-up; directories follow from the paths. The contents
// are not copied: they stay in the loader's memory, which the runtime keeps
// out of its allocator. If the environment names a PWD that exists in the
// tree, the working directory starts there, as a shell would have left it.
// This is how scripts/go_clk_amd64_exec gives a test binary its package's
// files, testdata included. A ring-3 program given a channel to the file
// system service has /disk mounted by then (mountFromEnv), so PWD may lie
// there too.

// bootInitrd is where the loader left the initrd. The runtime read the
// boot record before any package ran and pushes this (export_clk.go);
// syscall cannot import the runtime's internals, so it pulls it.
//
//go:linkname bootInitrd runtime.clkBootInitrd
func bootInitrd() (base, size uint64)

// defaultHosts is /etc/hosts when the initrd brings none: the loopback
// names, which package net resolves through this file before it tries DNS.
var defaultHosts = []byte("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")

func init() {
	files := map[string][]byte{}
	if base, size := bootInitrd(); size != 0 {
		// unsafe.Pointer: the initrd is identity-mapped physical memory
		// that no Go allocation overlaps.
		img := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(base))), size)
		var err error
		if files, err = parseNewc(img); err != nil {
			print("syscall: initrd: ", err.Error(), "\n")
			files = map[string][]byte{}
		}
	}
	if files["etc/hosts"] == nil && files["/etc/hosts"] == nil {
		files["etc/hosts"] = defaultHosts
	}
	mountTmp()
	if err := clkMount(files); err != nil {
		print("syscall: initrd: ", err.Error(), "\n")
	}
	mountDevices()
	mountFromEnv()
	if dir, ok := Getenv("PWD"); ok {
		Chdir(dir)
	}
}

// newc header fields (cpio(5)): a six-byte magic, then thirteen 8-digit
// hexadecimal numbers.
const (
	newcMagic      = "070701"
	newcHeaderLen  = 110
	newcFieldMode  = 1
	newcFieldSize  = 6
	newcFieldNames = 11
	newcTrailer    = "TRAILER!!!"
	newcTypeMask   = 0o170000
	newcTypeReg    = 0o100000
)

// parseNewc returns the regular files of a newc archive by path.
func parseNewc(b []byte) (map[string][]byte, error) {
	files := make(map[string][]byte)
	for off := 0; ; {
		if off+newcHeaderLen > len(b) || string(b[off:off+6]) != newcMagic {
			return nil, EINVAL
		}
		h := b[off : off+newcHeaderLen]
		field := func(i int) (int, bool) {
			n := 0
			for _, c := range h[6+8*i : 6+8*i+8] {
				d := unhex(c)
				if d < 0 {
					return 0, false
				}
				n = n<<4 | d
			}
			return n, true
		}
		mode, ok1 := field(newcFieldMode)
		size, ok2 := field(newcFieldSize)
		namelen, ok3 := field(newcFieldNames)
		if !ok1 || !ok2 || !ok3 || namelen == 0 {
			return nil, EINVAL
		}
		nameEnd := off + newcHeaderLen + namelen
		data := (nameEnd + 3) &^ 3
		end := data + size
		if nameEnd > len(b) || end > len(b) || end < data {
			return nil, EINVAL
		}
		name := string(b[off+newcHeaderLen : nameEnd-1])
		if name == newcTrailer {
			return files, nil
		}
		for len(name) > 0 && (name[0] == '/' || name[0] == '.' && (len(name) == 1 || name[1] == '/')) {
			name = name[1:]
		}
		if mode&newcTypeMask == newcTypeReg && name != "" {
			files[name] = b[data:end:end]
		}
		off = (end + 3) &^ 3
	}
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
