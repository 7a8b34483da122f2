package sdk

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"

	"clk/abi"
	"clk/kernel/ipc"
)

// The records this package lays out in memory must be those the kernel reads.

// TestMsgDescLayout checks that the bytes of a msgDesc in memory are what
// the kernel's MsgDesc marshals to.
func TestMsgDescLayout(t *testing.T) {
	d := &msgDesc{Type: 0x11223344, Txid: 0x55667788, Data: 0x0102030405060708, DataLen: 0x99aabbcc, HandlesLen: 0xddeeff00, Handles: 0x1112131415161718}
	want := (&abi.MsgDesc{Type: d.Type, Txid: d.Txid, Data: d.Data, DataLen: d.DataLen, HandlesLen: d.HandlesLen, Handles: d.Handles}).Marshal()
	got := unsafe.Slice((*byte)(unsafe.Pointer(d)), unsafe.Sizeof(*d))
	if !bytes.Equal(got, want[:]) {
		t.Errorf("descriptor bytes\n got % x\nwant % x", got, want)
	}
	w := &WaitItem{Handle: 0x01020304, Want: abi.Readable | abi.PeerClosed, Observed: abi.Signaled}
	got = unsafe.Slice((*byte)(unsafe.Pointer(w)), unsafe.Sizeof(*w))
	wantItem := []byte{4, 3, 2, 1, 5, 0, 0, 0, 8, 0, 0, 0}
	if !bytes.Equal(got, wantItem) {
		t.Errorf("wait item bytes % x, want % x", got, wantItem)
	}
}

func TestSchemaMarshalMatchesKernel(t *testing.T) {
	s := Schema{
		{Type: 7, MaxData: 100, Handles: []HandleSpec{{abi.TypeChannel, abi.RightRead | abi.RightWrite}, {abi.TypeAny, abi.RightsNone}}},
		{Type: 1, MaxData: abi.MaxData},
		{Type: 3, Handles: []HandleSpec{{abi.TypeProcess, abi.RightWait}}},
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ipc.ParseSchema(b)
	if err != nil {
		t.Fatalf("kernel refuses the schema: %v", err)
	}
	var specs []ipc.MessageSpec
	for _, m := range s {
		sp := ipc.MessageSpec{Type: m.Type, MaxData: m.MaxData}
		for _, h := range m.Handles {
			sp.Handles = append(sp.Handles, ipc.HandleSpec{Type: h.Type, Rights: h.Rights})
		}
		specs = append(specs, sp)
	}
	ks, err := ipc.NewSchema(specs...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ks.MarshalBinary()
	got, _ := parsed.MarshalBinary()
	if !bytes.Equal(got, want) {
		t.Errorf("the kernel reads back\n% x\nwant\n% x", got, want)
	}
}

func TestSchemaMarshalRefusals(t *testing.T) {
	many := make(Schema, abi.MaxSchemaTypes+1)
	for i := range many {
		many[i].Type = uint32(i)
	}
	for _, tc := range []struct {
		name string
		s    Schema
	}{
		{"empty", Schema{}},
		{"too many types", many},
		{"twice", Schema{{Type: 1}, {Type: 2}, {Type: 1}}},
		{"too much data", Schema{{Type: 1, MaxData: abi.MaxData + 1}}},
		{"too many handles", Schema{{Type: 1, Handles: make([]HandleSpec, abi.MaxHandles+1)}}},
		{"unknown type", Schema{{Type: 1, Handles: []HandleSpec{{abi.NumTypes, 0}}}}},
		{"unknown rights", Schema{{Type: 1, Handles: []HandleSpec{{abi.TypeAny, abi.RightsAll + 1}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.s.MarshalBinary()
			if !errors.Is(err, abi.EBADSCHEMA) {
				t.Fatalf("err = %v, want abi.EBADSCHEMA", err)
			}
			if b != nil {
				t.Errorf("bytes returned with the error")
			}
		})
	}
}
