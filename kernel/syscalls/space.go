package syscalls

import (
	"encoding/binary"
	"fmt"

	"clk/abi"
)

// AddressSpace is the caller's memory as a syscall sees it. The ring-3
// side implements it over the process's page tables; SliceSpace is the
// host implementation for tests. Both must check the whole range
// [addr, addr+len) before copying, refuse a range that wraps, and fail
// with an error wrapping abi.EFAULT. A copy of zero bytes succeeds at any
// address.
type AddressSpace interface {
	// CopyIn fills dst from user memory at addr.
	CopyIn(dst []byte, addr uint64) error
	// CopyOut writes src to user memory at addr.
	CopyOut(addr uint64, src []byte) error
}

// SliceSpace is an address space made of one byte slice mapped at Base.
type SliceSpace struct {
	Base uint64
	Mem  []byte
}

func (s *SliceSpace) span(addr uint64, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	off := addr - s.Base
	if addr < s.Base || off > uint64(len(s.Mem)) || uint64(n) > uint64(len(s.Mem))-off {
		return nil, fmt.Errorf("%d bytes at %#x: %w", n, addr, abi.EFAULT)
	}
	return s.Mem[off : off+uint64(n)], nil
}

// CopyIn fills dst from addr.
func (s *SliceSpace) CopyIn(dst []byte, addr uint64) error {
	b, err := s.span(addr, len(dst))
	if err != nil {
		return err
	}
	copy(dst, b)
	return nil
}

// CopyOut writes src at addr.
func (s *SliceSpace) CopyOut(addr uint64, src []byte) error {
	b, err := s.span(addr, len(src))
	if err != nil {
		return err
	}
	copy(b, src)
	return nil
}

func readDesc(as AddressSpace, addr uint64) (abi.MsgDesc, error) {
	var b [abi.MsgDescSize]byte
	var d abi.MsgDesc
	if err := as.CopyIn(b[:], addr); err != nil {
		return d, fmt.Errorf("message descriptor: %w", err)
	}
	d.Unmarshal(&b)
	return d, nil
}

func putU32s(vs []uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}
