package ipc

import (
	"errors"
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

// FuzzParseSchema checks that any bytes either parse into a schema that
// encodes back to the same bytes, or fail with ErrBadSchema.
func FuzzParseSchema(f *testing.F) {
	sb, _ := testSchema(f).MarshalBinary()
	f.Add(sb)
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSchema(b)
		if err != nil {
			if !errors.Is(err, ErrBadSchema) {
				t.Fatalf("%v does not wrap ErrBadSchema", err)
			}
			return
		}
		if _, err := s.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
	})
}
