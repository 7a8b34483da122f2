package proc

import (
	"clk/abi"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// MaxArgBytes bounds the initial stack SetupStack lays out: the argument
// and environment strings with their terminating NULs, and the argc,
// argv, envp and auxv words.
const MaxArgBytes = 64 << 10

// ErrArgsTooLarge: the arguments and environment do not fit MaxArgBytes or
// the stack.
var ErrArgsTooLarge = errors.New("arguments and environment too large")

// AT_NULL ends the auxiliary vector.
const atNull = 0

// SetupStack reserves a read-write stack region [top-size, top), with the
// page below it reserved without permissions as a guard page, and lays out the initial
// stack of a static program as the System V AMD64 ABI (3.4.1) describes
// it. It returns the stack pointer, 16-byte aligned, at which the program
// finds:
//
//	sp          argc
//	sp+8        argv[0], ..., argv[argc-1], 0
//	            envp[0], ..., envp[n-1], 0
//	            AT_NULL, 0 (an empty auxiliary vector)
//	            padding, then the strings, each ending in NUL, then 8
//	            zero bytes at top
//
// top and size must be page aligned, size non-zero; no string may hold a
// NUL byte. The layout must fit MaxArgBytes and the stack, else the error
// wraps ErrArgsTooLarge. On an error, nothing is left reserved.
func SetupStack(s *Space, top, size uint64, args, env []string) (sp uint64, err error) {
	wrap := func(err error) (uint64, error) {
		return 0, fmt.Errorf("set up stack of %#x bytes below %#x: %w", size, top, err)
	}
	if top%abi.PageSize != 0 || size == 0 || size%abi.PageSize != 0 {
		return wrap(fmt.Errorf("top and size must be page aligned, size non-zero: %w", ErrInvalid))
	}
	if top > abi.UserTop || top < abi.UserBase || size > top-abi.UserBase {
		return wrap(ErrOutOfRange)
	}

	// Measure: the strings, then the words below them.
	strBytes := uint64(8) // the zero word at top
	for _, list := range [][]string{args, env} {
		for _, a := range list {
			if strings.IndexByte(a, 0) >= 0 {
				return wrap(fmt.Errorf("string %q holds a NUL byte: %w", a, ErrInvalid))
			}
			strBytes += uint64(len(a)) + 1
			if strBytes > MaxArgBytes {
				return wrap(ErrArgsTooLarge)
			}
		}
	}
	words := uint64(1+len(args)+1+len(env)+1) + 2
	strStart := top - strBytes
	sp = (strStart - 8*words) &^ 15
	if top-sp > MaxArgBytes || top-sp > size {
		return wrap(fmt.Errorf("%d bytes of initial stack: %w", top-sp, ErrArgsTooLarge))
	}

	// Lay out [sp, top).
	buf := make([]byte, top-sp)
	w := buf[:0]
	w = binary.LittleEndian.AppendUint64(w, uint64(len(args)))
	str := buf[strStart-sp:]
	next := strStart
	for _, list := range [][]string{args, env} {
		for _, a := range list {
			w = binary.LittleEndian.AppendUint64(w, next)
			n := copy(str, a)
			str = str[n+1:] // the NUL is already there
			next += uint64(n) + 1
		}
		w = binary.LittleEndian.AppendUint64(w, 0)
	}
	w = binary.LittleEndian.AppendUint64(w, atNull)
	_ = binary.LittleEndian.AppendUint64(w, 0)

	if _, err := s.reserve(top-size, size, PermRead|PermWrite, KindStack, "stack", abi.PageSize); err != nil {
		return wrap(err)
	}
	// The guard page is a region of its own, without permissions: an
	// overflow faults there, and no fixed vm_map can take it.
	if _, err := s.Reserve(top-size-abi.PageSize, abi.PageSize, 0, KindGuard, "stack guard"); err != nil {
		s.Release(top-size, size)
		return wrap(err)
	}
	if err := s.CopyOut(sp, buf); err != nil {
		s.Release(top-size-abi.PageSize, size+abi.PageSize)
		return wrap(err)
	}
	return sp, nil
}
