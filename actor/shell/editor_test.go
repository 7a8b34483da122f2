package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// editLines types keys into an editor and returns the lines it read.
func editLines(t *testing.T, keys string, complete func(line, word string) []string) ([]string, string) {
	t.Helper()
	r := strings.NewReader(keys)
	var out bytes.Buffer
	e := NewEditor(r.ReadByte, &out)
	e.Complete = complete
	var lines []string
	for {
		line, err := e.ReadLine("> ")
		if errors.Is(err, io.EOF) {
			return lines, out.String()
		}
		if errors.Is(err, ErrInterrupted) {
			lines = append(lines, "^C")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
}

const (
	left  = "\x1b[D"
	right = "\x1b[C"
	up    = "\x1b[A"
	down  = "\x1b[B"
	home  = "\x1b[H"
	end   = "\x1b[F"
	del   = "\x1b[3~"
)

func TestEditingKeysChangeTheLineAtTheCursor(t *testing.T) {
	cases := []struct{ keys, want string }{
		{"abc\r", "abc"},
		{"ac" + left + "b\r", "abc"},
		{"bc" + home + "a" + end + "d\r", "abcd"},
		{"bc\x01a\x05d\r", "abcd"},
		{"abxc" + left + "\x7f\r", "abc"},
		{"abxc" + left + left + del + "\r", "abc"},
		{"abxc" + left + left + "\x04\r", "abc"},
		{"junk\x15abc\r", "abc"},
		{"abc junk" + left + left + left + left + "\x0b\r", "abc "},
		{"abc junk\x17\r", "abc "},
		{"abc  junk  \x17\r", "abc  "},
		{"ab" + left + left + left + right + right + right + "c\r", "abc"},
		{"a\x1bOHb\x1b[4~c\r", "bac"},
		{"abc\x08\x08\r", "a"},
	}
	for _, c := range cases {
		lines, _ := editLines(t, c.keys, nil)
		if len(lines) != 1 || lines[0] != c.want {
			t.Errorf("keys %q: lines %q, want [%q]", c.keys, lines, c.want)
		}
	}
}

func TestCtrlCDropsTheLine(t *testing.T) {
	lines, out := editLines(t, "half\x03whole\r", nil)
	if strings.Join(lines, ",") != "^C,whole" {
		t.Errorf("lines %q", lines)
	}
	if !strings.Contains(out, "half^C\n> whole\n") {
		t.Errorf("output %q", out)
	}
}

func TestHistoryRecallsEarlierLinesAndKeepsTheDraft(t *testing.T) {
	keys := "one\rtwo\rtwo\r\r" +
		up + "\r" + // two
		up + up + "\r" + // one (the repeated two is kept once)
		"dra" + up + down + "ft\r" + // the draft comes back
		up + up + up + up + up + down + "\r" // oldest is one; down to two
	lines, _ := editLines(t, keys, nil)
	want := []string{"one", "two", "two", "", "two", "one", "draft", "two"}
	if strings.Join(lines, ",") != strings.Join(want, ",") {
		t.Errorf("lines %q, want %q", lines, want)
	}
}

func TestHistoryKeepsAtMostMax(t *testing.T) {
	h := History{Max: 2}
	for _, l := range []string{"a", "b", "c"} {
		h.Add(l)
	}
	if got := strings.Join(h.Lines(), ","); got != "b,c" {
		t.Errorf("history %q, want b,c", got)
	}
}

func TestTabCompletesUniqueAndCommonPrefixes(t *testing.T) {
	words := []string{"echo", "exit", "sort", "seq", "sleep"}
	complete := func(line, word string) []string {
		var out []string
		for _, w := range words {
			if strings.HasPrefix(w, word) {
				out = append(out, w)
			}
		}
		return out
	}
	lines, out := editLines(t, "ec\tx\rs\t\to\t\r", complete)
	if len(lines) != 2 || lines[0] != "echo x" || lines[1] != "sort " {
		t.Errorf("lines %q", lines)
	}
	if !strings.Contains(out, "sort  seq  sleep\n> s") {
		t.Errorf("ambiguous completion did not list the candidates: %q", out)
	}
}

func TestRedrawLeavesTheScreenAsTheLine(t *testing.T) {
	// Replay the editor's output on a model terminal: the text shown must
	// be the line returned, whatever editing happened.
	keys := "hello world" + home + right + "E" + end + "\x17there" + left + left + "\x0b" + "\x01\x04\r"
	lines, out := editLines(t, keys, nil)
	var term modelTerminal
	term.Write([]byte(out))
	if term.bad != "" {
		t.Fatal(term.bad)
	}
	if len(term.rows) != 2 || term.rows[0] != "> "+lines[0] || term.rows[1] != "> " {
		t.Errorf("screen %q, line %q", term.rows, lines[0])
	}
}

// modelTerminal is a model of the part of a terminal the editor may use: it
// prints characters over what is under the cursor, moves left on
// backspace, erases to the end of the line on ECMA-48 EL ("\x1b[K"), and
// starts a new row on a newline. It has no line length limit and does not
// scroll. Anything else, or a backspace at the left margin, is recorded
// in bad.
type modelTerminal struct {
	rows []string // rows[len(rows)-1] is the cursor's row
	col  int
	bad  string
}

func (t *modelTerminal) Write(p []byte) (int, error) {
	if len(t.rows) == 0 {
		t.rows = []string{""}
	}
	for i := 0; i < len(p); i++ {
		row := []byte(t.rows[len(t.rows)-1])
		switch c := p[i]; {
		case bytes.HasPrefix(p[i:], []byte(eraseToEnd)):
			row = row[:t.col]
			i += len(eraseToEnd) - 1
		case c == '\b':
			if t.col == 0 {
				t.fail("backspace at the left margin")
				continue
			}
			t.col--
		case c == '\n':
			t.rows = append(t.rows, "")
			t.col = 0
			continue
		case c >= ' ' && c < keyDEL:
			if t.col == len(row) {
				row = append(row, c)
			} else {
				row[t.col] = c
			}
			t.col++
		default:
			t.fail(fmt.Sprintf("unexpected byte %q in %q", c, p))
			continue
		}
		t.rows[len(t.rows)-1] = string(row)
	}
	return len(p), nil
}

func (t *modelTerminal) fail(why string) {
	if t.bad == "" {
		t.bad = why
	}
}

// row returns the cursor's row.
func (t *modelTerminal) row() string { return t.rows[len(t.rows)-1] }

func FuzzEditor(f *testing.F) {
	for _, s := range []string{"abc\r", "ab" + left + "c" + home + "\x04\r", "x\x17\x15\x0b" + up + down + "\r", "\x1b[3~\x1b[1~\x1b[O\x1bx\t\r"} {
		f.Add(s)
	}
	// Before each key is read, the previous one has been handled: the
	// terminal's row must then show the prompt and the editor's line, with
	// the cursor on the editor's cursor.
	f.Fuzz(func(t *testing.T, keys string) {
		var term modelTerminal
		var e *Editor
		r := strings.NewReader(keys)
		read := func() (byte, error) {
			if term.bad != "" {
				t.Fatalf("keys %q: %s", keys, term.bad)
			}
			if want := "> " + string(e.buf); term.row() != want || term.col != 2+e.pos {
				t.Fatalf("keys %q: the terminal shows %q with the cursor at %d; the editor has %q at %d",
					keys, term.row(), term.col, want, 2+e.pos)
			}
			return r.ReadByte()
		}
		e = NewEditor(read, &term)
		e.Complete = func(line, word string) []string { return []string{word + "x", word + "y"} }
		for {
			line, err := e.ReadLine("> ")
			if err != nil && !errors.Is(err, ErrInterrupted) {
				return
			}
			for _, c := range line {
				if c < ' ' || c >= keyDEL {
					t.Fatalf("keys %q gave a line with %q: %q", keys, c, line)
				}
			}
			if err == nil && term.rows[len(term.rows)-2] != "> "+line {
				t.Fatalf("keys %q: returned %q but the terminal showed %q", keys, line, term.rows[len(term.rows)-2])
			}
		}
	})
}
