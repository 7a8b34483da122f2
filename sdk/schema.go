package sdk

import (
	"encoding/binary"
	"fmt"

	"clk/abi"
)

// HandleSpec is what one handle slot of a message must hold: an object of
// Type (abi.TypeAny for any) with at least Rights.
type HandleSpec struct {
	Type   abi.ObjectType
	Rights abi.Rights
}

// MessageSpec declares one message type of a channel's protocol: its id,
// the most data bytes it carries, and exactly which handles.
type MessageSpec struct {
	Type    uint32
	MaxData uint32
	Handles []HandleSpec
}

// Schema is a channel's protocol: the message types both directions may
// send. The kernel refuses a message that breaks it (abi.ESCHEMA,
// abi.ETOOLARGE) before anything is queued or any handle moves.
type Schema []MessageSpec

// MarshalBinary returns the schema in the binary form channel_create
// reads (docs/abi.md, Schemas): little-endian uint32 words, the number of
// types, then per type its id, most data bytes and handle count, followed
// by an object type and rights per handle. It refuses, with an error
// wrapping abi.EBADSCHEMA, what the kernel would: no types or more than
// abi.MaxSchemaTypes, a type declared twice, more than abi.MaxData bytes or
// abi.MaxHandles handles for a type, unknown object types or rights.
func (s Schema) MarshalBinary() ([]byte, error) {
	if len(s) == 0 || len(s) > abi.MaxSchemaTypes {
		return nil, fmt.Errorf("schema of %d types, want 1 to %d: %w", len(s), abi.MaxSchemaTypes, abi.EBADSCHEMA)
	}
	n := 4
	for i, sp := range s {
		if sp.MaxData > abi.MaxData || len(sp.Handles) > abi.MaxHandles {
			return nil, fmt.Errorf("schema type %d: %d bytes and %d handles, limits %d and %d: %w",
				sp.Type, sp.MaxData, len(sp.Handles), abi.MaxData, abi.MaxHandles, abi.EBADSCHEMA)
		}
		for _, prev := range s[:i] {
			if prev.Type == sp.Type {
				return nil, fmt.Errorf("schema type %d declared twice: %w", sp.Type, abi.EBADSCHEMA)
			}
		}
		for j, h := range sp.Handles {
			if !h.Type.Valid() || h.Rights&^abi.RightsAll != 0 {
				return nil, fmt.Errorf("schema type %d handle %d: object type %d, rights %#x: %w",
					sp.Type, j, h.Type, uint32(h.Rights), abi.EBADSCHEMA)
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
