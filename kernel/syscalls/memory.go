package abi

import (
	"encoding/binary"
	"fmt"
)

// AddressSpace is the caller's memory as a syscall sees it. The ring-3
// side implements it over the process's page tables; SliceSpace is the
// host implementation for tests. Both must check the whole range
// [addr, addr+len) before copying, refuse a range that wraps, and fail
// with an error wrapping ErrFault. A copy of zero bytes succeeds at any
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
		return nil, fmt.Errorf("%d bytes at %#x: %w", n, addr, ErrFault)
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

// MsgDesc is the message descriptor channel_write, channel_read and
// channel_call take a pointer to: 32 bytes, little-endian.
//
//	offset 0   uint32 type
//	offset 4   uint32 txid
//	offset 8   uint64 data pointer
//	offset 16  uint32 data length (read: capacity in, length out)
//	offset 20  uint32 handle count (read: capacity in, count out)
//	offset 24  uint64 pointer to the handles, uint32 each
type MsgDesc struct {
	Type       uint32
	Txid       uint32
	Data       uint64
	DataLen    uint32
	HandlesLen uint32
	Handles    uint64
}

// MsgDescSize is the size of a MsgDesc in user memory.
const MsgDescSize = 32

// Marshal returns the descriptor's bytes.
func (d *MsgDesc) Marshal() []byte {
	var b [MsgDescSize]byte
	binary.LittleEndian.PutUint32(b[0:], d.Type)
	binary.LittleEndian.PutUint32(b[4:], d.Txid)
	binary.LittleEndian.PutUint64(b[8:], d.Data)
	binary.LittleEndian.PutUint32(b[16:], d.DataLen)
	binary.LittleEndian.PutUint32(b[20:], d.HandlesLen)
	binary.LittleEndian.PutUint64(b[24:], d.Handles)
	return b[:]
}

func (d *MsgDesc) unmarshal(b []byte) {
	d.Type = binary.LittleEndian.Uint32(b[0:])
	d.Txid = binary.LittleEndian.Uint32(b[4:])
	d.Data = binary.LittleEndian.Uint64(b[8:])
	d.DataLen = binary.LittleEndian.Uint32(b[16:])
	d.HandlesLen = binary.LittleEndian.Uint32(b[20:])
	d.Handles = binary.LittleEndian.Uint64(b[24:])
}

func readDesc(as AddressSpace, addr uint64) (MsgDesc, error) {
	var b [MsgDescSize]byte
	var d MsgDesc
	if err := as.CopyIn(b[:], addr); err != nil {
		return d, fmt.Errorf("message descriptor: %w", err)
	}
	d.unmarshal(b[:])
	return d, nil
}

// WaitItemSize is the size of one object_wait_many item in user memory:
// uint32 handle, uint32 wanted signals, uint32 observed signals (written
// back), little-endian.
const WaitItemSize = 12

func putU32s(vs []uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}
