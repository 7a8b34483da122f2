package shell

import (
	"errors"
	"reflect"
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
	for _, in := range []string{"| wc", "seq 1 |", "a || b", "&", "a & b", "echo 'open", `echo "open`, `echo \`, "time", "time &"} {
		if _, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): err %v, want a syntax error", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"seq 1 10 | grep 7 | wc -l", "spin &", `echo 'a' "b\"" c\ d`, "time x|y&"} {
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
	})
}
