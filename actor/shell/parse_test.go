package shell

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSplitsPipelinesAndQuotes(t *testing.T) {
	cases := []struct {
		in   string
		want Line
	}{
		{"", Line{}},
		{"  ", Line{}},
		{"echo a  b", Line{Stages: [][]string{{"echo", "a", "b"}}}},
		{"seq 1 10|grep 7 | wc -l", Line{Stages: [][]string{{"seq", "1", "10"}, {"grep", "7"}, {"wc", "-l"}}}},
		{"spin &", Line{Stages: [][]string{{"spin"}}, Background: true}},
		{"spin&", Line{Stages: [][]string{{"spin"}}, Background: true}},
		{`echo 'a | b' "c \" d" e\ f ''`, Line{Stages: [][]string{{"echo", "a | b", `c " d`, "e f", ""}}}},
		{"time yes | head", Line{Stages: [][]string{{"yes"}, {"head"}}, Timed: true}},
		{"seq 3 > /tmp/n", Line{Stages: [][]string{{"seq", "3"}}, Redirect: "/tmp/n"}},
		{"seq 3>n", Line{Stages: [][]string{{"seq", "3"}}, Redirect: "n"}},
		{"echo a >> log", Line{Stages: [][]string{{"echo", "a"}}, Redirect: "log", Append: true}},
		{"yes | head -n 2 > 'two lines' &", Line{Stages: [][]string{{"yes"}, {"head", "-n", "2"}}, Redirect: "two lines", Background: true}},
		{"time seq 9 >>f&", Line{Stages: [][]string{{"seq", "9"}}, Redirect: "f", Append: true, Background: true, Timed: true}},
		{`echo '>' "a > b" c\>d`, Line{Stages: [][]string{{"echo", ">", "a > b", "c>d"}}}},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestParseRejectsBrokenLines(t *testing.T) {
	for _, in := range []string{"| wc", "seq 1 |", "a || b", "&", "a & b", "echo 'open", `echo "open`, `echo \`, "time", "time &",
		// Redirections: a file, once, after the last stage.
		"echo >", "echo > &", "echo >> ", "echo > ''", "> f", "seq 1 | > f", "echo > a > b", "echo > a >> b", "echo >>> f",
		"echo > > f", "seq 1 > f | wc", "seq 1 > | wc", "echo a > f b", "echo a & > f", "time > f"} {
		if _, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): err %v, want a syntax error", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"seq 1 10 | grep 7 | wc -l", "spin &", `echo 'a' "b\"" c\ d`, "time x|y&", "a | b >> 'f g' &", `echo \> ">"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line, err := Parse(s)
		if err != nil {
			return
		}
		for _, st := range line.Stages {
			if len(st) == 0 {
				t.Fatalf("Parse(%q) has an empty stage", s)
			}
		}
		if line.Background && len(line.Stages) == 0 {
			t.Fatalf("Parse(%q) is a background line without a command", s)
		}
		if line.Redirect == "" && line.Append {
			t.Fatalf("Parse(%q) appends to no file", s)
		}
		if line.Redirect != "" && len(line.Stages) == 0 {
			t.Fatalf("Parse(%q) redirects the output of no command", s)
		}
		if !strings.ContainsRune(s, '>') && line.Redirect != "" {
			t.Fatalf("Parse(%q) redirects without a '>'", s)
		}
	})
}
