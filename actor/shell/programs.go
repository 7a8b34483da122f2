package shell

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"clk/actor"
)

// Programs is what a System that runs ring-3 programs offers the shell:
// run, caps, and the processes in ps. A System without it has none.
type Programs interface {
	// StartProgram starts the program name of the initrd's /bin with
	// args (args[0] is name).
	StartProgram(name string, args []string, opt ProgramOptions) (Program, error)
	// Processes lists the processes that run.
	Processes() []ProcessInfo
	// Handles lists the handles of process pid.
	Handles(pid uint64) ([]HandleInfo, error)
}

// Program is a running program as run drives it: an actor whose mailbox
// is a channel. Input lines go to the program as messages on its first
// handle; what it writes to its console and the messages it sends back
// come out of Output.
type Program interface {
	PID() uint64
	// Send passes a batch of input lines (each ended by a newline).
	Send(batch string) error
	// CloseInput tells the program that no more input comes.
	CloseInput()
	// Output yields the program's output in pieces, not necessarily
	// whole lines; it is closed once the program has ended and all of
	// it has been read.
	Output() <-chan string
	// Kill ends the program and the programs it started.
	Kill()
	// Wait waits for the program to end and returns its exit status and,
	// when the kernel killed it, the kernel's report, which the program's
	// console has shown too.
	Wait() (status int, report string)
}

// ProgramOptions are what run gives a program: limits, where a zero field
// leaves the kernel's default, and client channels to module services.
type ProgramOptions struct {
	Memory   uint64 // bytes
	Threads  int
	Children int
	// Services names module services the program gets a client channel
	// to, each named in its environment (abi.ServiceEnvPrefix).
	Services []string
}

// ProcessInfo is what ps shows of a process.
type ProcessInfo struct {
	PID      uint64
	Name     string
	Threads  int
	Pages    int // resident
	Handles  int
	Syscalls uint64
	Faults   uint64
	Uptime   time.Duration
	// CPU is the time its threads ran in ring 3; Messages the messages
	// it sent and received.
	CPU      time.Duration
	Messages uint64
	// Memory is what the process and its children are charged for
	// (pages, page tables, threads, queued messages), MemoryLimit its
	// limit, both in bytes; 0 for no limit.
	Memory, MemoryLimit uint64
	// ThreadLimit and ChildLimit are its other limits.
	ThreadLimit, ChildLimit int
}

// HandleInfo is what caps shows of a handle.
type HandleInfo struct {
	Handle  uint32
	Type    string
	Rights  string
	Revoked bool
}

func programCommands() []Command {
	return []Command{
		{Name: "run", Usage: "run [-m MEMORY] [-t THREADS] [-c CHILDREN] [-s SERVICE]... NAME [ARG...]", Help: "run a program of /bin in ring 3, an actor whose mailbox is a channel, with limits (MEMORY as 64M or 1G) and a client channel to each module SERVICE named", Run: run},
		{Name: "caps", Usage: "caps PID", Help: "list a process's handles and their rights", Run: caps},
	}
}

func programs(p *Stage) (Programs, error) {
	if progs, ok := p.Sys.(Programs); ok {
		return progs, nil
	}
	return nil, errors.New("this system runs no programs")
}

// run starts the program and relays: input batches to its mailbox (from
// a goroutine of its own, which touches only the stage's receive side),
// its output to the next stage, line by line.
func run(p *Stage) error {
	progs, err := programs(p)
	if err != nil {
		return err
	}
	opt, args, err := runOptions(p.Args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("want a program name")
	}
	prog, err := progs.StartProgram(args[0], args, opt)
	if err != nil {
		return err
	}
	// If this stage dies on its way (killed while it waits), the program
	// dies with it and its output is drained, so that its console never
	// blocks it.
	finished := false
	defer func() {
		if !finished {
			prog.Kill()
			go func() {
				for range prog.Output() {
				}
				prog.Wait()
			}()
		}
	}()
	go func() {
		defer prog.CloseInput()
		// A kill of the stage makes Recv unwind by panicking with
		// *actor.Killed, which only the actor's own goroutine recovers;
		// in this one the kill just ends the input.
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(*actor.Killed); !ok {
					panic(r)
				}
			}
		}()
		for {
			batch, err := p.recvBatch()
			if err != nil {
				return
			}
			if prog.Send(batch) != nil {
				return
			}
		}
	}()
	var partial string
	out := prog.Output()
	for out != nil {
		select {
		case piece, ok := <-out:
			if !ok {
				out = nil
				break
			}
			lines := strings.Split(partial+piece, "\n")
			partial = lines[len(lines)-1]
			for _, l := range lines[:len(lines)-1] {
				if err := p.Println(l); err != nil {
					prog.Kill()
				}
			}
			if err := p.Flush(); err != nil {
				prog.Kill()
			}
		case <-p.Done():
			prog.Kill()
			p.stop = nil // keep draining the output until it ends
		}
	}
	if partial != "" {
		p.Println(partial)
	}
	// A kernel's kill report has already come out on the program's
	// console.
	status, report := prog.Wait()
	finished = true
	if report != "" {
		return fmt.Errorf("%s (pid %d): killed", args[0], prog.PID())
	}
	if status != 0 {
		return fmt.Errorf("%s (pid %d): exit status %d", args[0], prog.PID(), status)
	}
	return nil
}

// recvBatch returns the next input batch without flushing the output: it
// is safe to call from a goroutine other than the stage's.
func (p *Stage) recvBatch() (string, error) {
	if p.recv == nil {
		return "", ErrStopped
	}
	return p.recv()
}

func caps(p *Stage) error {
	progs, err := programs(p)
	if err != nil {
		return err
	}
	if len(p.Args) != 1 {
		return usagef("want one process ID")
	}
	pid, err := strconv.ParseUint(p.Args[0], 10, 64)
	if err != nil {
		return usagef("%q is not a process ID", p.Args[0])
	}
	hs, err := progs.Handles(pid)
	if err != nil {
		return err
	}
	if err := p.Printf("%-10s %-10s %s", "HANDLE", "TYPE", "RIGHTS"); err != nil {
		return err
	}
	for _, h := range hs {
		r := h.Rights
		if h.Revoked {
			r += " (revoked)"
		}
		if err := p.Printf("0x%08x %-10s %s", h.Handle, h.Type, r); err != nil {
			return err
		}
	}
	return nil
}

// psProcesses is ps's second table: the ring-3 processes.
func psProcesses(p *Stage) error {
	progs, ok := p.Sys.(Programs)
	if !ok {
		return nil
	}
	ps := progs.Processes()
	if len(ps) == 0 {
		return nil
	}
	if err := p.Printf("%6s %-10s %7s %6s %7s %9s %6s %10s %15s %9s", "PID", "PROCESS", "THREADS", "PAGES", "HANDLES", "SYSCALLS", "FAULTS", "UPTIME", "MEMORY/LIMIT", "T/C LIMIT"); err != nil {
		return err
	}
	for _, i := range ps {
		mem := fmt.Sprintf("%s/%s", sizeOf(i.Memory), sizeOf(i.MemoryLimit))
		lim := fmt.Sprintf("%d/%d", i.ThreadLimit, i.ChildLimit)
		if err := p.Printf("%6d %-10s %7d %6d %7d %9d %6d %10s %15s %9s", i.PID, i.Name, i.Threads, i.Pages, i.Handles, i.Syscalls, i.Faults, i.Uptime.Round(time.Millisecond), mem, lim); err != nil {
			return err
		}
	}
	return nil
}

// sizeOf spells a byte count in whole MiB, or KiB below one MiB; "-" for 0.
func sizeOf(n uint64) string {
	switch {
	case n == 0:
		return "-"
	case n < 1<<20:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprintf("%dM", n>>20)
}

// runOptions takes run's options off the front of args.
func runOptions(args []string) (ProgramOptions, []string, error) {
	var opt ProgramOptions
	for len(args) >= 2 && strings.HasPrefix(args[0], "-") {
		v := args[1]
		switch args[0] {
		case "-m":
			n, err := parseSize(v)
			if err != nil {
				return opt, nil, usagef("-m %s: %v", v, err)
			}
			opt.Memory = n
		case "-t", "-c":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return opt, nil, usagef("%s %s: want a positive number", args[0], v)
			}
			if args[0] == "-t" {
				opt.Threads = n
			} else {
				opt.Children = n
			}
		case "-s":
			opt.Services = append(opt.Services, v)
		default:
			return opt, nil, usagef("unknown option %s", args[0])
		}
		args = args[2:]
	}
	return opt, args, nil
}

// parseSize reads a size in bytes with an optional K, M or G suffix
// (powers of 1024).
func parseSize(s string) (uint64, error) {
	mult := uint64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || n > (1<<63)/mult {
		return 0, errors.New("want a positive size such as 64M")
	}
	return n * mult, nil
}
