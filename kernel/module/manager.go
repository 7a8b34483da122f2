package module

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/modstore"
)

// State is where a module is in its lifecycle.
type State int

// The states of a module.
const (
	// Installed: verified and kept; no instance runs.
	Installed State = iota
	// Active: an instance serves the module's services.
	Active
	// Replacing: a replacement (or an activation) is under way; clients'
	// messages wait, or, on probation, the new instance serves them.
	Replacing
	// Failed: the instance died more often than the restart policy
	// allows; no instance runs and the clients were let go.
	Failed
	// Revoked: every handle derived from the module's grants is revoked
	// and its versions are forgotten.
	Revoked
)

func (s State) String() string {
	switch s {
	case Installed:
		return "installed"
	case Active:
		return "active"
	case Replacing:
		return "replacing"
	case Failed:
		return "failed"
	case Revoked:
		return "revoked"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Config is what a Manager needs.
type Config struct {
	// Store verifies module files before they are installed.
	Store *modstore.Store
	// Launcher starts instances.
	Launcher Launcher
	// Auditor receives every lifecycle event; nil records nothing.
	Auditor Auditor
	// Timeouts bound the control protocol's steps; zero fields take
	// DefaultTimeouts'.
	Timeouts Timeouts
}

// Manager owns the modules: their installed versions, their states, the
// registry of the services they provide, and one supervisor per active
// module, which runs its instance's lifecycle.
type Manager struct {
	cfg Config

	mu       sync.Mutex
	modules  map[string]*Module
	services map[string]*Module
	// clients numbers the client channels Connect makes, from 1.
	clients uint64
}

// NewManager returns a manager with no module.
func NewManager(cfg Config) *Manager {
	if cfg.Auditor == nil {
		cfg.Auditor = nopAuditor{}
	}
	d, t := DefaultTimeouts, &cfg.Timeouts
	if t.Start == 0 {
		t.Start = d.Start
	}
	if t.Quiesce == 0 {
		t.Quiesce = d.Quiesce
	}
	if t.Export == 0 {
		t.Export = d.Export
	}
	if t.Stop == 0 {
		t.Stop = d.Stop
	}
	if t.Probation == 0 {
		t.Probation = d.Probation
	}
	return &Manager{cfg: cfg, modules: make(map[string]*Module), services: make(map[string]*Module)}
}

// Module is one module: its installed versions and, while active, its
// instance, clients and grants. Its fields are guarded by Manager.mu
// unless said otherwise.
type Module struct {
	m    *Manager
	name string

	versions map[string]*version
	state    State
	version  string // the version that serves (or served last)
	provides []string
	policy   RestartPolicy

	// serving is the instance client endpoints are attached to as they
	// connect: the current one, also while it is quiesced for a
	// replacement (the commit moves every endpoint to the new one).
	serving  *instance
	bindings []*binding
	// probation is set while serving is a replacement on probation: each
	// binding's endpoint keeps a journal (ipc.Endpoint.StartJournal), so
	// that the old instance can take over again.
	probation bool
	// grants are the roots of the capabilities every instance gets a
	// derived copy of: the clients of the services it uses, then the
	// caller's grants.
	grants   []*cap.Cap
	restarts int
	beat     heartbeat

	// reqs carries lifecycle requests to the supervisor, which closes
	// quit when it returns; both are nil while none runs.
	reqs chan request
	quit chan struct{}

	// Owned by the supervisor goroutine.
	cur    *instance
	last   *snapshot
	window window
}

// version is one installed version of a module.
type version struct {
	image    Image
	manifest modstore.Manifest
	// signer is the key whose signature stood, "" for a tainted module.
	signer modstore.KeyID
}

// binding is one client's channel: the manager holds the root capability
// to the service's end, so the endpoint outlives every instance that
// serves it; each instance gets a capability derived from it, which the
// manager revokes when the instance stops serving.
type binding struct {
	service string
	// id names the client to every instance that serves it, so that
	// state an instance keeps per client (a file system's open files)
	// can be exported and found again by the next one.
	id   uint64
	root *cap.Cap
	ep   *ipc.Endpoint
}

// gone reports whether the client closed its end and the service's end
// holds nothing more to read.
func (b *binding) gone() bool {
	s := b.ep.Signals()
	return s&abi.PeerClosed != 0 && s&abi.Readable == 0
}

// Install verifies a module file with the store and keeps its version.
// It records the version in the store (anti-rollback) once installed.
func (m *Manager) Install(file []byte) (*modstore.Verdict, error) {
	v, err := m.cfg.Store.Verify(file)
	if err != nil {
		name := "?"
		if mod, perr := modstore.ParseModule(file); perr == nil {
			name = mod.Manifest.Name
		}
		m.cfg.Auditor.Record(EventCheckFail, name, err.Error())
		return nil, fmt.Errorf("install: %w", err)
	}
	man := v.Module.Manifest
	ver := &version{
		image: Image{
			Name:    man.Name,
			Version: man.Version.String(),
			ELF:     slices.Clone(v.Module.ELF),
			Memory:  man.Memory,
			Threads: int(man.Threads),
		},
		manifest: man,
	}
	if v.Signer != nil {
		ver.signer = v.Signer.ID()
	}
	m.mu.Lock()
	mod := m.modules[man.Name]
	if mod == nil || mod.state == Revoked {
		mod = &Module{m: m, name: man.Name, versions: make(map[string]*version)}
		m.modules[man.Name] = mod
	}
	mod.versions[ver.image.Version] = ver
	m.mu.Unlock()
	if err := m.cfg.Store.Record(v); err != nil {
		return nil, fmt.Errorf("install %s %s: %w", man.Name, ver.image.Version, err)
	}
	detail := ver.image.Version
	if v.Tainted {
		m.cfg.Auditor.Record(EventTainted, man.Name, fmt.Sprintf("%s: %v", detail, v.Reason))
	}
	m.cfg.Auditor.Record(EventInstall, man.Name, detail)
	return v, nil
}

// ActivateOptions are the choices of Activate.
type ActivateOptions struct {
	// Policy is the module's restart policy; the zero value takes
	// DefaultRestart.
	Policy RestartPolicy
	// Grants are capabilities the module's instances get, after the
	// control channel and the clients of the services it uses, each as
	// a capability derived from the one given with the same rights. The
	// manager owns them from the call on: Revoke revokes everything
	// derived from them.
	Grants []*cap.Cap
}

// Activate starts version of module name from scratch and registers the
// services its manifest provides. It returns once the instance reported
// ready.
func (m *Manager) Activate(name, ver string, opt ActivateOptions) error {
	fail := func(err error) error {
		for _, g := range opt.Grants {
			g.Close()
		}
		return fmt.Errorf("activate %s %s: %w", name, ver, err)
	}
	m.mu.Lock()
	mod, v, err := m.lookup(name, ver)
	if err == nil && mod.state != Installed && mod.state != Failed {
		err = fmt.Errorf("%v: %w", mod.state, ErrState)
	}
	if err == nil {
		for _, s := range v.manifest.Provides {
			if other := m.services[s]; other != nil && other != mod {
				err = fmt.Errorf("%s by %s: %w", s, other.name, ErrServiceTaken)
			}
		}
	}
	if err != nil {
		m.mu.Unlock()
		return fail(err)
	}
	// Activating: no other activation may start until this one is done.
	mod.state = Replacing
	mod.restarts = 0
	m.mu.Unlock()

	var grants []*cap.Cap
	for _, s := range v.manifest.Uses {
		c, err := m.Connect(s)
		if err != nil {
			for _, g := range grants {
				g.Close()
			}
			m.setState(mod, Installed)
			return fail(err)
		}
		grants = append(grants, c)
	}
	grants = append(grants, opt.Grants...)
	policy := opt.Policy
	if policy == (RestartPolicy{}) {
		policy = DefaultRestart
	}
	m.mu.Lock()
	mod.grants, mod.policy, mod.provides = grants, policy, slices.Clone(v.manifest.Provides)
	m.mu.Unlock()

	inst, err := mod.launch(v, nil)
	if err != nil {
		m.mu.Lock()
		mod.releaseGrants(false)
		mod.state = Installed
		m.mu.Unlock()
		return fmt.Errorf("activate %s %s: %w", name, ver, err)
	}
	mod.window = window{}
	mod.last = nil
	m.mu.Lock()
	if mod.state != Replacing {
		// Revoked while it started.
		m.mu.Unlock()
		inst.kill("module revoked")
		return fmt.Errorf("activate %s %s: %w", name, ver, ErrRevoked)
	}
	mod.state, mod.version = Active, ver
	for _, s := range mod.provides {
		m.services[s] = mod
	}
	mod.reqs, mod.quit = make(chan request), make(chan struct{})
	m.mu.Unlock()
	mod.commit(inst, false)
	m.cfg.Auditor.Record(EventActivate, name, fmt.Sprintf("%s pid %d", ver, inst.proc.PID()))
	go mod.supervise(inst)
	return nil
}

// lookup finds an installed version.
// Preconditions: m.mu is held.
func (m *Manager) lookup(name, ver string) (*Module, *version, error) {
	mod := m.modules[name]
	if mod == nil || mod.state == Revoked {
		return nil, nil, ErrNoModule
	}
	v := mod.versions[ver]
	if v == nil {
		return nil, nil, ErrNoVersion
	}
	return mod, v, nil
}

func (m *Manager) setState(mod *Module, s State) {
	m.mu.Lock()
	mod.state = s
	m.mu.Unlock()
}

// Connect makes a channel to service and returns the client's end, a
// root capability with ClientRights. The service's end stays with the
// manager, which hands it to the instance serving now and to each that
// replaces it: the client's end stays valid across replacements and
// restarts, and what the client sends meanwhile waits in order.
func (m *Manager) Connect(service string) (*cap.Cap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mod := m.services[service]
	if mod == nil {
		return nil, fmt.Errorf("connect %s: %w", service, ErrNoService)
	}
	mod.prune()
	if len(mod.bindings) >= abi.MaxWaitItems-1 {
		return nil, fmt.Errorf("connect %s: %d clients: %w", service, len(mod.bindings), ErrTooManyClients)
	}
	client, server, err := ipc.NewChannel(serviceSchema, 0)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", service, err)
	}
	m.clients++
	b := &binding{service: service, id: m.clients, root: cap.New(server, endpointRights), ep: server}
	mod.bindings = append(mod.bindings, b)
	if mod.probation {
		server.StartJournal()
	}
	if mod.serving != nil {
		// A failure leaves the binding to the next instance: this one
		// has died, and its restart attaches every binding.
		mod.serving.attach(b)
	}
	return cap.New(client, ClientRights), nil
}

// prune lets go of the bindings whose clients are gone. On probation it
// keeps them: a journal may hold requests to give back to the old
// instance.
// Preconditions: m.mu is held.
func (mod *Module) prune() {
	if mod.probation {
		return
	}
	mod.bindings = slices.DeleteFunc(mod.bindings, func(b *binding) bool {
		if b.gone() {
			b.root.Close()
			return true
		}
		return false
	})
}

// attach hands the instance a capability to b's endpoint. The control
// channel's queue has room for every binding, so it never waits.
func (in *instance) attach(b *binding) error {
	c, err := b.root.Derive(endpointRights)
	if err != nil {
		return err
	}
	data := binary.LittleEndian.AppendUint64(nil, b.id)
	data = append(data, b.service...)
	if err := in.ctl.Write(ipc.Message{Type: abi.ModAttach, Data: data, Caps: []*cap.Cap{c}}, time.Time{}, false); err != nil {
		c.Close()
		return err
	}
	return nil
}

// commit makes inst the instance that serves: every capability an
// earlier instance had to the clients' endpoints is revoked, so that no
// message is read by two, then each endpoint is attached to inst, its
// queued messages waiting there in order. On probation each endpoint
// keeps a journal of what inst reads from it, from before inst can read:
// rewind gives it back, endProbation lets it stand.
func (mod *Module) commit(inst *instance, probation bool) {
	m := mod.m
	m.mu.Lock()
	defer m.mu.Unlock()
	mod.prune()
	for _, b := range mod.bindings {
		b.root.RevokeDerived()
		if probation {
			b.ep.StartJournal()
		}
	}
	mod.cur, mod.serving, mod.probation = inst, inst, probation
	// The heartbeats counted are the previous instance's.
	mod.beat.latency, mod.beat.misses = 0, 0
	for _, b := range mod.bindings {
		inst.attach(b)
	}
}

// rewind gives the endpoints back to old, the quiesced instance a
// replacement on probation was to replace, once the replacement has
// ended: every capability it had to them is revoked, every request it
// read goes back to the head of its endpoint's queue, in order, and a
// reply old writes to a call the replacement answered is dropped
// (ipc.Endpoint.Rewind). old serves them again once resumed.
func (mod *Module) rewind(old *instance) {
	m := mod.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range mod.bindings {
		b.root.RevokeDerived()
		b.ep.Rewind()
	}
	mod.cur, mod.serving, mod.probation = old, old, false
	mod.prune()
	for _, b := range mod.bindings {
		old.attach(b)
	}
}

// endProbation lets what the replacement read on probation stand.
func (mod *Module) endProbation() {
	m := mod.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range mod.bindings {
		b.ep.EndJournal()
	}
	mod.probation = false
}

// releaseGrants revokes every capability derived from the module's
// grants and closes them, and does the same to the clients' endpoints,
// whose clients then see the channel closed.
// Preconditions: m.mu is held.
func (mod *Module) releaseGrants(clients bool) {
	for _, g := range mod.grants {
		g.RevokeDerived()
		g.Close()
	}
	mod.grants = nil
	if !clients {
		return
	}
	for _, b := range mod.bindings {
		b.root.RevokeDerived()
		b.root.Close()
	}
	mod.bindings = nil
	for _, s := range mod.provides {
		if mod.m.services[s] == mod {
			delete(mod.m.services, s)
		}
	}
	mod.serving = nil
}

// Status is what the manager tells of a module.
type Status struct {
	Name     string
	State    State
	Version  string   // the version serving, or that served last
	Versions []string // installed
	PID      uint64   // the serving instance's, 0 when none
	Clients  int
	Restarts int // by the restart policy since activation
	// HeartbeatLatency is the time the instance took to answer the last
	// heartbeat it answered; HeartbeatMisses the heartbeats it has
	// missed in a row since.
	HeartbeatLatency time.Duration
	HeartbeatMisses  int
	// Manifest is Version's, and Signer the key that signed it ("" when
	// it was installed tainted).
	Manifest modstore.Manifest
	Signer   modstore.KeyID
}

// List returns the status of every module the manager knows, by name.
func (m *Manager) List() []Status {
	m.mu.Lock()
	names := slices.Sorted(maps.Keys(m.modules))
	m.mu.Unlock()
	var out []Status
	for _, n := range names {
		if st, err := m.Status(n); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// Status returns module name's status.
func (m *Manager) Status(name string) (Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mod := m.modules[name]
	if mod == nil {
		return Status{}, fmt.Errorf("status %s: %w", name, ErrNoModule)
	}
	st := Status{Name: name, State: mod.state, Version: mod.version, Clients: len(mod.bindings), Restarts: mod.restarts,
		HeartbeatLatency: mod.beat.latency, HeartbeatMisses: mod.beat.misses}
	for v := range mod.versions {
		st.Versions = append(st.Versions, v)
	}
	slices.Sort(st.Versions)
	if v := mod.versions[mod.version]; v != nil {
		st.Manifest, st.Signer = v.manifest, v.signer
	}
	if mod.serving != nil {
		st.PID = mod.serving.proc.PID()
	}
	return st, nil
}

// Replace replaces module name's instance by one of version ver (the same
// version reloads it): the old instance quiesces and exports its state,
// the new one imports it, and once it has lived through its probation the
// clients' endpoints move to it. Should any step fail, the old instance
// serves again and the error wraps ErrRolledBack; should the old instance
// not quiesce in time, it is killed and restarted by its policy, and the
// error wraps ErrQuiesce.
func (m *Manager) Replace(name, ver string) error {
	m.mu.Lock()
	mod, v, err := m.lookup(name, ver)
	if err == nil && !slices.Equal(v.manifest.Provides, mod.provides) {
		err = fmt.Errorf("%v instead of %v: %w", v.manifest.Provides, mod.provides, ErrProvides)
	}
	m.mu.Unlock()
	if err != nil {
		return fmt.Errorf("replace %s with %s: %w", name, ver, err)
	}
	return mod.ask(request{kind: reqReplace, to: v})
}

// Stop stops module name: its instance exits (or is killed), its clients
// see their channels closed and its grants are revoked. It stays
// installed.
func (m *Manager) Stop(name string) error {
	m.mu.Lock()
	mod := m.modules[name]
	m.mu.Unlock()
	if mod == nil {
		return fmt.Errorf("stop %s: %w", name, ErrNoModule)
	}
	return mod.ask(request{kind: reqStop})
}

// Restart kills module name's instance at once and starts another by its
// restart policy, as if the instance had died: the restart counts
// against the policy's intensity, and the module fails when it is one
// too many. reason goes to the audit log.
func (m *Manager) Restart(name, reason string) error {
	m.mu.Lock()
	mod := m.modules[name]
	m.mu.Unlock()
	if mod == nil {
		return fmt.Errorf("restart %s: %w", name, ErrNoModule)
	}
	return mod.ask(request{kind: reqRestart, reason: reason})
}

// Revoke revokes module name: its instance is killed at once, every
// handle derived from its grants and from its clients' endpoints is
// revoked (operations on them fail with cap.ErrRevoked, EREVOKED in ring
// 3), its clients see their channels closed (EPEERCLOSED), its services
// leave the registry and its versions are forgotten.
func (m *Manager) Revoke(name string) error {
	m.mu.Lock()
	mod := m.modules[name]
	m.mu.Unlock()
	if mod == nil {
		return fmt.Errorf("revoke %s: %w", name, ErrNoModule)
	}
	return mod.ask(request{kind: reqRevoke})
}

// errNotRunning is what ask gets when no supervisor runs.
var errNotRunning = errors.New("no supervisor")
