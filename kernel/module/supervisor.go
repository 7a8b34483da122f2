package module

import (
	"errors"
	"fmt"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
)

// The lifecycle requests a supervisor runs.
const (
	reqReplace = iota
	reqStop
	reqRevoke
	reqRestart
)

type request struct {
	kind   int
	to     *version // reqReplace
	reason string   // reqRestart
	done   chan error
}

// ask has the module's supervisor run r and returns its outcome; with no
// supervisor (the module is not active) it runs r itself.
func (mod *Module) ask(r request) error {
	r.done = make(chan error, 1)
	m := mod.m
	m.mu.Lock()
	reqs, quit := mod.reqs, mod.quit
	m.mu.Unlock()
	if reqs == nil {
		return mod.idle(r)
	}
	select {
	case reqs <- r:
		return <-r.done
	case <-quit:
		// The supervisor ended (the module failed) before it took r.
		return mod.ask(r)
	}
}

// idle runs r for a module no supervisor runs.
func (mod *Module) idle(r request) error {
	m := mod.m
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case r.kind == reqRevoke && mod.state != Revoked:
		mod.releaseGrants(true)
		mod.state, mod.versions = Revoked, nil
		m.cfg.Auditor.Record(EventRevoke, mod.name, "no instance ran")
		return nil
	case r.kind == reqStop && (mod.state == Installed || mod.state == Failed):
		mod.state = Installed
		return nil
	}
	return fmt.Errorf("%s: %v: %w", mod.name, mod.state, ErrState)
}

// supervise runs the lifecycle of an active module: the requests of
// Replace, Stop and Revoke one at a time, and the restart policy when the
// instance ends on its own. It returns when the module stops, is revoked
// or fails.
func (mod *Module) supervise(inst *instance) {
	m := mod.m
	defer func() {
		m.mu.Lock()
		mod.reqs = nil
		close(mod.quit)
		mod.quit = nil
		m.mu.Unlock()
	}()
	var beats <-chan time.Time
	if p := mod.policy.Heartbeat; p > 0 {
		t := time.NewTicker(p)
		defer t.Stop()
		beats = t.C
	}
	for {
		select {
		case <-beats:
			mod.ping(mod.cur, heartbeatTimeout(mod.policy.Heartbeat))
		case r := <-mod.reqs:
			end, err := mod.run(r)
			r.done <- err
			if end {
				return
			}
		case <-mod.cur.proc.Done():
			if !mod.recover(mod.cur, false) {
				return
			}
		}
	}
}

// run carries out r and reports whether the supervisor ends with it.
func (mod *Module) run(r request) (end bool, err error) {
	m := mod.m
	switch r.kind {
	case reqReplace:
		return mod.replace(r.to)
	case reqStop:
		inst := mod.cur
		killed := inst.stop(m.cfg.Timeouts.Stop)
		m.mu.Lock()
		mod.releaseGrants(true)
		mod.state, mod.cur = Installed, nil
		m.mu.Unlock()
		detail := fmt.Sprintf("%s pid %d", inst.version, inst.proc.PID())
		if killed {
			m.cfg.Auditor.Record(EventKill, mod.name, detail+": did not stop in time")
		}
		m.cfg.Auditor.Record(EventStop, mod.name, detail)
		return true, nil
	case reqRestart:
		inst := mod.cur
		m.cfg.Auditor.Record(EventKill, mod.name, fmt.Sprintf("%s pid %d: restart asked: %s", inst.version, inst.proc.PID(), r.reason))
		inst.kill("restart asked")
		return !mod.recover(inst, true), nil
	case reqRevoke:
		inst := mod.cur
		inst.kill("module revoked")
		m.mu.Lock()
		mod.releaseGrants(true)
		mod.state, mod.cur, mod.versions = Revoked, nil, nil
		m.mu.Unlock()
		m.cfg.Auditor.Record(EventRevoke, mod.name, fmt.Sprintf("%s pid %d killed", inst.version, inst.proc.PID()))
		return true, nil
	}
	return false, fmt.Errorf("request %d: %w", r.kind, ErrState)
}

// replace runs a replacement of the current instance by one of version
// to, and reports whether the supervisor ends (the old instance was lost
// and its restarts failed).
func (mod *Module) replace(to *version) (end bool, err error) {
	m := mod.m
	t := m.cfg.Timeouts
	old := mod.cur
	what := fmt.Sprintf("%s (pid %d) by %s", old.version, old.proc.PID(), to.image.Version)
	fail := func(cause error) error {
		return fmt.Errorf("replace %s %s: %w", mod.name, what, cause)
	}
	m.setState(mod, Replacing)
	// The new instance's process starts first, while the old one still
	// serves, and says when it runs: the time a process takes to start
	// is no client's.
	spawned := time.Now()
	cand, err := mod.spawn(to)
	if err == nil {
		if err = cand.greet(t.Start); err != nil {
			cand.kill("did not start")
			err = fmt.Errorf("%w: %s pid %d: %w", ErrStart, cand.version, cand.proc.PID(), err)
		}
	}
	if err != nil {
		m.setState(mod, Active)
		m.cfg.Auditor.Record(EventRollback, mod.name, fmt.Sprintf("%s: %v", what, err))
		return false, fmt.Errorf("replace %s %s: %w: %w", mod.name, what, ErrRolledBack, err)
	}
	abandon := func() { cand.kill("replacement abandoned") }
	// The clients are held from the quiesce to the switch: their
	// messages wait in the endpoints. The replace record says for how
	// long, and where the time went.
	began := time.Now()
	mark := began
	lap := func() time.Duration {
		now := time.Now()
		d := now.Sub(mark)
		mark = now
		return d
	}
	ready := began.Sub(spawned)

	// 1. The old instance stops reading and finishes what it has begun;
	// the request for its state goes with the request to quiesce.
	if err := old.quiesce(t.Quiesce); err != nil {
		abandon()
		if errors.Is(err, ErrDied) {
			return !mod.recover(old, false), fail(err)
		}
		m.cfg.Auditor.Record(EventKill, mod.name, fmt.Sprintf("%s pid %d: no answer to quiesce within %v: %v", old.version, old.proc.PID(), t.Quiesce, err))
		old.kill("did not quiesce in time")
		return !mod.recover(old, true), fail(fmt.Errorf("%w: %w", ErrQuiesce, err))
	}
	quiesced := lap()

	// 2. It exports its state.
	data, err := old.export(t.Export)
	if err != nil {
		abandon()
		var r *refusal
		switch {
		case errors.Is(err, ErrDied):
			return !mod.recover(old, false), fail(err)
		case !errors.As(err, &r):
			m.cfg.Auditor.Record(EventKill, mod.name, fmt.Sprintf("%s pid %d: no state within %v: %v", old.version, old.proc.PID(), t.Export, err))
			old.kill("did not export its state in time")
			return !mod.recover(old, true), fail(fmt.Errorf("%w: %w", ErrExport, err))
		}
		return mod.rollback(old, what, fmt.Errorf("%w: %w", ErrExport, err))
	}
	snap := &snapshot{data: data, from: old.version}
	exported := lap()

	// 3. The new instance imports it and reports ready.
	if err := mod.begin(cand, snap); err != nil {
		return mod.rollback(old, what, err)
	}
	imported := lap()

	// 4. The registry switches: the clients' endpoints go to the new
	// instance, which serves them on probation, each endpoint keeping a
	// journal of what it reads.
	mod.commit(cand, true)
	switched, held := lap(), time.Since(began)

	// 5. Should the new instance die in its probation, the old one, still
	// quiesced, takes the endpoints back with every request the new one
	// read put back in order (ipc.Endpoint.Rewind) and serves them again.
	if err := cand.survive(t.Probation); err != nil {
		cand.kill("died in probation")
		mod.rewind(old)
		return mod.rollback(old, what, err)
	}
	mod.endProbation()
	probation := lap()
	mod.last = snap
	m.mu.Lock()
	mod.state, mod.version = Active, to.image.Version
	m.mu.Unlock()
	killed := old.stop(t.Stop)
	detail := fmt.Sprintf("%s; pid %d serves, %d bytes of state; clients held %v: quiesce %v, export %v, import %v (state sent in %v), switch %v; then probation %v; its process ran %v before",
		what, cand.proc.PID(), len(data), held, quiesced, exported, imported, cand.sent, switched, probation, ready)
	if killed {
		m.cfg.Auditor.Record(EventKill, mod.name, fmt.Sprintf("%s pid %d: did not stop in time", old.version, old.proc.PID()))
	}
	m.cfg.Auditor.Record(EventReplace, mod.name, detail)
	return false, nil
}

// rollback resumes the quiesced old instance after a failed replacement.
func (mod *Module) rollback(old *instance, what string, cause error) (end bool, err error) {
	m := mod.m
	m.cfg.Auditor.Record(EventRollback, mod.name, fmt.Sprintf("%s: %v", what, cause))
	err = fmt.Errorf("replace %s %s: %w: %w", mod.name, what, ErrRolledBack, cause)
	if rerr := old.send(abi.ModResume, nil, nil, m.cfg.Timeouts.Quiesce); rerr != nil {
		return !mod.recover(old, false), err
	}
	m.setState(mod, Active)
	return false, err
}

// recover restarts the module after its instance inst ended, by its
// restart policy, and reports whether an instance serves again; when the
// policy gives up the module is failed. killed says the manager killed
// inst rather than it ending on its own.
func (mod *Module) recover(inst *instance, killed bool) bool {
	m := mod.m
	<-inst.proc.Done()
	inst.release()
	if !killed {
		code, report := inst.proc.Status()
		m.cfg.Auditor.Record(EventCrash, mod.name, fmt.Sprintf("%s pid %d: status %d %s", inst.version, inst.proc.PID(), code, report))
	}
	m.mu.Lock()
	mod.serving, mod.state = nil, Active
	v := mod.versions[inst.version]
	m.mu.Unlock()
	for {
		d, ok := mod.window.admit(mod.policy, time.Now())
		if !ok || v == nil {
			m.mu.Lock()
			mod.releaseGrants(true)
			mod.state, mod.cur = Failed, nil
			m.mu.Unlock()
			m.cfg.Auditor.Record(EventGiveUp, mod.name, fmt.Sprintf("more than %d restarts within %v", mod.policy.Intensity, mod.policy.Period))
			return false
		}
		time.Sleep(d)
		var s *snapshot
		from := "scratch"
		if mod.policy.FromState && mod.last != nil {
			s, from = mod.last, "the state of "+mod.last.from
		}
		next, err := mod.launch(v, s)
		if err != nil {
			m.cfg.Auditor.Record(EventCrash, mod.name, fmt.Sprintf("restart of %s from %s: %v", v.image.Version, from, err))
			continue
		}
		mod.commit(next, false)
		m.mu.Lock()
		mod.restarts++
		m.mu.Unlock()
		m.cfg.Auditor.Record(EventRestart, mod.name, fmt.Sprintf("%s pid %d from %s after %v", v.image.Version, next.proc.PID(), from, d))
		return true
	}
}

// launch starts an instance of v with its grants and state s (nil: from
// scratch) and waits until it reports ready. On an error nothing of it is
// left.
func (mod *Module) launch(v *version, s *snapshot) (*instance, error) {
	inst, err := mod.spawn(v)
	if err != nil {
		return nil, err
	}
	if err := mod.begin(inst, s); err != nil {
		return nil, err
	}
	return inst, nil
}

// begin gives the instance inst, which spawn started, its state s (nil:
// from scratch) and waits until it reports ready. On an error inst is
// killed.
func (mod *Module) begin(inst *instance, s *snapshot) error {
	if err := inst.start(s, mod.m.cfg.Timeouts); err != nil {
		inst.kill("did not start")
		return fmt.Errorf("%w: %s pid %d: %w", ErrStart, inst.version, inst.proc.PID(), err)
	}
	return nil
}

// spawn starts the process of an instance of v with its grants and a
// control channel; the instance waits there for begin. On an error
// nothing of it is left.
func (mod *Module) spawn(v *version) (*instance, error) {
	m := mod.m
	mine, theirs, err := ipc.NewChannel(controlSchema, controlDepth)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	handles := []*cap.Cap{cap.New(theirs, controlRights)}
	m.mu.Lock()
	grants := mod.grants
	m.mu.Unlock()
	closeAll := func() {
		for _, h := range handles {
			h.Close()
		}
		mine.Release()
	}
	for _, g := range grants {
		d, err := g.Derive(g.Rights())
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("%w: grant: %w", ErrStart, err)
		}
		handles = append(handles, d)
	}
	p, err := m.cfg.Launcher.Launch(v.image, handles)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	return &instance{proc: p, ctl: mine, version: v.image.Version}, nil
}
