//go:build clk

package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"clk/abi"
	"clk/actor/shell"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/limit"
	"clk/kernel/proc"
)

// The shell's run, caps and process listing (shell.Programs), over the
// kernel's process table.

var _ shell.Programs = (*system)(nil)

// mailboxRights are the rights of the program's end of its mailbox.
const mailboxRights = abi.RightRead | abi.RightWrite | abi.RightWait | abi.RightTransfer | abi.RightDuplicate

var mailboxSchema = func() *ipc.Schema {
	s, err := ipc.NewSchema(
		ipc.MessageSpec{Type: abi.MsgLines, MaxData: abi.MaxData},
		ipc.MessageSpec{Type: abi.MsgEOF},
	)
	if err != nil {
		panic(err)
	}
	return s
}()

// program is a process started by run.
type program struct {
	p      *proc.Process
	mbox   *ipc.Endpoint // the shell's end of the mailbox
	out    chan string
	wg     sync.WaitGroup // the writers of out: the relay and every process with the console
	closed sync.Once
}

// StartProgram starts name with the mailbox as its first handle and a
// console that feeds Output.
func (s *system) StartProgram(name string, args []string, po shell.ProgramOptions) (shell.Program, error) {
	mine, theirs, err := ipc.NewChannel(mailboxSchema, 0)
	if err != nil {
		return nil, err
	}
	pr := &program{mbox: mine, out: make(chan string, 64)}
	opt := proc.SpawnOptions{
		Args:    args,
		Handles: []*cap.Cap{cap.New(theirs, mailboxRights)},
		Console: &console{out: pr.out, users: &pr.wg},
		Limits:  limit.Default.Within(limit.Limits{Memory: po.Memory, Threads: po.Threads, Children: po.Children}),
	}
	// A path names a program on a disk: the kernel reads it and starts
	// it under its base name.
	if strings.Contains(name, "/") {
		img, err := os.ReadFile(name)
		if err != nil {
			mine.Release()
			return nil, fmt.Errorf("run %s: %w", name, err)
		}
		opt.Image, name = img, path.Base(name)
		if len(args) > 0 {
			args[0] = name
		}
	}
	s.connectServices(&opt)
	closeHandles := func() {
		mine.Release()
		for _, h := range opt.Handles[1:] {
			h.Close()
		}
	}
	if err := s.connectModuleServices(&opt, po.Services); err != nil {
		closeHandles()
		return nil, fmt.Errorf("run %s: %w", name, err)
	}
	p, err := s.procs.Spawn(name, opt)
	if err != nil {
		closeHandles()
		return nil, err
	}
	pr.p = p
	pr.wg.Add(1)
	go pr.relay()
	go func() {
		pr.wg.Wait()
		close(pr.out)
	}()
	return pr, nil
}

// connectServices gives a program about to be spawned with opt its own
// channel to the file system service, which its runtime mounts at /disk
// (CLK_FS), and its own channel to the network service, which its package
// net reaches (CLK_NET), each when the service runs. The handles go after
// those opt has.
func (s *system) connectServices(opt *proc.SpawnOptions) {
	if opt.HandleEnv == nil {
		opt.HandleEnv = map[string]int{}
	}
	if fs, err := s.storage.Connect(); err == nil {
		opt.Handles = append(opt.Handles, fs)
		opt.HandleEnv[abi.FSEnv] = len(opt.Handles) - 1
	}
	if nc, err := s.network.Connect(); err == nil {
		opt.Handles = append(opt.Handles, nc)
		opt.HandleEnv[abi.NetEnv] = len(opt.Handles) - 1
	}
}

// connectModuleServices gives a program about to be spawned with opt a
// client channel to each module service of names, named in its
// environment by abi.ServiceEnvPrefix and the service's name. The
// manager keeps the service's end across replacements, as for spawn's
// clients.
func (s *system) connectModuleServices(opt *proc.SpawnOptions, names []string) error {
	for _, name := range names {
		if s.modules == nil {
			return fmt.Errorf("service %s: %w", name, errNoManager)
		}
		c, err := s.modules.mgr.Connect(name)
		if err != nil {
			return err
		}
		opt.Handles = append(opt.Handles, c)
		opt.HandleEnv[abi.ServiceEnvPrefix+name] = len(opt.Handles) - 1
	}
	return nil
}

// relay passes the messages the program sends on its mailbox to Output
// until the program's end is gone.
func (pr *program) relay() {
	defer pr.wg.Done()
	for {
		m, err := pr.mbox.Read(time.Time{}, true, nil)
		if err != nil {
			return
		}
		if m.Type == abi.MsgLines && len(m.Data) > 0 {
			pr.out <- string(m.Data)
		}
		for _, c := range m.Caps {
			c.Close()
		}
	}
}

// console turns console_write into Output pieces. The program and the
// children it spawns share it (proc.SharedConsole): Output ends when the
// last of them has.
type console struct {
	out   chan<- string
	users *sync.WaitGroup
}

func (c *console) Write(b []byte) (int, error) {
	return c.WriteUntil(b, nil)
}

// errGaveUp ends a write to a console its writer stopped waiting for.
var errGaveUp = errors.New("console: the writer is ending")

// WriteUntil is Write that gives up when stop closes: console_write uses
// it, so that a process killed while the shell is behind on its output
// does not stay blocked here.
func (c *console) WriteUntil(b []byte, stop <-chan struct{}) (int, error) {
	select {
	case c.out <- string(b):
		return len(b), nil
	case <-stop:
		return 0, errGaveUp
	}
}

func (c *console) Attach() { c.users.Add(1) }
func (c *console) Detach() { c.users.Done() }

func (pr *program) PID() uint64 { return pr.p.PID() }

func (pr *program) Send(batch string) error {
	for len(batch) > 0 {
		n := min(len(batch), abi.MaxData)
		if err := pr.mbox.Write(ipc.Message{Type: abi.MsgLines, Data: []byte(batch[:n])}, time.Time{}, true); err != nil {
			return err
		}
		batch = batch[n:]
	}
	return nil
}

func (pr *program) CloseInput() {
	pr.closed.Do(func() {
		pr.mbox.Write(ipc.Message{Type: abi.MsgEOF}, time.Time{}, true)
	})
}

func (pr *program) Output() <-chan string { return pr.out }

func (pr *program) Kill() { pr.p.KillTree("killed from the shell") }

func (pr *program) Wait() (int, string) {
	code, report := pr.p.Wait()
	pr.mbox.Release()
	return code, report
}

// Processes lists the ring-3 processes.
func (s *system) Processes() []shell.ProcessInfo {
	var out []shell.ProcessInfo
	for _, p := range s.procs.List() {
		i := p.Info()
		out = append(out, shell.ProcessInfo{
			PID: i.PID, Name: i.Name, Threads: i.Threads, Pages: i.Resident,
			Handles: i.Handles, Syscalls: i.Syscalls, Faults: i.Faults, Uptime: i.Uptime,
			CPU:      time.Duration(p.Object().Counters.CPU.Load()),
			Messages: p.Object().Counters.MsgsIn.Load() + p.Object().Counters.MsgsOut.Load(),
			Memory:   uint64(i.Memory), MemoryLimit: i.Limits.Memory,
			ThreadLimit: i.Limits.Threads, ChildLimit: i.Limits.Children,
		})
	}
	return out
}

// Handles lists process pid's handles, by value.
func (s *system) Handles(pid uint64) ([]shell.HandleInfo, error) {
	p, ok := s.procs.Lookup(pid)
	if !ok {
		return nil, fmt.Errorf("caps: no process %d", pid)
	}
	hs := p.Object().Handles.List()
	sort.Slice(hs, func(i, j int) bool { return hs[i].Handle < hs[j].Handle })
	var out []shell.HandleInfo
	for _, h := range hs {
		out = append(out, shell.HandleInfo{
			Handle: uint32(h.Handle), Type: h.Type.String(),
			Rights: strings.ReplaceAll(h.Rights.String(), "|", " "), Revoked: h.Revoked,
		})
	}
	return out, nil
}
