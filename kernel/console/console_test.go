package console

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func run(t *testing.T, input string, cmds []Command) string {
	t.Helper()
	var out bytes.Buffer
	err := New(strings.NewReader(input), &out, cmds).Serve()
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("Serve: %v", err)
	}
	return out.String()
}

func echo() Command {
	return Command{Name: "echo", Help: "print the arguments", Run: func(out io.Writer, args []string) error {
		io.WriteString(out, strings.Join(args, " ")+"\n")
		return nil
	}}
}

func TestLinesRunCommandsWithArguments(t *testing.T) {
	out := run(t, "echo a  b\r", []Command{echo()})
	if !strings.Contains(out, "clk> echo a  b\na b\nclk> ") {
		t.Errorf("output %q", out)
	}
}

func TestBackspaceAndKillLineEdit(t *testing.T) {
	out := run(t, "echo abx\x7fc\rjunk\x15echo ok\r", []Command{echo()})
	if !strings.Contains(out, "\nabc\n") || !strings.Contains(out, "\nok\n") || strings.Contains(out, "junk: unknown") {
		t.Errorf("output %q", out)
	}
}

func TestUnknownCommandIsOneLineError(t *testing.T) {
	out := run(t, "frobnicate\r", nil)
	if !strings.Contains(out, "frobnicate: unknown command (try help)\n") {
		t.Errorf("output %q", out)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	out := run(t, "help\r", []Command{echo()})
	for _, want := range []string{"echo", "help", "print the arguments"} {
		if !strings.Contains(out, want) {
			t.Errorf("help output %q lacks %q", out, want)
		}
	}
}

func TestCommandErrorsArePrintedAndExitEnds(t *testing.T) {
	cmds := []Command{
		{Name: "fail", Run: func(io.Writer, []string) error { return errors.New("bad argument") }},
		{Name: "bye", Run: func(io.Writer, []string) error { return ErrExit }},
	}
	out := run(t, "fail\rbye\recho never\r", cmds)
	if !strings.Contains(out, "fail: bad argument\n") {
		t.Errorf("output %q", out)
	}
	if strings.Contains(out, "never") {
		t.Errorf("a line after exit ran: %q", out)
	}
}
