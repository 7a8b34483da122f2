package shell

import (
	"bytes"
	"errors"
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
	// Replay the editor's output on a one-line screen: the text shown must
	// be the line returned, whatever editing happened.
	keys := "hello world" + home + right + "E" + end + "\x17there" + left + left + "\x0b" + "\x01\x04\r"
	lines, out := editLines(t, keys, nil)
	if got := screen(strings.TrimSuffix(out, "\n> ")); got != "> "+lines[0] {
		t.Errorf("screen %q, line %q", got, lines[0])
	}
}

// screen interprets printable characters, backspace and erase-to-end.
func screen(out string) string {
	var line []byte
	pos := 0
	for i := 0; i < len(out); i++ {
		switch {
		case strings.HasPrefix(out[i:], eraseToEnd):
			line = line[:pos]
			i += len(eraseToEnd) - 1
		case out[i] == '\b':
			pos--
		default:
			if pos == len(line) {
				line = append(line, out[i])
			} else {
				line[pos] = out[i]
			}
			pos++
		}
	}
	return string(line)
}

func FuzzEditor(f *testing.F) {
	for _, s := range []string{"abc\r", "ab" + left + "c" + home + "\x04\r", "x\x17\x15\x0b" + up + down + "\r", "\x1b[3~\x1b[1~\x1b[O\x1bx\t\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, keys string) {
		r := strings.NewReader(keys)
		e := NewEditor(r.ReadByte, io.Discard)
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
			if e.pos < 0 || e.pos > len(e.buf) {
				t.Fatalf("keys %q left the cursor at %d of %d", keys, e.pos, len(e.buf))
			}
		}
	})
}
