package wire

import "testing"

func TestDecoderReadsLittleEndianAndStopsAtTheEnd(t *testing.T) {
	d := Decoder{B: []byte{1, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9}}
	if d.U8() != 1 || d.U16() != 2 || d.U32() != 3 || d.U64() != 4 || d.Short || d.Rest() != 1 {
		t.Fatalf("reads went wrong: %+v", d)
	}
	if d.U16() != 0 || !d.Short {
		t.Fatal("a read past the end did not set Short")
	}
	if d.U8() != 0 || d.Bytes(0) != nil {
		t.Fatal("a read after a short one returned data")
	}
	e := Decoder{B: []byte{5, 6, 7}}
	p := e.Bytes(2)
	if cap(p) != 2 || e.Bytes(-1) != nil || !e.Short {
		t.Fatalf("Bytes: capacity %d, negative count not refused", cap(p))
	}
}
