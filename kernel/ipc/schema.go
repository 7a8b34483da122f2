package ipc

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"clk/abi"
	"clk/kernel/cap"
)

// HandleSpec is what one handle slot of a message must hold: an object of
// Type (abi.TypeAny for any) and at least Rights.
type HandleSpec struct {
	Type   abi.ObjectType
	Rights abi.Rights
}

// MessageSpec declares one message type of a channel's protocol: its
// type id, the most data bytes it may carry, and exactly which handles.
type MessageSpec struct {
	Type    uint32
	MaxData uint32
	Handles []HandleSpec
}

// Schema is a channel's protocol: the message types it accepts, in both
// directions. A message whose type is not declared, whose data is longer
// than its type allows, or whose handles do not match the declared slots
// in number, type and rights is refused before it is queued.
type Schema struct {
	specs map[uint32]MessageSpec
}

// NewSchema returns a schema of the given message types. It fails when a
// type is declared twice or a spec exceeds abi.MaxData or abi.MaxHandles.
func NewSchema(specs ...MessageSpec) (*Schema, error) {
	if len(specs) == 0 || len(specs) > abi.MaxSchemaTypes {
		return nil, fmt.Errorf("schema of %d types: %w (want 1 to %d)", len(specs), ErrBadSchema, abi.MaxSchemaTypes)
	}
	s := &Schema{specs: make(map[uint32]MessageSpec, len(specs))}
	for _, sp := range specs {
		if _, dup := s.specs[sp.Type]; dup {
			return nil, fmt.Errorf("schema: type %d declared twice: %w", sp.Type, ErrBadSchema)
		}
		if sp.MaxData > abi.MaxData {
			return nil, fmt.Errorf("schema: type %d allows %d bytes, limit %d: %w", sp.Type, sp.MaxData, abi.MaxData, ErrBadSchema)
		}
		if len(sp.Handles) > abi.MaxHandles {
			return nil, fmt.Errorf("schema: type %d carries %d handles, limit %d: %w", sp.Type, len(sp.Handles), abi.MaxHandles, ErrBadSchema)
		}
		for i, h := range sp.Handles {
			if !h.Type.Valid() || h.Rights&^abi.RightsAll != 0 {
				return nil, fmt.Errorf("schema: type %d handle %d: unknown type %d or rights %#x: %w", sp.Type, i, h.Type, uint32(h.Rights), ErrBadSchema)
			}
		}
		sp.Handles = append([]HandleSpec(nil), sp.Handles...)
		s.specs[sp.Type] = sp
	}
	return s, nil
}

// CheckShape checks a message's type, data length and handle count.
func (s *Schema) CheckShape(typ uint32, dataLen, handles int) error {
	sp, ok := s.specs[typ]
	if !ok {
		return fmt.Errorf("message type %d: not in the channel's schema: %w", typ, ErrSchema)
	}
	if dataLen > int(sp.MaxData) {
		return fmt.Errorf("message type %d: %d bytes, schema allows %d: %w", typ, dataLen, sp.MaxData, ErrTooLarge)
	}
	if handles != len(sp.Handles) {
		return fmt.Errorf("message type %d: %d handles, schema wants %d: %w", typ, handles, len(sp.Handles), ErrSchema)
	}
	return nil
}

// CheckHandle checks handle slot i of a message of type typ.
// Preconditions: CheckShape accepted the message.
func (s *Schema) CheckHandle(typ uint32, i int, c *cap.Cap) error {
	want := s.specs[typ].Handles[i]
	if want.Type != abi.TypeAny && c.Type() != want.Type {
		return fmt.Errorf("message type %d handle %d: a %v, schema wants a %v: %w", typ, i, c.Type(), want.Type, ErrSchema)
	}
	if !c.Rights().Has(want.Rights) {
		return fmt.Errorf("message type %d handle %d: rights %v, schema wants %v: %w", typ, i, c.Rights(), want.Rights, ErrSchema)
	}
	return nil
}

// Check checks a whole message.
func (s *Schema) Check(m *Message) error {
	if err := s.CheckShape(m.Type, len(m.Data), len(m.Caps)); err != nil {
		return err
	}
	for i, c := range m.Caps {
		if err := s.CheckHandle(m.Type, i, c); err != nil {
			return err
		}
	}
	return nil
}

// MarshalBinary returns the binary form of a schema, as channel_create
// reads it from user memory, types in increasing order: little-endian
// uint32 words,
//
//	count
//	count times: type, max_data, handles, then handles times: object_type, rights
func (s *Schema) MarshalBinary() ([]byte, error) {
	types := slices.Sorted(maps.Keys(s.specs))
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, uint32(len(types)))
	for _, typ := range types {
		sp := s.specs[typ]
		b = binary.LittleEndian.AppendUint32(b, sp.Type)
		b = binary.LittleEndian.AppendUint32(b, sp.MaxData)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(sp.Handles)))
		for _, h := range sp.Handles {
			b = binary.LittleEndian.AppendUint32(b, uint32(h.Type))
			b = binary.LittleEndian.AppendUint32(b, uint32(h.Rights))
		}
	}
	return b, nil
}

// MaxSchemaBytes is the longest binary schema ParseSchema reads.
const MaxSchemaBytes = 4 + abi.MaxSchemaTypes*(12+8*abi.MaxHandles)

// ParseSchema decodes the binary form MarshalBinary describes and checks
// it as NewSchema does. Trailing bytes are an error.
func ParseSchema(b []byte) (*Schema, error) {
	if len(b) > MaxSchemaBytes {
		return nil, fmt.Errorf("schema of %d bytes, limit %d: %w", len(b), MaxSchemaBytes, ErrBadSchema)
	}
	r := words{b: b}
	n, ok := r.next()
	if !ok || n == 0 || n > abi.MaxSchemaTypes {
		return nil, fmt.Errorf("schema: type count missing or not 1 to %d: %w", abi.MaxSchemaTypes, ErrBadSchema)
	}
	specs := make([]MessageSpec, 0, n)
	for range n {
		typ, ok1 := r.next()
		maxData, ok2 := r.next()
		nh, ok3 := r.next()
		if !ok1 || !ok2 || !ok3 || nh > abi.MaxHandles {
			return nil, fmt.Errorf("schema: truncated type %d entry or more than %d handles: %w", len(specs), abi.MaxHandles, ErrBadSchema)
		}
		sp := MessageSpec{Type: typ, MaxData: maxData, Handles: make([]HandleSpec, nh)}
		for j := range sp.Handles {
			t, ok1 := r.next()
			rights, ok2 := r.next()
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("schema: type %d handle %d truncated: %w", typ, j, ErrBadSchema)
			}
			sp.Handles[j] = HandleSpec{Type: abi.ObjectType(t), Rights: abi.Rights(rights)}
		}
		specs = append(specs, sp)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("schema: %d bytes after the last type: %w", len(r.b), ErrBadSchema)
	}
	return NewSchema(specs...)
}

type words struct{ b []byte }

func (w *words) next() (uint32, bool) {
	if len(w.b) < 4 {
		return 0, false
	}
	v := binary.LittleEndian.Uint32(w.b)
	w.b = w.b[4:]
	return v, true
}
