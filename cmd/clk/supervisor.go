//go:build clk

package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"clk/abi"
	"clk/actor/shell"
	"clk/aisup"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/metrics"
	"clk/kernel/module"
	"clk/kernel/supctl"
	"clk/suppolicy"
)

// The AI supervisor (docs/supervisor.md): the module named supModule is
// activated with two grants after its control channel, a metrics object
// it may only read and its control channel to the kernel, which the
// kernel's policy engine (suppolicy) reads with the policy file
// supPolicyFile, signed by the root key supRootFile.
const (
	supModule     = "sup"
	supPolicyFile = "/etc/sup/policy.clkp"
	supRootFile   = "/etc/sup/root.pub"
)

// Rights of the supervisor's grants: it reads the metrics and writes its
// channel, and can pass neither on.
const (
	supMetricsRights = abi.RightRead
	supChannelRights = abi.RightWrite | abi.RightWait
)

// newSupervision makes the policy engine and loads the policy; it
// returns nil, having said why, when there is no policy to load.
func newSupervision(m *modules) *supctl.Controller {
	log := m.sys.log
	root, err := readRootKey(supRootFile)
	if err != nil {
		log.Printf("sup: no policy engine: %v", err)
		return nil
	}
	e, err := suppolicy.NewEngine(suppolicy.Config{Roots: suppolicy.Roots{Keys: [][ed25519.PublicKeySize]byte{root}, Threshold: 1}, Auditor: m.audit})
	if err != nil {
		log.Printf("sup: no policy engine: %v", err)
		return nil
	}
	b, err := os.ReadFile(supPolicyFile)
	if err == nil {
		err = e.Load(b)
	}
	if err != nil {
		// The engine stays, refusing every action (ErrNoPolicy).
		log.Printf("sup: policy: %v", err)
	}
	return supctl.New(e, m.mgr, m.audit)
}

// readRootKey reads a public key file as clkmod writes it: a header line
// and the key in base64.
func readRootKey(path string) ([ed25519.PublicKeySize]byte, error) {
	var k [ed25519.PublicKeySize]byte
	b, err := os.ReadFile(path)
	if err != nil {
		return k, err
	}
	_, rest, _ := bytes.Cut(b, []byte("\n"))
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(rest)))
	if err != nil || len(raw) != len(k) {
		return k, fmt.Errorf("%s: not a public key file", path)
	}
	copy(k[:], raw)
	return k, nil
}

// supGrants makes the supervisor's grants for one activation: a metrics
// object and a new control channel, whose kernel end the controller
// serves until the module stops or is revoked.
func (m *modules) supGrants() ([]*cap.Cap, error) {
	if m.sup == nil {
		return nil, fmt.Errorf("%s: no policy engine (see the kernel log)", supModule)
	}
	kernel, theirs, err := ipc.NewChannel(supctl.Schema(), 0)
	if err != nil {
		return nil, fmt.Errorf("%s: control channel: %w", supModule, err)
	}
	go m.sup.Serve(kernel)
	obj := metrics.New(metricsSource{m})
	return []*cap.Cap{cap.New(obj, supMetricsRights), cap.New(theirs, supChannelRights)}, nil
}

// metricsSource lists the processes for the metrics object, each named by
// the module it is an instance of.
type metricsSource struct{ m *modules }

func (s metricsSource) Processes() []metrics.Process {
	mods := map[uint64]module.Status{}
	for _, st := range s.m.mgr.List() {
		if st.PID != 0 {
			mods[st.PID] = st
		}
	}
	var out []metrics.Process
	for _, p := range s.m.sys.procs.List() {
		i := p.Info()
		mp := metrics.Process{
			PID: i.PID, Name: i.Name, Counters: &p.Object().Counters, Faults: i.Faults,
			Resident: uint64(i.Resident), Memory: i.Memory, Threads: i.Threads, Handles: i.Handles,
		}
		if st, ok := mods[i.PID]; ok {
			mp.Module, mp.Restarts = st.Name, st.Restarts
			mp.HeartbeatLatency, mp.HeartbeatMisses = st.HeartbeatLatency, st.HeartbeatMisses
		}
		out = append(out, mp)
	}
	return out
}

var _ shell.Supervisor = (*system)(nil)

var errNoSupervisor = errors.New("no supervisor policy engine (see the kernel log)")

func (s *system) supervisor() (*supctl.Controller, error) {
	if s.modules == nil || s.modules.sup == nil {
		return nil, errNoSupervisor
	}
	return s.modules.sup, nil
}

func (s *system) SupStatus() ([]string, error) {
	c, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	st := c.Status()
	lines := []string{fmt.Sprintf("policy version %d, mode %s", st.Policy, st.Mode)}
	if ms, err := s.modules.mgr.Status(supModule); err == nil {
		lines = append(lines, fmt.Sprintf("supervisor %s %s pid %d, restarts %d", supModule, ms.State, ms.PID, ms.Restarts))
	} else {
		lines = append(lines, fmt.Sprintf("supervisor %s not installed", supModule))
	}
	last := "never"
	if !st.Last.IsZero() {
		last = time.Since(st.Last).Truncate(time.Millisecond).String() + " ago"
	}
	lines = append(lines, fmt.Sprintf("alerts %d, undecodable messages %d, last message %s", st.Alerts, st.Dropped, last))
	verdicts := slices.Sorted(maps.Keys(st.Verdicts))
	var vs []string
	for _, v := range verdicts {
		vs = append(vs, fmt.Sprintf("%s %d", v, st.Verdicts[v]))
	}
	if len(vs) == 0 {
		vs = []string{"none"}
	}
	lines = append(lines, "actions: "+strings.Join(vs, ", "))
	return lines, nil
}

func (s *system) SupAlerts(asJSON bool) ([]string, error) {
	c, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	alerts := c.Alerts()
	if !asJSON {
		var lines []string
		for i := range alerts {
			lines = append(lines, alerts[i].String())
		}
		return lines, nil
	}
	var b strings.Builder
	if err := aisup.WriteJSONLines(&b, alerts); err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"), nil
}

func (s *system) SupExplain(id uint64) ([]string, error) {
	c, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	a, ok := c.Alert(id)
	if !ok {
		return nil, fmt.Errorf("sup explain: no alert %d", id)
	}
	decision := a.Decision
	if decision == "" {
		decision = "none yet"
	}
	lines := []string{
		fmt.Sprintf("alert %d at %s: %s in module %s (pid %d), tier %d, score %.4g", a.ID, a.Time.UTC().Format(time.RFC3339), a.Kind, a.Module, a.PID, a.Tier, a.Score),
		fmt.Sprintf("suggested %s; the kernel's decision: %s", a.Suggested, decision),
	}
	for i, e := range a.Evidence {
		what := e.Metric
		if what == "" {
			what = fmt.Sprintf("syscalls %v", e.Sequence)
		}
		lines = append(lines, fmt.Sprintf("evidence %d: tier %d %s: %s observed %.6g, baseline %.6g, score %.4g", i+1, e.Tier, e.Detector, what, e.Observed, e.Baseline, e.Score))
	}
	return lines, nil
}

func (s *system) SupMode(mode string) error {
	c, err := s.supervisor()
	if err != nil {
		return err
	}
	var m suppolicy.Mode
	switch mode {
	case "advisory":
		m = suppolicy.Advisory
	case "enforced":
		m = suppolicy.Enforced
	default:
		return fmt.Errorf("sup mode %q: want advisory or enforced", mode)
	}
	return c.SetMode(m, "the console")
}

func (s *system) SupSubmit(action []byte) (string, error) {
	c, err := s.supervisor()
	if err != nil {
		return "", err
	}
	return c.Submit(action), nil
}

var _ shell.ModuleKiller = (*system)(nil)

// KillModule kills name's instance; its restart policy starts another.
func (s *system) KillModule(name string) error {
	if s.modules == nil {
		return errNoManager
	}
	return s.modules.mgr.Restart(name, "killed from the console")
}
