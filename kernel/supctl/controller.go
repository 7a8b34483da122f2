package supctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"clk/abi"
	"clk/aisup"
	"clk/kernel/ipc"
	"clk/suppolicy"
)

// Manager is what carries allowed actions out: the module manager.
type Manager interface {
	Restart(name, reason string) error
	Stop(name string) error
	Revoke(name string) error
}

// The audit events of carrying an action out, after the engine's
// sup-allowed.
const (
	EventDone   = "sup-done"   // the manager carried the action out
	EventFailed = "sup-failed" // it could not; the detail says why
	EventMode   = "sup-mode"   // an operator changed the mode
)

// maxAlerts bounds the alerts kept; the oldest go first.
const maxAlerts = 256

// ErrNotCarried is the cause of an allowed action the kernel does not
// carry out.
var ErrNotCarried = errors.New("action not carried out by this kernel")

// Controller is the kernel's end of the supervisor's control channel.
type Controller struct {
	engine *suppolicy.Engine
	mgr    Manager
	audit  suppolicy.Auditor

	mu     sync.Mutex
	alerts []aisup.Alert
	nextID uint64
	// ids maps the supervisor's alert ids to the kernel's, for the
	// alerts kept: a restarted supervisor numbers from 1 again, and the
	// latest alert of an id is the one its actions speak of.
	ids map[uint64]uint64
	// Counts since boot.
	received, dropped uint64
	verdicts          map[suppolicy.Verdict]uint64
	last              time.Time
}

// New returns a controller deciding with engine and acting through mgr.
func New(engine *suppolicy.Engine, mgr Manager, audit suppolicy.Auditor) *Controller {
	return &Controller{engine: engine, mgr: mgr, audit: audit, nextID: 1, ids: map[uint64]uint64{}, verdicts: map[suppolicy.Verdict]uint64{}}
}

// Schema is the control channel's schema.
func Schema() *ipc.Schema {
	s, err := ipc.NewSchema(
		ipc.MessageSpec{Type: abi.SupAlert, MaxData: abi.SupMaxMessage},
		ipc.MessageSpec{Type: abi.SupAction, MaxData: abi.SupMaxMessage},
	)
	if err != nil {
		panic(fmt.Sprintf("supctl: schema: %v", err))
	}
	return s
}

// Serve reads the channel's messages and handles each until the other
// end is gone: the module manager holds its root while the supervisor
// module is active, across restarts of its instance, and closes it when
// the module stops or is revoked.
func (c *Controller) Serve(ep *ipc.Endpoint) {
	defer ep.Release()
	for {
		m, err := ep.Read(time.Time{}, true, nil)
		if err != nil {
			return
		}
		for _, h := range m.Caps {
			h.Close()
		}
		c.Handle(m.Type, m.Data)
	}
}

// Handle handles one message of the supervisor.
func (c *Controller) Handle(typ uint32, data []byte) {
	switch typ {
	case abi.SupAlert:
		c.alert(data)
	case abi.SupAction:
		c.action(data)
	default:
		c.mu.Lock()
		c.dropped++
		c.mu.Unlock()
	}
}

// alert keeps one alert.
func (c *Controller) alert(data []byte) {
	var a aisup.Alert
	err := json.Unmarshal(data, &a)
	if err == nil && (len(a.Evidence) == 0 || a.Module == "") {
		err = errors.New("an alert without module or evidence")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.received++
	c.last = time.Now()
	if err != nil {
		c.dropped++
		return
	}
	theirs := a.ID
	a.ID, a.Decision = c.nextID, ""
	c.nextID++
	c.ids[theirs] = a.ID
	if len(c.alerts) == maxAlerts {
		old := c.alerts[0]
		for k, v := range c.ids {
			if v == old.ID {
				delete(c.ids, k)
			}
		}
		c.alerts = c.alerts[1:]
	}
	c.alerts = append(c.alerts, a)
}

// Submit has the engine decide an action given by an operator, as if the
// supervisor had sent it, and returns the decision.
func (c *Controller) Submit(data []byte) string { return c.action(data) }

// action has the engine decide an action and carries it out if allowed;
// it returns the decision in words.
func (c *Controller) action(data []byte) string {
	d := c.engine.Decide(data)
	decision := d.Verdict.String()
	if d.Err != nil {
		decision += ": " + d.Err.Error()
	}
	if d.Verdict == suppolicy.Allowed {
		a := d.Action
		if err := c.carry(a); err != nil {
			c.audit.Record(EventFailed, a.Module, fmt.Sprintf("%s seq %d: %v", a.Kind, a.Seq, err))
			decision += ", failed: " + err.Error()
		} else {
			c.audit.Record(EventDone, a.Module, fmt.Sprintf("%s seq %d", a.Kind, a.Seq))
			decision += ", done"
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = time.Now()
	c.verdicts[d.Verdict]++
	if d.Action == nil || d.Action.AlertID == 0 {
		return decision
	}
	// Only an action the engine found authentic speaks for an alert.
	if d.Verdict == suppolicy.Refused && !errors.Is(d.Err, suppolicy.ErrNotAllowed) && !errors.Is(d.Err, suppolicy.ErrNeverRevoke) && !errors.Is(d.Err, suppolicy.ErrStale) {
		return decision
	}
	if id, ok := c.ids[d.Action.AlertID]; ok {
		for i := range c.alerts {
			if c.alerts[i].ID == id {
				c.alerts[i].Decision = decision
			}
		}
	}
	return decision
}

// carry carries an allowed action out.
func (c *Controller) carry(a *suppolicy.Action) error {
	reason := fmt.Sprintf("supervisor action seq %d: %s", a.Seq, a.Reason)
	switch a.Kind {
	case suppolicy.Alert:
		return nil
	case suppolicy.Restart:
		return c.mgr.Restart(a.Module, reason)
	case suppolicy.Isolate:
		return c.mgr.Stop(a.Module)
	case suppolicy.Revoke:
		return c.mgr.Revoke(a.Module)
	}
	return fmt.Errorf("%s: %w", a.Kind, ErrNotCarried)
}

// SetMode changes the loaded policy's mode, for an operator; it is
// audited.
func (c *Controller) SetMode(m suppolicy.Mode, who string) error {
	if err := c.engine.SetMode(m); err != nil {
		return err
	}
	c.audit.Record(EventMode, "policy", fmt.Sprintf("mode %s, set by %s", m, who))
	return nil
}

// Alerts returns the alerts kept, the oldest first.
func (c *Controller) Alerts() []aisup.Alert {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]aisup.Alert, len(c.alerts))
	copy(out, c.alerts)
	return out
}

// Alert returns the alert of id.
func (c *Controller) Alert(id uint64) (aisup.Alert, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.alerts {
		if a.ID == id {
			return a, true
		}
	}
	return aisup.Alert{}, false
}

// Status is what sup status shows.
type Status struct {
	Mode     string
	Policy   uint64 // its version, 0 for none
	Alerts   uint64 // received since boot
	Dropped  uint64 // messages that did not decode
	Verdicts map[string]uint64
	Last     time.Time // the last message, zero for none
}

// Status returns the controller's counts and the policy's mode.
func (c *Controller) Status() Status {
	st := Status{Mode: "none", Verdicts: map[string]uint64{}}
	if p := c.engine.Policy(); p != nil {
		st.Mode, st.Policy = p.Mode.String(), p.Version
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st.Alerts, st.Dropped, st.Last = c.received, c.dropped, c.last
	for v, n := range c.verdicts {
		st.Verdicts[v.String()] = n
	}
	return st
}
