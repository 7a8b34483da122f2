package shell

import (
	"errors"
	"fmt"
	"strings"
)

// Line is a parsed command line: a pipeline of commands, maybe timed, maybe
// in the background, maybe with its output sent to a file.
type Line struct {
	Stages     [][]string // each stage's words, the command name first
	Background bool       // ends with &
	Timed      bool       // starts with the keyword time
	// Redirect is the file that takes the pipeline's output ("> FILE"),
	// "" when the output goes to the terminal. Append says ">>": add to
	// the file rather than truncate it.
	Redirect string
	Append   bool
}

// ErrSyntax is the cause of every parse error.
var ErrSyntax = errors.New("syntax error")

// Where a line is with its redirection, as Parse reads it.
const (
	noRedirect = iota
	wantFile   // a '>' waits for its file
	redirected // the file is known: only '&' may follow
)

// Parse splits a command line into the stages of a pipeline. Words are
// separated by spaces and tabs; single quotes keep everything up to the
// next single quote, double quotes everything up to the next double quote
// except that a backslash escapes the next character, and outside quotes a
// backslash escapes the next character. "|" separates stages and a final
// "&" runs the line in the background. "> FILE" or ">> FILE" after the
// last stage (before a final "&") sends the pipeline's output to FILE,
// truncated or appended to; a line has at most one. A quoted or escaped
// ">" is an ordinary character. A leading "time" times the whole
// pipeline. An empty line parses to a Line with no stages.
func Parse(s string) (Line, error) {
	var (
		line    Line
		stage   []string
		word    strings.Builder
		have    bool // a word is open, maybe empty ('')
		redir   = noRedirect
		redirAt int // the column of the '>'
	)
	noFile := func() error {
		return fmt.Errorf("%w near '>' at column %d: the file is missing", ErrSyntax, redirAt)
	}
	// endWord ends the open word: the next word of the stage, or the
	// file a '>' waits for.
	endWord := func() error {
		if !have {
			return nil
		}
		w := word.String()
		word.Reset()
		have = false
		switch redir {
		case wantFile:
			if w == "" {
				return fmt.Errorf("%w near '>' at column %d: the file name is empty", ErrSyntax, redirAt)
			}
			line.Redirect, redir = w, redirected
		case redirected:
			return fmt.Errorf("%w near '>' at column %d: '> FILE' must end the pipeline", ErrSyntax, redirAt)
		default:
			stage = append(stage, w)
		}
		return nil
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if line.Background {
			if r != ' ' && r != '\t' {
				return Line{}, fmt.Errorf("%w at column %d: '&' must end the line", ErrSyntax, i+1)
			}
			continue
		}
		switch r {
		case ' ', '\t':
			if err := endWord(); err != nil {
				return Line{}, err
			}
		case '|':
			if err := endWord(); err != nil {
				return Line{}, err
			}
			switch {
			case redir == wantFile:
				return Line{}, noFile()
			case redir == redirected:
				return Line{}, fmt.Errorf("%w near '>' at column %d: only the last command of a pipeline may be redirected", ErrSyntax, redirAt)
			case len(stage) == 0:
				return Line{}, fmt.Errorf("%w near '|' at column %d: a command is missing", ErrSyntax, i+1)
			}
			line.Stages = append(line.Stages, stage)
			stage = nil
		case '&':
			if err := endWord(); err != nil {
				return Line{}, err
			}
			if redir == wantFile {
				return Line{}, noFile()
			}
			if len(stage) == 0 {
				return Line{}, fmt.Errorf("%w near '&' at column %d: a command is missing", ErrSyntax, i+1)
			}
			line.Background = true
		case '>':
			if err := endWord(); err != nil {
				return Line{}, err
			}
			switch {
			case redir == wantFile:
				return Line{}, noFile()
			case redir == redirected:
				return Line{}, fmt.Errorf("%w at column %d: a second redirection", ErrSyntax, i+1)
			case len(stage) == 0:
				return Line{}, fmt.Errorf("%w near '>' at column %d: a command is missing", ErrSyntax, i+1)
			}
			redir, redirAt = wantFile, i+1
			if i+1 < len(rs) && rs[i+1] == '>' {
				line.Append = true
				i++
			}
		case '\\':
			if i+1 == len(rs) {
				return Line{}, fmt.Errorf("%w: the line ends in a backslash", ErrSyntax)
			}
			i++
			word.WriteRune(rs[i])
			have = true
		case '\'', '"':
			have = true
			j := i + 1
			for ; j < len(rs) && rs[j] != r; j++ {
				if r == '"' && rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				word.WriteRune(rs[j])
			}
			if j == len(rs) {
				return Line{}, fmt.Errorf("%w: %c at column %d is not closed", ErrSyntax, r, i+1)
			}
			i = j
		default:
			word.WriteRune(r)
			have = true
		}
	}
	if err := endWord(); err != nil {
		return Line{}, err
	}
	if redir == wantFile {
		return Line{}, noFile()
	}
	if len(stage) == 0 {
		if len(line.Stages) > 0 {
			return Line{}, fmt.Errorf("%w: the line ends in '|'", ErrSyntax)
		}
		if line.Background {
			return Line{}, fmt.Errorf("%w: '&' without a command", ErrSyntax)
		}
		return line, nil
	}
	line.Stages = append(line.Stages, stage)
	if first := line.Stages[0]; first[0] == "time" {
		line.Timed = true
		if len(first) == 1 {
			return Line{}, fmt.Errorf("%w: time needs a command", ErrSyntax)
		}
		line.Stages[0] = first[1:]
	}
	return line, nil
}
