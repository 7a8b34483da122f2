package console

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Prompt is printed before each line.
const Prompt = "clk> "

// Command is one thing the prompt can run.
type Command struct {
	Name string
	Help string // one line
	// Run does the work, writing its output to out. Args excludes the
	// command name.
	Run func(out io.Writer, args []string) error
}

// ErrExit ends Serve when a command returns it.
var ErrExit = errors.New("exit")

// Console runs commands read from a terminal.
type Console struct {
	in   io.ByteReader
	out  io.Writer
	cmds map[string]Command
}

// New returns a console on a terminal with the given commands; "help" is
// added.
func New(in io.ByteReader, out io.Writer, cmds []Command) *Console {
	c := &Console{in: in, out: out, cmds: make(map[string]Command)}
	for _, cmd := range cmds {
		c.cmds[cmd.Name] = cmd
	}
	c.cmds["help"] = Command{Name: "help", Help: "list the commands", Run: c.help}
	return c
}

func (c *Console) help(out io.Writer, args []string) error {
	names := make([]string, 0, len(c.cmds))
	for n := range c.cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(out, "  %-10s %s\n", n, c.cmds[n].Help)
	}
	return nil
}

// Serve prompts, reads lines and runs them until a command returns ErrExit
// or the input ends.
func (c *Console) Serve() error {
	for {
		io.WriteString(c.out, Prompt)
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if err := c.Run(line); errors.Is(err, ErrExit) {
			return nil
		}
	}
}

// Run runs one command line, printing any error as one line.
func (c *Console) Run(line string) error {
	args := strings.Fields(line)
	if len(args) == 0 {
		return nil
	}
	cmd, ok := c.cmds[args[0]]
	if !ok {
		fmt.Fprintf(c.out, "%s: unknown command (try help)\n", args[0])
		return nil
	}
	err := cmd.Run(c.out, args[1:])
	if err != nil && !errors.Is(err, ErrExit) {
		fmt.Fprintf(c.out, "%s: %v\n", args[0], err)
	}
	return err
}

// Terminal control characters.
const (
	ctrlC     = 0x03
	ctrlU     = 0x15
	backspace = 0x08
	del       = 0x7f
)

// readLine reads up to a carriage return or newline, echoing as a terminal
// in raw mode expects.
func (c *Console) readLine() (string, error) {
	var buf []byte
	for {
		b, err := c.in.ReadByte()
		if err != nil {
			return "", err
		}
		switch {
		case b == '\r' || b == '\n':
			io.WriteString(c.out, "\n")
			return string(buf), nil
		case b == backspace || b == del:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				io.WriteString(c.out, "\b \b")
			}
		case b == ctrlU:
			io.WriteString(c.out, strings.Repeat("\b \b", len(buf)))
			buf = buf[:0]
		case b == ctrlC:
			io.WriteString(c.out, "^C\n")
			return "", nil
		case b >= ' ' && b < del:
			buf = append(buf, b)
			c.out.Write([]byte{b})
		}
	}
}
