package modstore

import (
	"encoding/binary"

	"clk/internal/wire"
)

// decoder reads the little-endian fields of a byte string (wire.Decoder:
// a read past the end returns zeros and sets Short; the caller checks
// Short once after a run of reads and reports the cause its format gives
// a short read), and the composite fields of this package's formats.
type decoder struct{ wire.Decoder }

// newDecoder returns a decoder of b.
func newDecoder(b []byte) *decoder { return &decoder{wire.Decoder{B: b}} }

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
	return string(d.Bytes(int(d.U8())))
}
