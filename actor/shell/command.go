package shell

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Command is one thing the shell can run. Each run of it is an actor: one
// stage of a pipeline.
type Command struct {
	Name  string
	Usage string // the synopsis, as "head [-n N]"
	Help  string // one line
	// Run does the command's work: it reads lines with p.Recv, writes
	// them with p.Println and returns when done. A *UsageError is printed
	// with the usage line; other errors are printed as they are.
	Run func(p *Stage) error
	// Preemptible lets a kill interrupt Run wherever it runs, as it must
	// for a loop without calls (spin). Other commands run as
	// actor.Context.Critical: they may take the kernel's and the shell's
	// locks, and a kill stops them where they look (Recv, Println,
	// Flush, Sleep, Stopped) or where they block on their actor.
	Preemptible bool
}

// ErrUnknownCommand is the cause of the error for a command name the shell
// does not have.
var ErrUnknownCommand = errors.New("unknown command")

// lookup returns the named command. A name that is no command of the
// shell but a program of /bin (on a System with Programs) runs that
// program, as run NAME would: the shell finds programs as a Unix shell
// finds them on its path.
func (s *Shell) lookup(name string) (Command, error) {
	c, ok := s.cmds[name]
	if ok {
		return c, nil
	}
	if _, isProgs := s.sys.(Programs); isProgs && validProgramName(name) {
		if info, err := fs.Stat(s.sys.Files(), "bin/"+name); err == nil && !info.IsDir() {
			return Command{
				Name:  name,
				Usage: name + " [ARG...]",
				Help:  "the program /bin/" + name,
				Run: func(p *Stage) error {
					p.Args = append([]string{name}, p.Args...)
					return run(p)
				},
			}, nil
		}
	}
	return Command{}, fmt.Errorf("%s: %w (try help)", name, ErrUnknownCommand)
}

// validProgramName reports whether name can name a program of /bin: one
// path element, not an option.
func validProgramName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00") && !strings.HasPrefix(name, "-")
}

// names returns the command names, sorted, with the shell keywords.
func (s *Shell) names() []string {
	names := []string{"time"}
	for n := range s.cmds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// complete offers the command names that start with word when word is the
// first word of a pipeline stage (or follows time), and nothing otherwise.
func (s *Shell) complete(line, word string) []string {
	before := strings.TrimSpace(strings.TrimSuffix(line, word))
	if i := strings.LastIndexByte(before, '|'); i >= 0 {
		before = strings.TrimSpace(before[i+1:])
	}
	if before != "" && before != "time" {
		return nil
	}
	var out []string
	for _, n := range s.names() {
		if strings.HasPrefix(n, word) {
			out = append(out, n)
		}
	}
	return out
}

func (s *Shell) help(p *Stage) error {
	if len(p.Args) > 1 {
		return usagef("want at most one command name")
	}
	if len(p.Args) == 1 {
		name := p.Args[0]
		if name == "time" {
			return p.Println("time PIPELINE: run the pipeline and print how long it took")
		}
		c, err := s.lookup(name)
		if err != nil {
			return err
		}
		return p.Printf("%s: %s", c.Usage, c.Help)
	}
	for _, n := range s.names() {
		help := "run a pipeline and print how long it took"
		if c, ok := s.cmds[n]; ok {
			help = c.Help
		}
		if err := p.Printf("  %-9s %s", n, help); err != nil {
			return err
		}
	}
	return p.Println("a | b runs a and b as actors connected by a mailbox; cmd > FILE (>> FILE) writes (appends) its output to FILE; cmd & runs in the background; Ctrl-C stops the foreground; spawn cmd runs it in the background with send, close and recv as its input and output")
}
