package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// The header's constants: a file starts with the magic, the format
// version and two reserved bytes.
const (
	magic         = "CLKA"
	formatVersion = 1
)

// genesisContext starts the bytes the genesis is the hash of.
const genesisContext = "clk audit log v1\x00"

// ID names one log; it is chosen at random when the log is made, so that
// two logs' genesis hashes differ and neither's records chain onto the
// other's.
type ID [16]byte

func (id ID) String() string { return fmt.Sprintf("%x", id[:]) }

// header is a log file's first headerSize bytes.
type header struct {
	id  ID
	key ed25519.PublicKey // nil when the log has no checkpoints
}

func (h header) encode() []byte {
	b := append([]byte(magic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint16(b[4:], formatVersion)
	b = append(b, h.id[:]...)
	if h.key != nil {
		return append(b, h.key...)
	}
	return append(b, make([]byte, ed25519.PublicKeySize)...)
}

// genesis is the hash the first record's Prev holds: of the context
// string and the header, so it names the log and its key.
func (h header) genesis() Hash {
	return sha256.Sum256(append([]byte(genesisContext), h.encode()...))
}

// parseHeader decodes a header. A short one is truncated, unless what
// there is already is not an audit log's.
func parseHeader(b []byte) (header, error) {
	if n := min(len(b), len(magic)); string(b[:n]) != magic[:n] {
		return header{}, fmt.Errorf("%w: not an audit log (magic %q)", ErrMalformed, b[:n])
	}
	if len(b) < headerSize {
		return header{}, ErrTruncated
	}
	switch {
	case binary.LittleEndian.Uint16(b[4:]) != formatVersion:
		return header{}, fmt.Errorf("%w: format version %d, want %d", ErrMalformed, binary.LittleEndian.Uint16(b[4:]), formatVersion)
	case b[6] != 0 || b[7] != 0:
		return header{}, fmt.Errorf("%w: reserved bytes not zero", ErrMalformed)
	}
	var h header
	copy(h.id[:], b[8:24])
	key := b[24:headerSize]
	for _, c := range key {
		if c != 0 {
			h.key = ed25519.PublicKey(append([]byte(nil), key...))
			break
		}
	}
	return h, nil
}
