package shell

import (
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"time"
)

// The sup commands, through the System's Supervisor, and top.

// Supervisor is a System with the AI supervisor's kernel side: its policy
// engine and the alerts the supervisor reported.
type Supervisor interface {
	// SupStatus describes the policy, the mode and the counts, a line
	// each.
	SupStatus() ([]string, error)
	// SupAlerts lists the alerts kept, oldest first, a line each, or a
	// JSON object each with asJSON.
	SupAlerts(asJSON bool) ([]string, error)
	// SupExplain describes alert id and all its evidence.
	SupExplain(id uint64) ([]string, error)
	// SupMode sets the policy's mode, "advisory" or "enforced".
	SupMode(mode string) error
	// SupSubmit hands a signed action to the policy engine, as if the
	// supervisor had sent it, and says what was decided.
	SupSubmit(action []byte) (string, error)
}

func supervisorCommands() []Command {
	return []Command{
		{Name: "sup", Usage: "sup status|alerts [--json]|explain ID|mode advisory|enforced|submit HEX", Help: "the AI supervisor: its policy and mode, its alerts, the evidence of one, switch the mode (audited), hand the policy engine a signed action given in hexadecimal", Run: sup},
		{Name: "top", Usage: "top [SECONDS]", Help: "the ring-3 processes by CPU time over an interval (default 1 s): CPU, syscalls and messages per second, memory", Run: top},
	}
}

func sup(p *Stage) error {
	if len(p.Args) == 0 {
		return usagef("want status, alerts, explain or mode")
	}
	s, ok := p.Sys.(Supervisor)
	if !ok {
		return errors.New("this system has no supervisor")
	}
	sub, args := p.Args[0], p.Args[1:]
	var lines []string
	var err error
	switch {
	case sub == "status" && len(args) == 0:
		lines, err = s.SupStatus()
	case sub == "alerts" && len(args) == 0:
		lines, err = s.SupAlerts(false)
	case sub == "alerts" && len(args) == 1 && args[0] == "--json":
		lines, err = s.SupAlerts(true)
	case sub == "explain" && len(args) == 1:
		id, perr := strconv.ParseUint(args[0], 10, 64)
		if perr != nil {
			return usagef("sup explain wants an alert's number")
		}
		lines, err = s.SupExplain(id)
	case sub == "mode" && len(args) == 1:
		if err := s.SupMode(args[0]); err != nil {
			return err
		}
		return p.Printf("mode %s", args[0])
	case sub == "submit" && len(args) == 1:
		b, herr := hex.DecodeString(args[0])
		if herr != nil {
			return usagef("sup submit wants an action in hexadecimal")
		}
		what, err := s.SupSubmit(b)
		if err != nil {
			return err
		}
		return p.Println(what)
	default:
		return usagef("sup status|alerts [--json]|explain ID|mode advisory|enforced|submit HEX")
	}
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := p.Println(l); err != nil {
			return err
		}
	}
	return nil
}

// top samples the processes twice, an interval apart, and lists them by
// the CPU time they used in between.
func top(p *Stage) error {
	interval := time.Second
	if len(p.Args) == 1 {
		n, err := strconv.ParseFloat(p.Args[0], 64)
		if err != nil || n <= 0 || n > 60 {
			return usagef("top wants an interval of up to 60 seconds")
		}
		interval = time.Duration(n * float64(time.Second))
	} else if len(p.Args) > 1 {
		return usagef("top [SECONDS]")
	}
	progs, ok := p.Sys.(Programs)
	if !ok {
		return errors.New("this system runs no programs")
	}
	before := map[uint64]ProcessInfo{}
	for _, pi := range progs.Processes() {
		before[pi.PID] = pi
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.Done():
		return p.Stopped()
	}
	type row struct {
		ProcessInfo
		cpu, calls, msgs float64
	}
	var rows []row
	secs := interval.Seconds()
	for _, pi := range progs.Processes() {
		b := before[pi.PID]
		rows = append(rows, row{pi, float64(pi.CPU-b.CPU) / float64(interval) * 100,
			float64(pi.Syscalls-b.Syscalls) / secs, float64(pi.Messages-b.Messages) / secs})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		switch {
		case a.cpu > b.cpu:
			return -1
		case a.cpu < b.cpu:
			return 1
		}
		return 0
	})
	if err := p.Printf("%5s %-14s %6s %10s %9s %9s %7s", "PID", "NAME", "CPU%", "SYSCALL/S", "MSG/S", "MEMORY", "THREADS"); err != nil {
		return err
	}
	for _, r := range rows {
		if err := p.Printf("%5d %-14s %6.1f %10.0f %9.0f %8dK %7d", r.PID, r.Name, r.cpu, r.calls, r.msgs, r.Memory>>10, r.Threads); err != nil {
			return err
		}
	}
	return nil
}

// ModuleKiller is a Modules that can kill a module's instance as if it
// had crashed (mod kill): its restart policy starts another.
type ModuleKiller interface {
	KillModule(name string) error
}
