package proc

import (
	"clk/abi"
	"encoding/binary"
	"testing"
)

func TestStackTrace(t *testing.T) {
	img := &Image{Symbols: []Symbol{
		{"main.leaf", 0x7f00_0010_1000, 0x100},
		{"main.middle", 0x7f00_0010_1100, 0x100},
		{"main.main", 0x7f00_0010_1200, 0x100},
		{"runtime.main", 0x7f00_0010_1300, 0x100},
	}}
	s, _ := newSpace(t)
	stack := mustReserve(t, s, 0, 4*abi.PageSize, rw, KindStack, "stack")
	top := stack + 4*abi.PageSize

	// Frames at rbp0 < rbp1 < rbp2 < rbp3; the outermost links to 0.
	rbp := []uint64{top - 0x400, top - 0x300, top - 0x200, top - 0x100}
	ret := []uint64{
		0x7f00_0010_1100 + 0x20, // in main.middle
		0x7f00_0010_1300,        // a call that ends main.main
		0x7f00_0010_1300 + 0x40, // in runtime.main
		0,                       // the end of the chain
	}
	link := func(at, next, ret uint64) {
		b := binary.LittleEndian.AppendUint64(nil, next)
		b = binary.LittleEndian.AppendUint64(b, ret)
		if err := s.CopyOut(at, b); err != nil {
			t.Fatal(err)
		}
	}
	for i := range rbp {
		next := uint64(0)
		if i+1 < len(rbp) {
			next = rbp[i+1]
		}
		link(rbp[i], next, ret[i])
	}
	rip := uint64(0x7f00_0010_1000 + 0x13)

	full := []Frame{
		{rip, "main.leaf", 0x13},
		{ret[0], "main.middle", 0x20},
		{ret[1], "main.main", 0x100},
		{ret[2], "runtime.main", 0x40},
	}
	tests := []struct {
		name string
		img  *Image
		rbp  uint64
		max  int
		want []Frame
	}{
		{"whole chain", img, rbp[0], 10, full},
		{"max frames", img, rbp[0], 2, full[:2]},
		{"max 0", img, rbp[0], 0, nil},
		{"no frame pointer", img, 0, 10, full[:1]},
		{"unreadable rbp", img, 0x7f00_0000_0000, 10, full[:1]},
		{"rbp past the stack", img, top - 8, 10, full[:1]},
		{"no symbols", nil, rbp[2], 10, []Frame{{PC: rip}, {PC: ret[2]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StackTrace(s, tt.img, rip, tt.rbp, tt.max)
			if len(got) != len(tt.want) {
				t.Fatalf("StackTrace = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("frame %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}

	// A frame whose caller's rbp is not above it ends the walk after its
	// return address.
	link(rbp[1], rbp[0], ret[1])
	got := StackTrace(s, img, rip, rbp[0], 10)
	if len(got) != 3 || got[2] != full[2] {
		t.Errorf("StackTrace with a loop = %v, want %v", got, full[:3])
	}
}

func TestFrameString(t *testing.T) {
	tests := []struct {
		f    Frame
		want string
	}{
		{Frame{PC: 0x7f000017a75d, Func: "main.main", Off: 0x1d}, "main.main+0x1d 0x7f000017a75d"},
		{Frame{PC: 0x1234}, "0x1234"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
