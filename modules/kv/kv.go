// Package kv is a key-value store served as a module: the reference of a
// stateful service whose state changes shape between versions. Version 1
// keeps a value per key; version 2 also counts each key's writes (its
// revision), and its state encoding carries them. Version 2 imports
// version 1's state (every key at revision 1); version 1 refuses version
// 2's, which it cannot read, so that a downgrade is rolled back rather
// than losing the revisions. The programs kv1 and kv2 run it; package
// sdk/module does the rest.
//
// The protocol of the "kv" service, on a module client channel: keys are
// 1 to 255 bytes; every reply starts with a status byte.
//
//	Put     request: uint8 key length, key, value     reply: status
//	Get     request: key                              reply: status, value
//	Delete  request: key                              reply: status
//	Append  request: uint8 key length, key, bytes     reply: status (or none, sent one-way)
//	Rev     request: key                              reply: status, uint64 revision (version 2; 0 in version 1)
package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"clk/sdk/module"
)

// The request types.
const (
	Put    = 1
	Get    = 2
	Delete = 3
	Append = 4
	Rev    = 5
)

// The reply statuses.
const (
	OK        = 0
	NotFound  = 1
	Malformed = 2
)

// The state encodings' magic numbers.
var (
	magic1 = []byte("kv1\n")
	magic2 = []byte("kv2\n")
)

// ErrState is wrapped by Import's refusals.
var ErrState = errors.New("unusable state")

type entry struct {
	value []byte
	rev   uint64
}

// Store is the service. Its version (1 or 2) decides its state encoding.
type Store struct {
	version int
	data    map[string]*entry
}

// New returns an empty store of version 1 or 2.
func New(version int) *Store {
	return &Store{version: version, data: make(map[string]*entry)}
}

// Handle serves one request.
func (s *Store) Handle(r module.Request) []byte {
	switch r.Type {
	case Put, Append:
		if len(r.Data) < 1 || int(r.Data[0]) == 0 || len(r.Data) < 1+int(r.Data[0]) {
			return []byte{Malformed}
		}
		key, val := string(r.Data[1:1+int(r.Data[0])]), r.Data[1+int(r.Data[0]):]
		e := s.data[key]
		if e == nil {
			e = &entry{}
			s.data[key] = e
		}
		if r.Type == Put {
			e.value = append([]byte(nil), val...)
		} else {
			e.value = append(e.value, val...)
		}
		if s.version >= 2 {
			e.rev++
		}
		return []byte{OK}
	case Get, Delete, Rev:
		e := s.data[string(r.Data)]
		if len(r.Data) == 0 || len(r.Data) > 255 || e == nil {
			return []byte{NotFound}
		}
		switch r.Type {
		case Get:
			return append([]byte{OK}, e.value...)
		case Delete:
			delete(s.data, string(r.Data))
			return []byte{OK}
		default:
			return binary.LittleEndian.AppendUint64([]byte{OK}, e.rev)
		}
	}
	return []byte{Malformed}
}

// Export encodes the state in the store's version's shape: the magic,
// a uint32 count, then per key in order its uint8 length and bytes,
// (version 2) its uint64 revision, and its value's uint32 length and
// bytes.
func (s *Store) Export() ([]byte, error) {
	// Its size first, so that it is allocated once: the state is what
	// the clients wait for in a replacement.
	size := len(magic1) + 4
	for k, e := range s.data {
		size += 1 + len(k) + 8 + 4 + len(e.value)
	}
	out := make([]byte, 0, size)
	if s.version >= 2 {
		out = append(out, magic2...)
	} else {
		out = append(out, magic1...)
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(s.data)))
	for _, k := range slices.Sorted(maps.Keys(s.data)) {
		e := s.data[k]
		out = append(out, byte(len(k)))
		out = append(out, k...)
		if s.version >= 2 {
			out = binary.LittleEndian.AppendUint64(out, e.rev)
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(e.value)))
		out = append(out, e.value...)
	}
	return out, nil
}

// Import replaces the state with one exported by fromVersion: its own
// shape, or version 1's when the store is version 2. The values it takes
// are slices of state, not copies: the store keeps state, which the
// module's service loop gives it for good.
func (s *Store) Import(state []byte, fromVersion string) error {
	major, _, _ := strings.Cut(fromVersion, ".")
	var shape int
	switch {
	case major == "1" && len(state) >= 4 && string(state[:4]) == string(magic1):
		shape = 1
	case major == "2" && len(state) >= 4 && string(state[:4]) == string(magic2):
		shape = 2
	default:
		return fmt.Errorf("state of version %s: %w", fromVersion, ErrState)
	}
	if shape > s.version {
		return fmt.Errorf("state of version %s is newer than version %d reads: %w", fromVersion, s.version, ErrState)
	}
	data, err := decode(state[4:], shape)
	if err != nil {
		return fmt.Errorf("state of version %s: %w", fromVersion, err)
	}
	if shape == 1 && s.version >= 2 {
		for _, e := range data {
			e.rev = 1
		}
	}
	s.data = data
	return nil
}

func decode(b []byte, shape int) (map[string]*entry, error) {
	bad := fmt.Errorf("truncated: %w", ErrState)
	if len(b) < 4 {
		return nil, bad
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	data := make(map[string]*entry)
	for range n {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return nil, bad
		}
		k := string(b[1 : 1+int(b[0])])
		b = b[1+int(b[0]):]
		e := &entry{}
		if shape >= 2 {
			if len(b) < 8 {
				return nil, bad
			}
			e.rev = binary.LittleEndian.Uint64(b)
			b = b[8:]
		}
		if len(b) < 4 || uint64(len(b)-4) < uint64(binary.LittleEndian.Uint32(b)) {
			return nil, bad
		}
		vl := binary.LittleEndian.Uint32(b)
		// The slice's capacity ends with the value, so that an append
		// to it copies rather than writing over the next entry.
		e.value = b[4 : 4+vl : 4+vl]
		b = b[4+vl:]
		data[k] = e
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%d bytes after the entries: %w", len(b), ErrState)
	}
	return data, nil
}
