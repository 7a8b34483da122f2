package shell

import (
	"errors"
	"io"
	"strings"
)

// Keys and terminal bytes the editor understands. A terminal in raw mode
// sends the control keys as their ASCII control codes and the arrows and
// the editing block as ECMA-48 sequences (ESC [ ...).
const (
	keyCtrlA     = 0x01 // start of line
	keyCtrlB     = 0x02 // left
	keyCtrlC     = 0x03 // drop the line
	keyCtrlD     = 0x04 // delete under the cursor
	keyCtrlE     = 0x05 // end of line
	keyCtrlF     = 0x06 // right
	keyBackspace = 0x08
	keyTab       = 0x09
	keyLF        = 0x0a
	keyCtrlK     = 0x0b // kill to the end of the line
	keyCtrlL     = 0x0c // redraw
	keyCR        = 0x0d
	keyCtrlN     = 0x0e // next history entry
	keyCtrlP     = 0x10 // previous history entry
	keyCtrlU     = 0x15 // kill to the start of the line
	keyCtrlW     = 0x17 // kill the word before the cursor
	keyESC       = 0x1b
	keyDEL       = 0x7f // what most terminals send for Backspace
)

// eraseToEnd is ECMA-48 EL (erase in line) with its default argument: from
// the cursor to the end of the line.
const eraseToEnd = "\x1b[K"

// ErrInterrupted is returned by ReadLine when the person pressed Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// Editor reads one line at a time from a terminal in raw mode, echoing and
// editing it in place: the cursor keys, Home and End, Backspace and Delete,
// the Emacs keys Ctrl-A, E, B, F, D, K, U and W, history with Up and Down
// (or Ctrl-P and Ctrl-N), and completion with Tab.
//
// The editor draws with backspaces and the erase-to-end sequence only: it
// never moves the cursor up and never prints the prompt again, except after
// listing completions.
type Editor struct {
	in  func() (byte, error)
	out io.Writer

	// Complete returns the candidates for the word being typed, given the
	// line up to the cursor and that word. Nil disables completion.
	Complete func(line, word string) []string

	history History

	buf    []rune
	pos    int
	prompt string
}

// NewEditor returns an editor that reads keys with in and draws on out.
func NewEditor(in func() (byte, error), out io.Writer) *Editor {
	return &Editor{in: in, out: out, history: History{Max: DefaultHistory}}
}

// History returns the editor's history.
func (e *Editor) History() *History { return &e.history }

// ReadLine prints prompt and returns the line typed up to Enter, without
// the line end. Ctrl-C returns ErrInterrupted; a failed read returns its
// error. Non-empty lines are added to the history.
func (e *Editor) ReadLine(prompt string) (string, error) {
	e.prompt = prompt
	e.buf, e.pos = e.buf[:0], 0
	e.history.Reset()
	io.WriteString(e.out, prompt)
	for {
		b, err := e.in()
		if err != nil {
			return "", err
		}
		switch b {
		case keyCR, keyLF:
			io.WriteString(e.out, "\n")
			line := string(e.buf)
			e.history.Add(line)
			return line, nil
		case keyCtrlC:
			io.WriteString(e.out, "^C\n")
			return "", ErrInterrupted
		case keyCtrlA:
			e.moveTo(0)
		case keyCtrlE:
			e.moveTo(len(e.buf))
		case keyCtrlB:
			e.moveTo(e.pos - 1)
		case keyCtrlF:
			e.moveTo(e.pos + 1)
		case keyBackspace, keyDEL:
			if e.pos > 0 {
				e.edit(cut(e.buf, e.pos-1, e.pos), e.pos-1)
			}
		case keyCtrlD:
			e.deleteForward()
		case keyCtrlK:
			e.edit(e.buf[:e.pos], e.pos)
		case keyCtrlU:
			e.edit(e.buf[e.pos:], 0)
		case keyCtrlW:
			start := wordStart(e.buf, e.pos)
			e.edit(cut(e.buf, start, e.pos), start)
		case keyCtrlP:
			e.recall(e.history.Prev(string(e.buf)))
		case keyCtrlN:
			e.recall(e.history.Next(string(e.buf)))
		case keyCtrlL:
			io.WriteString(e.out, "\n"+e.prompt+string(e.buf)+strings.Repeat("\b", len(e.buf)-e.pos))
		case keyTab:
			e.complete()
		case keyESC:
			if err := e.escape(); err != nil {
				return "", err
			}
		default:
			if b >= ' ' && b < keyDEL {
				e.insert(rune(b))
			}
		}
	}
}

// escape handles the rest of an escape sequence: CSI (ESC [) or SS3
// (ESC O) followed by the key's code.
func (e *Editor) escape() error {
	b, err := e.in()
	if err != nil {
		return err
	}
	if b != '[' && b != 'O' {
		return nil
	}
	// Parameter bytes, then one final byte (ECMA-48 5.4).
	var param []byte
	for {
		b, err = e.in()
		if err != nil {
			return err
		}
		if b >= 0x40 && b <= 0x7e {
			break
		}
		param = append(param, b)
	}
	switch {
	case b == 'A':
		e.recall(e.history.Prev(string(e.buf)))
	case b == 'B':
		e.recall(e.history.Next(string(e.buf)))
	case b == 'C':
		e.moveTo(e.pos + 1)
	case b == 'D':
		e.moveTo(e.pos - 1)
	case b == 'H':
		e.moveTo(0)
	case b == 'F':
		e.moveTo(len(e.buf))
	case b == '~':
		// VT220 editing keys: 1 and 7 Home, 4 and 8 End, 3 Delete.
		switch string(param) {
		case "1", "7":
			e.moveTo(0)
		case "4", "8":
			e.moveTo(len(e.buf))
		case "3":
			e.deleteForward()
		}
	}
	return nil
}

func (e *Editor) deleteForward() {
	if e.pos < len(e.buf) {
		e.edit(cut(e.buf, e.pos, e.pos+1), e.pos)
	}
}

func (e *Editor) insert(r rune) {
	next := make([]rune, 0, len(e.buf)+1)
	next = append(append(append(next, e.buf[:e.pos]...), r), e.buf[e.pos:]...)
	e.edit(next, e.pos+1)
}

// recall replaces the line with a history entry, the cursor at its end.
func (e *Editor) recall(line string, ok bool) {
	if ok {
		r := []rune(line)
		e.edit(r, len(r))
	}
}

// moveTo moves the cursor within the line.
func (e *Editor) moveTo(pos int) {
	pos = max(0, min(pos, len(e.buf)))
	if pos < e.pos {
		io.WriteString(e.out, strings.Repeat("\b", e.pos-pos))
	} else if pos > e.pos {
		io.WriteString(e.out, string(e.buf[e.pos:pos]))
	}
	e.pos = pos
}

// edit replaces the line with next and puts the cursor at pos, redrawing
// only from the first rune that changed.
func (e *Editor) edit(next []rune, pos int) {
	same := 0
	for same < len(next) && same < len(e.buf) && next[same] == e.buf[same] {
		same++
	}
	var b strings.Builder
	if same < e.pos {
		b.WriteString(strings.Repeat("\b", e.pos-same))
	} else {
		same = e.pos
		if same > len(next) {
			same = len(next)
		}
	}
	b.WriteString(string(next[same:]))
	if len(next) < len(e.buf) {
		b.WriteString(eraseToEnd)
	}
	b.WriteString(strings.Repeat("\b", len(next)-pos))
	io.WriteString(e.out, b.String())
	e.buf = append(e.buf[:0], next...)
	e.pos = pos
}

// complete extends the word before the cursor to the longest prefix its
// candidates share; with one candidate it also adds a space. When there is
// nothing to add and several candidates, it lists them and draws the line
// again under the list.
func (e *Editor) complete() {
	if e.Complete == nil {
		return
	}
	start := wordStart(e.buf, e.pos)
	for start < e.pos && e.buf[start] == ' ' {
		start++
	}
	word := string(e.buf[start:e.pos])
	cands := e.Complete(string(e.buf[:e.pos]), word)
	if len(cands) == 0 {
		return
	}
	ext := commonPrefix(cands)
	if len(cands) == 1 {
		ext += " "
	}
	if add := []rune(strings.TrimPrefix(ext, word)); len(add) > 0 && strings.HasPrefix(ext, word) {
		for _, r := range add {
			e.insert(r)
		}
		return
	}
	io.WriteString(e.out, "\n"+strings.Join(cands, "  ")+"\n"+e.prompt+string(e.buf)+strings.Repeat("\b", len(e.buf)-e.pos))
}

func commonPrefix(words []string) string {
	p := words[0]
	for _, w := range words[1:] {
		for !strings.HasPrefix(w, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// wordStart returns where the word before pos begins, skipping spaces
// between it and pos as Ctrl-W does.
func wordStart(buf []rune, pos int) int {
	i := pos
	for i > 0 && buf[i-1] == ' ' {
		i--
	}
	for i > 0 && buf[i-1] != ' ' {
		i--
	}
	return i
}

// cut returns a copy of buf without buf[i:j].
func cut(buf []rune, i, j int) []rune {
	out := make([]rune, 0, len(buf)-(j-i))
	return append(append(out, buf[:i]...), buf[j:]...)
}
