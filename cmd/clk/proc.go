//go:build clk

package main

import (
	"os"
	"path"
	"strings"

	x86 "clk/arch/x86_64"
	"clk/kernel/klog"
	"clk/kernel/limit"
	"clk/kernel/proc"
	"clk/kernel/syscalls"
)

// programDir is where ring-3 programs live in the initrd.
const programDir = "/bin"

// newProcesses returns the process table, loading programs from the
// initrd's /bin. It first sets the kernel's memory reserve, which no
// process's charges may touch.
func newProcesses() *proc.System {
	total, _, _ := x86.Memory()
	limit.SetMachine(total, func() uint64 {
		_, _, free := x86.Memory()
		return free
	}, limit.DefaultReserve(total))
	k := syscalls.NewDispatcher()
	k.SetPorts(x86.Ports{})
	return proc.NewSystem(k, proc.Hardware(k), func(name string) ([]byte, error) {
		return os.ReadFile(path.Join(programDir, name))
	})
}

// runAtBoot runs the program the command line names with clk.run=NAME
// (arguments separated by commas: clk.run=sysfuzz,1000), with the serial
// console as its console and, as run gives them, its channels to the file
// system and network services, then powers the machine off. It reports false
// when the command line names none.
func runAtBoot(log *klog.Log, procs *proc.System, cmdline string, sys *system) bool {
	var spec string
	for _, f := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(f, "clk.run="); ok {
			spec = v
		}
	}
	if spec == "" {
		return false
	}
	args := strings.Split(spec, ",")
	opt := proc.SpawnOptions{Args: args, Console: os.Stdout}
	sys.connectServices(&opt)
	p, err := procs.Spawn(args[0], opt)
	if err != nil {
		for _, h := range opt.Handles {
			h.Close()
		}
		log.Printf("clk: %v", err)
		sys.Shutdown()
		return true
	}
	// A kill report has gone to the console already.
	code, _ := p.Wait()
	log.Printf("clk: %s (pid %d) exited with status %d", args[0], p.PID(), code)
	sys.Shutdown()
	return true
}
