package x86

import (
	"encoding/binary"
	"strings"
)

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

func rdtsc() uint64

// CPU describes the processor as CPUID reports it.
type CPU struct {
	Vendor string // "GenuineIntel", "AuthenticAMD", ...
	Brand  string // the processor brand string, if the CPU has one
}

// Identify reads the vendor and brand strings with CPUID (Intel SDM Vol. 2A,
// CPUID leaves 0 and 0x80000002-4).
func Identify() CPU {
	var c CPU
	_, b, cx, d := cpuid(0, 0)
	var v [12]byte
	binary.LittleEndian.PutUint32(v[0:], b)
	binary.LittleEndian.PutUint32(v[4:], d)
	binary.LittleEndian.PutUint32(v[8:], cx)
	c.Vendor = string(v[:])
	if ext, _, _, _ := cpuid(0x80000000, 0); ext >= 0x80000004 {
		var s [48]byte
		for i := uint32(0); i < 3; i++ {
			a, b, cx, d := cpuid(0x80000002+i, 0)
			for j, r := range []uint32{a, b, cx, d} {
				binary.LittleEndian.PutUint32(s[16*i+4*uint32(j):], r)
			}
		}
		c.Brand = strings.TrimSpace(strings.TrimRight(string(s[:]), "\x00"))
	}
	return c
}

// Ticks returns the time-stamp counter: cycles since the CPU was reset.
func Ticks() uint64 { return rdtsc() }
