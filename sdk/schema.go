package sdk

import (
	"encoding/binary"
	"fmt"
)

// Most message types one schema declares.
const MaxSchemaTypes = 256

// HandleSpec is what one handle slot of a message must hold: an object of
// Type (TypeAny for any) with at least Rights.
type HandleSpec struct {
	Type   ObjectType
	Rights Rights
}

// MessageSpec declares one message type of a channel's protocol: its id,
// the most data bytes it carries, and exactly which handles.
type MessageSpec struct {
	Type    uint32
	MaxData uint32
	Handles []HandleSpec
}

// Schema is a channel's protocol: the message types both directions may
// send. The kernel refuses a message that breaks it (ErrSchema,
// ErrTooLarge) before anything is queued or any handle moves.
type Schema []MessageSpec

// MarshalBinary returns the schema in the binary form channel_create
// reads (docs/abi.md, Schemas): little-endian uint32 words, the number of
// types, then per type its id, most data bytes and handle count, followed
// by an object type and rights per handle. It refuses, with an error
// wrapping ErrBadSchema, what the kernel would: no types or more than
// MaxSchemaTypes, a type declared twice, more than MaxData bytes or
// MaxHandles handles for a type, unknown object types or rights.
func (s Schema) MarshalBinary() ([]byte, error) {
	if len(s) == 0 || len(s) > MaxSchemaTypes {
		return nil, fmt.Errorf("schema of %d types, want 1 to %d: %w", len(s), MaxSchemaTypes, ErrBadSchema)
	}
	n := 4
	for i, sp := range s {
		if sp.MaxData > MaxData || len(sp.Handles) > MaxHandles {
			return nil, fmt.Errorf("schema type %d: %d bytes and %d handles, limits %d and %d: %w",
				sp.Type, sp.MaxData, len(sp.Handles), MaxData, MaxHandles, ErrBadSchema)
		}
		for _, prev := range s[:i] {
			if prev.Type == sp.Type {
				return nil, fmt.Errorf("schema type %d declared twice: %w", sp.Type, ErrBadSchema)
			}
		}
		for j, h := range sp.Handles {
			if int(h.Type) >= len(typeNames) || h.Rights&^RightsAll != 0 {
				return nil, fmt.Errorf("schema type %d handle %d: object type %d, rights %#x: %w",
					sp.Type, j, h.Type, uint32(h.Rights), ErrBadSchema)
			}
		}
		n += 12 + 8*len(sp.Handles)
	}
	b := make([]byte, 0, n)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	for _, sp := range s {
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
