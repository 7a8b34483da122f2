package module

import (
	"io"

	"clk/kernel/cap"
	"clk/kernel/limit"
	"clk/kernel/proc"
)

// Image is what an instance runs: one installed version of a module.
type Image struct {
	Name    string
	Version string
	// ELF is the program, as the module file carried it.
	ELF []byte
	// Memory and Threads are the manifest's limits.
	Memory  uint64
	Threads int
}

// Launcher starts instances. The kernel's is Processes, which runs the
// module's ELF as a ring-3 process; tests run the module's Go code in
// goroutines instead.
type Launcher interface {
	// Launch starts img with handles as its startup handles, the control
	// channel first. On success the instance owns the handles; on error
	// the caller still does.
	Launch(img Image, handles []*cap.Cap) (Instance, error)
}

// Instance is one running copy of a module.
type Instance interface {
	// PID names the instance in the audit log.
	PID() uint64
	// Kill ends the instance; every handle it holds is closed.
	Kill(reason string)
	// Done is closed once the instance has ended and its handles are
	// closed.
	Done() <-chan struct{}
	// Status is the exit code and, if it was killed, why; it is
	// meaningful once Done is closed.
	Status() (code int, report string)
}

// Processes launches instances as ring-3 processes of sys.
type Processes struct {
	Sys *proc.System
	// Console receives what instances write to their console.
	Console io.Writer
}

// Launch spawns img's ELF with the manifest's memory and thread limits.
func (l Processes) Launch(img Image, handles []*cap.Cap) (Instance, error) {
	lim := limit.Default
	if img.Memory != 0 {
		lim.Memory = img.Memory
	}
	if img.Threads != 0 {
		lim.Threads = img.Threads
	}
	p, err := l.Sys.Spawn(img.Name, proc.SpawnOptions{
		Args:    []string{img.Name},
		Handles: handles,
		Console: l.Console,
		Limits:  lim,
		Image:   img.ELF,
	})
	if err != nil {
		return nil, err
	}
	return process{p}, nil
}

// process is a ring-3 process as an Instance.
type process struct{ p *proc.Process }

func (p process) PID() uint64           { return p.p.PID() }
func (p process) Kill(reason string)    { p.p.KillTree(reason) }
func (p process) Done() <-chan struct{} { return p.p.Done() }
func (p process) Status() (int, string) { return p.p.Wait() }
