package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/wait"
)

type anyObj struct{ typ abi.ObjectType }

func (o *anyObj) Type() abi.ObjectType { return o.typ }

// FuzzMessageValidator sends arbitrary messages over a channel with an
// arbitrary schema and checks the boundary: a message is either accepted,
// and then the reader sees exactly it and it matches the schema, or
// refused, and then the reader sees nothing and the sender keeps every
// handle.
func FuzzMessageValidator(f *testing.F) {
	s := testSchema(f)
	sb, _ := s.MarshalBinary()
	f.Add(sb, uint32(msgData), uint16(10), []byte{})
	f.Add(sb, uint32(msgData), uint16(129), []byte{})
	f.Add(sb, uint32(msgGrant), uint16(3), []byte{byte(abi.TypeLog), byte(abi.RightRead | abi.RightTransfer)})
	f.Add(sb, uint32(msgGrant), uint16(3), []byte{byte(abi.TypeLog), byte(abi.RightTransfer)})
	f.Add(sb, uint32(msgGrant), uint16(3), []byte{byte(abi.TypeTimer), 0xff})
	f.Add(sb, uint32(7), uint16(0), []byte{1, 2, 3, 4})
	f.Add([]byte{1, 0, 0, 0, 5, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0}, uint32(5), uint16(256), []byte{3, 8})
	f.Fuzz(func(t *testing.T, schema []byte, typ uint32, dataLen uint16, handles []byte) {
		s, err := ParseSchema(schema)
		if err != nil {
			if !errors.Is(err, ErrBadSchema) {
				t.Fatalf("ParseSchema: %v does not wrap ErrBadSchema", err)
			}
			return
		}
		ea, eb, err := NewChannel(s, 2)
		if err != nil {
			t.Fatal(err)
		}
		tb := cap.NewTable(0)
		var hs []cap.Handle
		for i := 0; i+1 < len(handles) && len(hs) < abi.MaxHandles+2; i += 2 {
			typ := abi.ObjectType(handles[i]) % 8
			if typ == abi.TypeAny {
				typ = abi.TypeLog
			}
			h, err := tb.Install(cap.New(&anyObj{typ: typ}, abi.Rights(handles[i+1])))
			if err != nil {
				t.Fatal(err)
			}
			hs = append(hs, h)
		}
		data := make([]byte, dataLen)
		before := tb.Len()
		err = ea.WriteFrom(tb, typ, 0, data, hs, wait.Forever, false)
		m, rerr := readNow(eb)
		if err != nil {
			if rerr == nil {
				t.Fatalf("refused message (%v) reached the reader", err)
			}
			if tb.Len() != before {
				t.Fatalf("refused message (%v) took handles", err)
			}
			return
		}
		if rerr != nil {
			t.Fatalf("accepted message not readable: %v", rerr)
		}
		if err := s.Check(&m); err != nil {
			t.Fatalf("reader got a message the schema refuses: %v", err)
		}
		if m.Type != typ || len(m.Data) != int(dataLen) || len(m.Caps) != len(hs) || tb.Len() != before-len(hs) {
			t.Fatalf("message changed in transit or handles not moved")
		}
	})
}

// FuzzParseSchema checks ParseSchema against the binary form documented
// at MarshalBinary. Bytes either fail with ErrBadSchema or parse into a
// schema that: marshals to as many bytes as were parsed (every word is
// accounted for), and to exactly those bytes when they list the types in
// increasing order, as MarshalBinary writes them; parses back from its
// marshalled form into an equal schema that marshals the same; keeps
// within the absolute limits; and accepts, for each declared type, a
// message of its full size and handle count, but not one byte more.
func FuzzParseSchema(f *testing.F) {
	sb, _ := testSchema(f).MarshalBinary()
	f.Add(sb)
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	// Two types out of order: the marshalled form reorders them.
	f.Add([]byte{2, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSchema(b)
		if err != nil {
			if !errors.Is(err, ErrBadSchema) {
				t.Fatalf("%v does not wrap ErrBadSchema", err)
			}
			return
		}
		m, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != len(b) {
			t.Fatalf("parsed %d bytes into a schema that marshals to %d", len(b), len(m))
		}
		if types := entryTypes(b); slices.IsSorted(types) && !bytes.Equal(m, b) {
			t.Fatalf("types %v in increasing order, but the schema marshals to\n%x, not\n%x", types, m, b)
		}
		s2, err := ParseSchema(m)
		if err != nil {
			t.Fatalf("a marshalled schema does not parse: %v", err)
		}
		if !reflect.DeepEqual(s.specs, s2.specs) {
			t.Fatalf("parse, marshal, parse changed the schema:\n%v\n%v", s.specs, s2.specs)
		}
		if m2, _ := s2.MarshalBinary(); !bytes.Equal(m, m2) {
			t.Fatalf("marshalling is not stable:\n%x\n%x", m, m2)
		}
		if n := len(s.specs); n < 1 || n > abi.MaxSchemaTypes || n != len(entryTypes(b)) {
			t.Fatalf("%d types from input declaring %d", n, len(entryTypes(b)))
		}
		for typ, sp := range s.specs {
			if sp.Type != typ || sp.MaxData > abi.MaxData || len(sp.Handles) > abi.MaxHandles {
				t.Fatalf("spec %+v under type %d is out of bounds", sp, typ)
			}
			if err := s.CheckShape(typ, int(sp.MaxData), len(sp.Handles)); err != nil {
				t.Fatalf("a full-size message of type %d is refused: %v", typ, err)
			}
			if err := s.CheckShape(typ, int(sp.MaxData)+1, len(sp.Handles)); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("type %d allows %d bytes but %d are not refused as too large: %v", typ, sp.MaxData, sp.MaxData+1, err)
			}
			if err := s.CheckShape(typ, 0, len(sp.Handles)+1); !errors.Is(err, ErrSchema) {
				t.Fatalf("type %d with one handle too many is not refused: %v", typ, err)
			}
			if _, ok := s.specs[typ+1]; !ok {
				if err := s.CheckShape(typ+1, 0, 0); !errors.Is(err, ErrSchema) {
					t.Fatalf("undeclared type %d is not refused: %v", typ+1, err)
				}
			}
		}
	})
}

// entryTypes returns the types a well-formed binary schema lists, in the
// order it lists them: after the count, each entry is type, max_data,
// handles, then two words per handle.
func entryTypes(b []byte) []uint32 {
	var types []uint32
	for p := b[4:]; len(p) >= 12; {
		types = append(types, binary.LittleEndian.Uint32(p))
		p = p[12+8*int(binary.LittleEndian.Uint32(p[8:])):]
	}
	return types
}
