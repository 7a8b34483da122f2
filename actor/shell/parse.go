package shell

import (
	"errors"
	"fmt"
	"strings"
)

// Line is a parsed command line: a pipeline of commands, maybe timed, maybe
// in the background.
type Line struct {
	Stages     [][]string // each stage's words, the command name first
	Background bool       // ends with &
	Timed      bool       // starts with the keyword time
}

// ErrSyntax is the cause of every parse error.
var ErrSyntax = errors.New("syntax error")

// Parse splits a command line into the stages of a pipeline. Words are
// separated by spaces and tabs; single quotes keep everything up to the
// next single quote, double quotes everything up to the next double quote
// except that a backslash escapes the next character, and outside quotes a
// backslash escapes the next character. "|" separates stages and a final
// "&" runs the line in the background. A leading "time" times the whole
// pipeline. An empty line parses to a Line with no stages.
func Parse(s string) (Line, error) {
	var (
		line  Line
		stage []string
		word  strings.Builder
		have  bool // a word is open, maybe empty ('')
	)
	endWord := func() {
		if have {
			stage = append(stage, word.String())
			word.Reset()
			have = false
		}
	}
	endStage := func(at int) error {
		endWord()
		if len(stage) == 0 {
			return fmt.Errorf("%w near '|' at column %d: a command is missing", ErrSyntax, at+1)
		}
		line.Stages = append(line.Stages, stage)
		stage = nil
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
			endWord()
		case '|':
			if err := endStage(i); err != nil {
				return Line{}, err
			}
		case '&':
			endWord()
			if len(stage) == 0 {
				return Line{}, fmt.Errorf("%w near '&' at column %d: a command is missing", ErrSyntax, i+1)
			}
			line.Background = true
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
	endWord()
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
