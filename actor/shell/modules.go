package shell

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The mod commands, through the System's Modules, and spawn's clients of
// module services.

func moduleCommands() []Command {
	return []Command{
		{Name: "mod", Usage: "mod list|install FILE|URL|start NAME|stop NAME|kill NAME|replace NAME FILE|URL|revoke NAME|log", Help: "the signed modules: list them, install, start, stop, kill (as a crash would), hot-replace or revoke one, show the audit log", Run: mod},
	}
}

func modules(p *Stage) (Modules, error) {
	m, ok := p.Sys.(Modules)
	if !ok {
		return nil, errors.New("this system has no module manager")
	}
	return m, nil
}

func mod(p *Stage) error {
	if len(p.Args) == 0 {
		return usagef("want list, install, start, stop, replace, revoke or log")
	}
	m, err := modules(p)
	if err != nil {
		return err
	}
	sub, args := p.Args[0], p.Args[1:]
	want := func(n int, what string) error {
		if len(args) != n {
			return usagef("mod %s wants %s", sub, what)
		}
		return nil
	}
	switch sub {
	case "list":
		if err := want(0, "nothing more"); err != nil {
			return err
		}
		if err := p.Printf("%-12s %-8s %-10s %5s %-32s %s", "NAME", "VERSION", "STATE", "PID", "KEY", "CAPABILITIES"); err != nil {
			return err
		}
		for _, mi := range m.Modules() {
			pid := "-"
			if mi.PID != 0 {
				pid = fmt.Sprint(mi.PID)
			}
			if err := p.Printf("%-12s %-8s %-10s %5s %-32s %s", mi.Name, mi.Version, mi.State, pid, mi.Key, strings.Join(mi.Caps, " ")); err != nil {
				return err
			}
		}
		return nil
	case "install":
		if err := want(1, "a file or URL"); err != nil {
			return err
		}
		what, err := m.InstallModule(args[0])
		if err != nil {
			return err
		}
		return p.Println(what)
	case "start", "stop", "revoke":
		if err := want(1, "a module name"); err != nil {
			return err
		}
		do := map[string]func(string) error{"start": m.StartModule, "stop": m.StopModule, "revoke": m.RevokeModule}[sub]
		if err := do(args[0]); err != nil {
			return err
		}
		return p.Printf("%s: %s", args[0], map[string]string{"start": "active", "stop": "stopped", "revoke": "revoked"}[sub])
	case "replace":
		if err := want(2, "a module name and a file or URL"); err != nil {
			return err
		}
		what, err := m.ReplaceModule(args[0], args[1])
		if err != nil {
			return err
		}
		return p.Println(what)
	case "kill":
		if err := want(1, "a module name"); err != nil {
			return err
		}
		k, ok := m.(ModuleKiller)
		if !ok {
			return errors.New("this module manager cannot kill an instance")
		}
		if err := k.KillModule(args[0]); err != nil {
			return err
		}
		return p.Printf("%s: killed, restarted by its policy", args[0])
	case "log":
		if err := want(0, "nothing more"); err != nil {
			return err
		}
		for _, l := range m.ModuleLog() {
			if err := p.Println(l); err != nil {
				return err
			}
		}
		return nil
	}
	return usagef("mod %s: want list, install, start, stop, kill, replace, revoke or log", sub)
}

// serviceWait is how long a service client waits for each reply.
const serviceWait = 10 * time.Second

// spawnService spawns a client of a module's service: svc:NAME, or NAME
// when no command has that name. Each line sent is a request, each reply
// a line for recv; a failed request prints "error: " and why, and the
// client ends once its channel is closed for good (the module stopped or
// was revoked).
func spawnService(s *Shell, words []string, box *outbox) (*Job, error) {
	name, _ := strings.CutPrefix(words[0], "svc:")
	m, ok := s.sys.(Modules)
	if !ok {
		return nil, fmt.Errorf("%s: %w", words[0], ErrUnknownCommand)
	}
	client, err := m.ConnectService(name)
	if err != nil {
		return nil, err
	}
	cmd := Command{Name: "svc:" + name, Run: func(p *Stage) error {
		defer client.Close()
		for {
			line, ok := p.Recv()
			if !ok {
				return p.Stopped()
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			reply, err := client.Do(line, serviceWait)
			if err != nil {
				if err := p.Printf("error: %v", err); err != nil {
					return err
				}
				if errors.Is(err, ErrServiceGone) {
					// Said in the output, for recv: the
					// client ends well.
					return p.Flush()
				}
				continue
			}
			if err := p.Println(reply); err != nil {
				return err
			}
		}
	}}
	text := "spawn " + strings.Join(words, " ")
	j, err := s.startCommands(text, Line{Stages: [][]string{{cmd.Name}}, Background: true}, []Command{cmd}, box)
	if err != nil {
		client.Close()
	}
	return j, err
}

// ErrServiceGone is wrapped by a ServiceClient's error once its channel
// is closed for good: the service's module was stopped or revoked.
var ErrServiceGone = errors.New("service gone")
