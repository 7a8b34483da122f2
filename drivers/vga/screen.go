package vga

import (
	"sync"
)

// Text mode 3 geometry and memory (IBM VGA technical reference).
const (
	Columns = 80
	Rows    = 25
	// TextBase is the physical address of the text buffer in colour modes.
	TextBase = 0xb8000
	// TextSize is the bytes of one screen: a character and an attribute
	// per cell.
	TextSize = Columns * Rows * 2
	// DefaultAttr is light grey on black.
	DefaultAttr = 0x07
)

// CRT controller ports and cursor location registers (VGA CRTC registers
// 0x0E and 0x0F, the cursor location high and low bytes).
const (
	crtcIndex     = 0x3d4
	crtcData      = 0x3d5
	crtcCursorHi  = 0x0e
	crtcCursorLo  = 0x0f
	asciiESC      = 0x1b
	asciiBS       = 0x08
	tabWidth      = 8
	substituteChr = '?'
)

// Bus is how the driver reaches the CRT controller's ports.
type Bus interface {
	Out(port uint16, v uint8)
}

// Screen is the text screen.
type Screen struct {
	mu       sync.Mutex
	mem      []byte // TextSize bytes: the text buffer
	bus      Bus
	row, col int
	esc      escState
}

type escState int

const (
	escNone escState = iota
	escStart
	escCSI
)

// New returns a screen on the text buffer mem (at least TextSize bytes),
// clears it and puts the cursor at the top left. bus may be nil, in which
// case the hardware cursor is not moved.
func New(mem []byte, bus Bus) *Screen {
	s := &Screen{mem: mem[:TextSize], bus: bus}
	for i := 0; i < Rows; i++ {
		s.clear(i, 0)
	}
	s.cursor()
	return s
}

// Write draws p.
func (s *Screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range p {
		s.put(b)
	}
	s.cursor()
	return len(p), nil
}

// put draws one byte. Preconditions: s.mu is held.
func (s *Screen) put(b byte) {
	switch s.esc {
	case escStart:
		s.esc = escNone
		if b == '[' {
			s.esc = escCSI
		}
		return
	case escCSI:
		// ECMA-48 5.4: parameters, then one final byte in 0x40-0x7e.
		if b < 0x40 || b > 0x7e {
			return
		}
		s.esc = escNone
		if b == 'K' {
			s.clear(s.row, s.col)
		}
		return
	}
	switch {
	case b == asciiESC:
		s.esc = escStart
	case b == '\n':
		s.col = 0
		s.lineFeed()
	case b == '\r':
		s.col = 0
	case b == asciiBS:
		if s.col > 0 {
			s.col--
		}
	case b == '\t':
		s.col = min(Columns-1, (s.col/tabWidth+1)*tabWidth)
	case b >= 0x80 && b < 0xc0:
		// A UTF-8 continuation byte: its rune already showed as one cell.
	case b >= 0x80:
		s.glyph(substituteChr)
	case b >= ' ' && b < 0x7f:
		s.glyph(b)
	}
}

// glyph writes a character at the cursor and advances it, wrapping at the
// end of the row. Preconditions: s.mu is held.
func (s *Screen) glyph(c byte) {
	if s.col == Columns {
		s.col = 0
		s.lineFeed()
	}
	i := (s.row*Columns + s.col) * 2
	s.mem[i], s.mem[i+1] = c, DefaultAttr
	s.col++
}

// lineFeed moves down a row, scrolling at the bottom. Preconditions: s.mu
// is held.
func (s *Screen) lineFeed() {
	if s.row < Rows-1 {
		s.row++
		return
	}
	copy(s.mem, s.mem[Columns*2:])
	s.clear(Rows-1, 0)
}

// clear blanks row from column col to its end. Preconditions: s.mu is held.
func (s *Screen) clear(row, col int) {
	for c := col; c < Columns; c++ {
		i := (row*Columns + c) * 2
		s.mem[i], s.mem[i+1] = ' ', DefaultAttr
	}
}

// cursor moves the hardware cursor to the cursor. Preconditions: s.mu is
// held.
func (s *Screen) cursor() {
	if s.bus == nil {
		return
	}
	pos := s.row*Columns + min(s.col, Columns-1)
	s.bus.Out(crtcIndex, crtcCursorHi)
	s.bus.Out(crtcData, uint8(pos>>8))
	s.bus.Out(crtcIndex, crtcCursorLo)
	s.bus.Out(crtcData, uint8(pos))
}

// Text returns the screen's characters, one string per row without
// trailing spaces.
func (s *Screen) Text() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return TextOf(s.mem)
}

// TextOf returns the characters of a text buffer (as a dump of the VGA's
// memory), one string per row without trailing spaces.
func TextOf(mem []byte) []string {
	rows := make([]string, 0, Rows)
	for r := 0; r < Rows && (r+1)*Columns*2 <= len(mem); r++ {
		line := make([]byte, Columns)
		for c := range line {
			line[c] = mem[(r*Columns+c)*2]
		}
		end := len(line)
		for end > 0 && line[end-1] == ' ' {
			end--
		}
		rows = append(rows, string(line[:end]))
	}
	return rows
}
