package actor

import (
	"errors"
	"fmt"
	"time"
)

// Restart says when a supervisor restarts a child that exited.
type Restart int

const (
	// Permanent children are always restarted.
	Permanent Restart = iota
	// Transient children are restarted only after an abnormal exit (see
	// IsNormal).
	Transient
	// Temporary children are never restarted; once exited they are removed
	// from the supervisor.
	Temporary
)

// String returns the OTP name of the restart type.
func (r Restart) String() string {
	switch r {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return fmt.Sprintf("Restart(%d)", int(r))
}

// Strategy says which children a supervisor restarts when one fails.
type Strategy int

const (
	// OneForOne restarts only the child that exited.
	OneForOne Strategy = iota
	// OneForAll stops the other children (in reverse start order) and
	// restarts all of them (in start order).
	OneForAll
	// RestForOne stops the children started after the one that exited (in
	// reverse order) and restarts it and them (in order).
	RestForOne
)

// String returns the OTP name of the strategy.
func (s Strategy) String() string {
	switch s {
	case OneForOne:
		return "one_for_one"
	case OneForAll:
		return "one_for_all"
	case RestForOne:
		return "rest_for_one"
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// ChildSpec describes one child of a supervisor.
type ChildSpec struct {
	// Name names the child: unique within its supervisor, and the name its
	// actors are spawned with.
	Name string
	// Start is the child's Func. A child that is itself a supervisor uses
	// Supervise.
	Start Func
	// Restart is the child's restart type.
	Restart Restart
	// Shutdown is how long the child has to exit after it is asked to
	// stop, before it is killed: 0 means DefaultShutdown, a negative
	// value kills it at once.
	Shutdown time.Duration
	// Mailbox is the child's mailbox capacity; 0 means DefaultMailbox.
	Mailbox int
}

// SupervisorSpec describes a supervisor.
type SupervisorSpec struct {
	// Name is the supervisor actor's name.
	Name string
	// Strategy says which children restart when one does.
	Strategy Strategy
	// MaxRestarts and Period are the restart intensity: when more than
	// MaxRestarts restarts happen within Period, the supervisor stops its
	// children and exits with an error wrapping ErrIntensity, which its
	// own supervisor handles. Both zero means DefaultMaxRestarts within
	// DefaultPeriod; a negative MaxRestarts allows no restart at all.
	MaxRestarts int
	Period      time.Duration
	// Children are started in this order and stopped in the reverse.
	Children []ChildSpec
}

// Defaults for SupervisorSpec and ChildSpec.
const (
	// DefaultMaxRestarts and DefaultPeriod are the restart intensity of
	// a spec that sets neither. Erlang/OTP's default is 1 restart in 5 s;
	// 3 lets a child fail twice in a row and still recover.
	DefaultMaxRestarts = 3
	DefaultPeriod      = 5 * time.Second
	// DefaultShutdown is a child's time to stop before it is killed.
	DefaultShutdown = 5 * time.Second
)

// ChildInfo describes a supervisor's child, as Children reports it.
type ChildInfo struct {
	Name    string
	Restart Restart
	// Ref is the running actor, the zero Ref when the child is not running
	// (a transient child that exited normally).
	Ref Ref
	// Restarts counts the child's restarts; LastExit is the reason of its
	// last exit.
	Restarts int
	LastExit error
}

// StartSupervisor validates spec, spawns a supervisor actor that starts the
// children in order, and returns its Ref. When the supervisor exits, for
// any reason, it first stops its children in reverse order.
func StartSupervisor(spec SupervisorSpec, opts ...Option) (Ref, error) {
	if err := spec.validate(); err != nil {
		return Ref{}, err
	}
	return Spawn(spec.Name, Supervise(spec), opts...)
}

// Supervise returns the Func of a supervisor for spec, to run as a child
// of another supervisor (ChildSpec.Start) or with Spawn. An invalid spec
// makes the Func exit at once with the validation error.
func Supervise(spec SupervisorSpec) Func {
	err := spec.validate()
	spec.Children = append([]ChildSpec(nil), spec.Children...)
	return func(c *Context) error {
		if err != nil {
			return err
		}
		s := &supervisor{spec: spec, self: c}
		for _, cs := range spec.Children {
			s.children = append(s.children, &child{spec: cs})
		}
		return s.run()
	}
}

// Children asks the supervisor sup for its children, in start order.
func Children(sup Ref, timeout time.Duration) ([]ChildInfo, error) {
	v, err := Call(sup, childrenQuery{}, timeout)
	if err != nil {
		return nil, err
	}
	cs, ok := v.([]ChildInfo)
	if !ok {
		return nil, fmt.Errorf("children of %v: answered %T: not a supervisor", sup, v)
	}
	return cs, nil
}

// childrenQuery is the request Children sends.
type childrenQuery struct{}

func (spec *SupervisorSpec) validate() error {
	if spec.Strategy < OneForOne || spec.Strategy > RestForOne {
		return fmt.Errorf("supervisor %q: unknown strategy %v", spec.Name, spec.Strategy)
	}
	if spec.MaxRestarts == 0 && spec.Period == 0 {
		spec.MaxRestarts, spec.Period = DefaultMaxRestarts, DefaultPeriod
	}
	if spec.MaxRestarts > 0 && spec.Period <= 0 {
		return fmt.Errorf("supervisor %q: %d restarts allowed in a period of %v: the period must be positive",
			spec.Name, spec.MaxRestarts, spec.Period)
	}
	names := make(map[string]bool)
	for i, cs := range spec.Children {
		switch {
		case cs.Name == "":
			return fmt.Errorf("supervisor %q: child %d has no name", spec.Name, i)
		case names[cs.Name]:
			return fmt.Errorf("supervisor %q: two children named %q", spec.Name, cs.Name)
		case cs.Start == nil:
			return fmt.Errorf("supervisor %q: child %q has no Start func", spec.Name, cs.Name)
		case cs.Restart < Permanent || cs.Restart > Temporary:
			return fmt.Errorf("supervisor %q: child %q: unknown restart type %v", spec.Name, cs.Name, cs.Restart)
		case cs.Mailbox < 0:
			return fmt.Errorf("supervisor %q: child %q: mailbox capacity %d", spec.Name, cs.Name, cs.Mailbox)
		}
		names[cs.Name] = true
	}
	return nil
}

type supervisor struct {
	spec     SupervisorSpec
	self     *Context
	children []*child    // in start order
	restarts []time.Time // restart times within the last Period
}

type child struct {
	spec     ChildSpec
	ref      Ref // zero when not running
	restarts int
	lastExit error
}

func (s *supervisor) run() error {
	// Whatever ends the supervisor (return, panic, kill), its children
	// stop first, in reverse start order.
	defer s.stopFrom(0)
	for _, ch := range s.children {
		s.start(ch)
	}
	for {
		m, err := s.self.Recv()
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case Down:
			if err := s.childDown(m); err != nil {
				return err
			}
		case *Request:
			if _, ok := m.Msg.(childrenQuery); ok {
				s.self.Reply(m, s.info())
			} else {
				s.self.Reply(m, fmt.Errorf("supervisor %v: unknown request %T", s.self.Self(), m.Msg))
			}
		}
	}
}

// start spawns ch and returns once it is ready (see Context.Ready), so that
// each child starts after the ones before it have initialised.
func (s *supervisor) start(ch *child) {
	mailbox := ch.spec.Mailbox
	if mailbox == 0 {
		mailbox = DefaultMailbox
	}
	ready := make(chan struct{})
	self := s.self.Self()
	// Spawn fails only for options validate has checked.
	ref, err := Spawn(ch.spec.Name, ch.spec.Start, WithMailbox(mailbox), WithParent(self),
		WithMonitor(self), withReady(ready))
	if err != nil {
		panic(fmt.Sprintf("supervisor %v: start %s: %v", self, ch.spec.Name, err))
	}
	select {
	case <-ready:
	case <-s.self.Done():
		// Stopping: the run loop's next Recv ends the supervisor,
		// which then stops this child with the others.
	}
	ch.ref = ref
}

// stopFrom stops the running children from index i on, last first.
func (s *supervisor) stopFrom(i int) {
	for j := len(s.children) - 1; j >= i; j-- {
		ch := s.children[j]
		if ch.ref.IsZero() {
			continue
		}
		ref := ch.ref
		ch.ref = Ref{}
		if ch.spec.Shutdown < 0 {
			Kill(ref, errors.New("shutdown"))
			Wait(ref)
			continue
		}
		timeout := ch.spec.Shutdown
		if timeout == 0 {
			timeout = DefaultShutdown
		}
		Shutdown(ref, timeout)
	}
}

// childDown handles the exit of a child; an error ends the supervisor.
func (s *supervisor) childDown(d Down) error {
	i := -1
	for j, ch := range s.children {
		if !ch.ref.IsZero() && ch.ref == d.Ref {
			i = j
			break
		}
	}
	if i < 0 {
		return nil // a child this supervisor stopped itself
	}
	ch := s.children[i]
	ch.ref, ch.lastExit = Ref{}, d.Reason
	restart := ch.spec.Restart == Permanent || ch.spec.Restart == Transient && !IsNormal(d.Reason)
	if ch.spec.Restart == Temporary {
		s.children = append(s.children[:i:i], s.children[i+1:]...)
	}
	if !restart {
		return nil
	}
	now := time.Now()
	kept := s.restarts[:0]
	for _, t := range s.restarts {
		if now.Sub(t) < s.spec.Period {
			kept = append(kept, t)
		}
	}
	s.restarts = append(kept, now)
	if len(s.restarts) > s.spec.MaxRestarts {
		return fmt.Errorf("supervisor %v: %w: more than %d restarts in %v (last: child %s: %v)",
			s.self.Self(), ErrIntensity, max(s.spec.MaxRestarts, 0), s.spec.Period, ch.spec.Name, d.Reason)
	}
	first := i
	switch s.spec.Strategy {
	case OneForAll:
		first = 0
	case RestForOne:
	case OneForOne:
		ch.restarts++
		s.start(ch)
		return nil
	}
	s.stopFrom(first)
	// Temporary children stopped for the restart are not restarted.
	survivors := s.children[:first]
	for _, c := range s.children[first:] {
		if c.spec.Restart != Temporary {
			survivors = append(survivors, c)
		}
	}
	s.children = survivors
	for _, c := range s.children[first:] {
		c.restarts++
		s.start(c)
	}
	return nil
}

func (s *supervisor) info() []ChildInfo {
	infos := make([]ChildInfo, len(s.children))
	for i, ch := range s.children {
		infos[i] = ChildInfo{Name: ch.spec.Name, Restart: ch.spec.Restart, Ref: ch.ref,
			Restarts: ch.restarts, LastExit: ch.lastExit}
	}
	return infos
}
