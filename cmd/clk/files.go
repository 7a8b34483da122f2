//go:build clk

package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"

	"clk/abi"
	"clk/actor/shell"
)

// The shell changes files through package os, as a program would: the
// kernel's file tree refuses changes to the initrd (EROFS) and keeps /tmp
// in memory; /disk, once mounted, is reached through the file system
// service.

var _ shell.Writable = (*system)(nil)

// Create opens name write-only, created with mode 0644 if missing.
func (*system) Create(name string, append bool) (io.WriteCloser, error) {
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if append {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(name, flag, 0o644)
	if err != nil {
		// Not f: a nil *os.File in an interface is not a nil
		// interface.
		return nil, err
	}
	return f, nil
}

func (*system) Mkdir(name string) error { return os.Mkdir(name, 0o755) }

func (*system) Remove(name string) error { return os.Remove(name) }

func (*system) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }

// Usage reports /disk's volume, through the file system service; the
// kernel's other trees (the initrd, /tmp) keep no size.
func (s *system) Usage(name string) (shell.Usage, error) {
	if name != abi.FSMount && !strings.HasPrefix(name, abi.FSMount+"/") {
		return shell.Usage{}, &fs.PathError{Op: "usage", Path: name, Err: errors.ErrUnsupported}
	}
	total, free, ro, err := s.storage.Usage()
	if err != nil {
		return shell.Usage{}, &fs.PathError{Op: "usage", Path: name, Err: err}
	}
	return shell.Usage{Total: total, Free: free, ReadOnly: ro, Kind: "fat32"}, nil
}
