package modstore

import "encoding/binary"

// decoder reads the little-endian fields of a byte string. A read past
// the end returns zeros and sets short; the caller checks short once after
// a run of reads and reports the cause its format gives a short read.
type decoder struct {
	b     []byte
	off   int
	short bool
}

// bytes returns the next n bytes, aliasing the input.
func (d *decoder) bytes(n int) []byte {
	if d.short || n < 0 || n > len(d.b)-d.off {
		d.short = true
		return nil
	}
	p := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return p
}

func (d *decoder) u8() uint8 {
	if p := d.bytes(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if p := d.bytes(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.bytes(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.bytes(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// rest is the number of bytes not read yet.
func (d *decoder) rest() int { return len(d.b) - d.off }

// The appenders of the encoders, the decoder's twins.
func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// appendString appends s with a one-byte length; s is at most 255 bytes
// long, which the validators of every string field guarantee.
func appendString(b []byte, s string) []byte {
	return append(append(b, uint8(len(s))), s...)
}

// string reads a string written by appendString.
func (d *decoder) string() string {
	return string(d.bytes(int(d.u8())))
}
