package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Prompt is printed before each command line.
const Prompt = "clk> "

// stopGrace is how long the shell waits for a pipeline it told to stop
// before it gives the prompt back and leaves the pipeline as a job.
const stopGrace = 2 * time.Second

// Shell reads command lines from a terminal and runs each as a pipeline of
// actors.
type Shell struct {
	sys  System
	term *terminal
	keys chan byte // from the terminal, read by one goroutine
	ed   *Editor
	cmds map[string]Command
	// batch is how many lines a pipeline message carries: BatchLines,
	// except in the benchmarks that compare sizes.
	batch int

	// typeahead holds keys typed while a foreground job ran, for the
	// next line.
	typeahead []byte
	readErr   error

	mu   sync.Mutex // guards jobs
	jobs []*Job
}

// terminal serialises writes from the actors of every job.
type terminal struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *terminal) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.w.Write(b)
}

// New returns a shell that reads keys from in and writes to out, with the
// standard commands on sys.
func New(in io.ByteReader, out io.Writer, sys System) *Shell {
	s := &Shell{sys: sys, term: &terminal{w: out}, keys: make(chan byte, 256), cmds: make(map[string]Command), batch: BatchLines}
	s.ed = NewEditor(s.key, s.term)
	s.ed.Complete = s.complete
	for _, c := range s.commands() {
		s.cmds[c.Name] = c
	}
	go s.readKeys(in)
	return s
}

// readKeys moves keys from the terminal to the shell, so that the shell can
// wait for a key and for a job at once.
func (s *Shell) readKeys(in io.ByteReader) {
	for {
		b, err := in.ReadByte()
		if err != nil {
			s.readErr = err
			close(s.keys)
			return
		}
		s.keys <- b
	}
}

// key returns the next key for the editor: typeahead first.
func (s *Shell) key() (byte, error) {
	if len(s.typeahead) > 0 {
		b := s.typeahead[0]
		s.typeahead = s.typeahead[1:]
		return b, nil
	}
	b, ok := <-s.keys
	if !ok {
		return 0, fmt.Errorf("read terminal: %w", s.readErr)
	}
	return b, nil
}

func (s *Shell) commands() []Command {
	cmds := append(textCommands(), systemCommands()...)
	cmds = append(cmds, fileCommands()...)
	cmds = append(cmds, networkCommands()...)
	cmds = append(cmds, moduleCommands()...)
	cmds = append(cmds, supervisorCommands()...)
	cmds = append(cmds, s.jobCommands()...)
	cmds = append(cmds, s.spawnCommands()...)
	cmds = append(cmds, programCommands()...)
	return append(cmds, Command{Name: "help", Usage: "help [COMMAND]", Help: "list the commands, or explain one", Run: s.help})
}

// Serve prompts, reads lines and runs them until the terminal's input ends.
func (s *Shell) Serve() error {
	for {
		s.reportDone()
		line, err := s.ed.ReadLine(Prompt)
		if errors.Is(err, ErrInterrupted) {
			continue
		}
		if err != nil {
			return err
		}
		s.Run(line)
	}
}

// Run runs one command line, printing errors as one line each, and returns
// when a foreground pipeline has ended (or was stopped).
func (s *Shell) Run(text string) {
	line, err := Parse(text)
	if err != nil {
		s.printf("%v\n", err)
		return
	}
	if len(line.Stages) == 0 {
		return
	}
	if line.Stages[0][0] == "fg" && len(line.Stages) == 1 && !line.Background && line.Redirect == "" {
		s.fg(line.Stages[0][1:])
		return
	}
	j, err := s.start(strings.TrimSpace(text), line, nil)
	if err != nil {
		s.printf("%v\n", err)
		return
	}
	if line.Background {
		s.printf("[%d] %s\n", j.ID, j.actorIDs())
		return
	}
	s.wait(j)
}

func (s *Shell) printf(format string, args ...any) {
	fmt.Fprintf(s.term, format, args...)
}

// wait waits for a foreground job, reading the terminal meanwhile: Ctrl-C
// stops the job, other keys are kept for the next line.
func (s *Shell) wait(j *Job) {
	for {
		select {
		case <-j.done:
			s.finish(j)
			return
		case b, ok := <-s.keys:
			if !ok {
				<-j.done
				s.finish(j)
				return
			}
			if b != keyCtrlC {
				s.typeahead = append(s.typeahead, b)
				continue
			}
			s.printf("^C\n")
			j.Kill()
			select {
			case <-j.done:
				s.finish(j)
			case <-time.After(stopGrace):
				s.toBackground(j)
				s.printf("[%d] does not stop; left running as a job (kill %%%d)\n", j.ID, j.ID)
			}
			return
		}
	}
}

// finish removes a finished foreground job and prints its time if asked.
func (s *Shell) finish(j *Job) {
	s.remove(j)
	if j.Line.Timed {
		s.printf("real %.3fs\n", j.elapsed().Seconds())
	}
}

// reportDone prints and removes the background jobs that have ended,
// except spawned ones.
func (s *Shell) reportDone() {
	s.mu.Lock()
	var done []*Job
	for _, j := range s.jobs {
		// A spawned job stays until recv has taken all its output.
		if j.isBackground() && j.ended() && j.box == nil {
			done = append(done, j)
		}
	}
	s.mu.Unlock()
	for _, j := range done {
		s.remove(j)
		s.printf("[%d] done  %s\n", j.ID, j.Text)
		if j.Line.Timed {
			s.printf("real %.3fs\n", j.elapsed().Seconds())
		}
	}
}
