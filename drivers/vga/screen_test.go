package vga

import (
	"fmt"
	"strings"
	"testing"
)

type cursorBus struct{ index, hi, lo uint8 }

func (b *cursorBus) Out(port uint16, v uint8) {
	switch {
	case port == crtcIndex:
		b.index = v
	case b.index == crtcCursorHi:
		b.hi = v
	case b.index == crtcCursorLo:
		b.lo = v
	}
}

func (b *cursorBus) pos() int { return int(b.hi)<<8 | int(b.lo) }

func TestShellOutputShowsAsATerminalShowsIt(t *testing.T) {
	var bus cursorBus
	s := New(make([]byte, TextSize), &bus)
	// A prompt, a typed line with an edit (backspace, rewrite, erase to the
	// end), a reply, a tab and a character outside ASCII.
	fmt.Fprint(s, "clk> echo abx\b\x1b[Kc\nabc\r\nx\ty é\n")
	text := s.Text()
	want := []string{"clk> echo abc", "abc", "x       y ?", ""}
	if got := text[:4]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("screen %q, want %q", got, want)
	}
	if bus.pos() != 3*Columns {
		t.Errorf("hardware cursor at %d, want %d (row 3, column 0)", bus.pos(), 3*Columns)
	}
}

func TestOutputPastTheLastRowScrolls(t *testing.T) {
	s := New(make([]byte, TextSize), nil)
	for i := range Rows + 2 {
		fmt.Fprintf(s, "line %d\n", i)
	}
	text := s.Text()
	if text[0] != "line 3" || text[Rows-2] != fmt.Sprintf("line %d", Rows+1) || text[Rows-1] != "" {
		t.Errorf("after scrolling: first %q, last two %q %q", text[0], text[Rows-2], text[Rows-1])
	}
}

func TestLongLinesWrap(t *testing.T) {
	s := New(make([]byte, TextSize), nil)
	fmt.Fprint(s, strings.Repeat("a", Columns)+"b")
	if text := s.Text(); text[0] != strings.Repeat("a", Columns) || text[1] != "b" {
		t.Errorf("rows %q %q", text[0], text[1])
	}
}

func FuzzScreen(f *testing.F) {
	f.Add([]byte("clk> echo a\b\x1b[K\x1b[1;2H\t\xc3\xa9\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		var bus cursorBus
		s := New(make([]byte, TextSize), &bus)
		s.Write(out)
		if s.row < 0 || s.row >= Rows || s.col < 0 || s.col > Columns {
			t.Fatalf("output %q left the cursor at row %d column %d", out, s.row, s.col)
		}
		if bus.pos() >= Rows*Columns {
			t.Fatalf("output %q put the hardware cursor at %d", out, bus.pos())
		}
	})
}
