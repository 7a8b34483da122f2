package wire

import "encoding/binary"

// Decoder reads the fields of B from Off on. A read past the end returns
// zeros (nil for Bytes) and sets Short; so does every read after it.
type Decoder struct {
	B     []byte
	Off   int
	Short bool
}

// Bytes returns the next n bytes, aliasing B, with their capacity cut at
// their end so that an append cannot reach the bytes after them.
func (d *Decoder) Bytes(n int) []byte {
	if d.Short || n < 0 || n > len(d.B)-d.Off {
		d.Short = true
		return nil
	}
	p := d.B[d.Off : d.Off+n : d.Off+n]
	d.Off += n
	return p
}

// U8 reads a byte.
func (d *Decoder) U8() uint8 {
	if p := d.Bytes(1); p != nil {
		return p[0]
	}
	return 0
}

// U16 reads a little-endian uint16.
func (d *Decoder) U16() uint16 {
	if p := d.Bytes(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

// U32 reads a little-endian uint32.
func (d *Decoder) U32() uint32 {
	if p := d.Bytes(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// U64 reads a little-endian uint64.
func (d *Decoder) U64() uint64 {
	if p := d.Bytes(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// Rest is the number of bytes not read yet.
func (d *Decoder) Rest() int { return len(d.B) - d.Off }
