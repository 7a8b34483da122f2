package kv_test

import (
	"errors"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/module"
	"clk/modules/kv"
	"clk/sdk"
)

// fast are timeouts for replacing often: a short probation, generous
// steps.
var fast = module.Timeouts{Probation: 2 * time.Millisecond}

func TestHotSwapUnderLoadLosesDuplicatesAndReordersNothing(t *testing.T) {
	h := newHarness(t, fast, v1, v2)
	if err := h.mgr.Activate("kv", v1, module.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	ld := startLoad(h)
	const swaps = 100
	downgrades := 0
	for i := range swaps {
		ld.progress()
		to := v2
		if i < swaps/2 {
			to = v1 // reloads of version 1, then version 2 from the 50th on
		}
		if err := h.mgr.Replace("kv", to); err != nil {
			t.Fatalf("replacement %d by %s: %v", i+1, to, err)
		}
		if st := h.status(); st.State != module.Active || st.Version != to {
			t.Fatalf("after replacement %d: %+v", i+1, st)
		}
		if i >= swaps/2 && i%10 == 0 {
			// Version 1 cannot read version 2's state: the downgrade
			// is rolled back, and version 2 serves on.
			ld.progress()
			err := h.mgr.Replace("kv", v1)
			if !errors.Is(err, module.ErrRolledBack) || !errors.Is(err, module.ErrStart) {
				t.Fatalf("downgrade: %v, want a rollback", err)
			}
			downgrades++
		}
	}
	ld.finish()
	if st := h.status(); st.Version != v2 || st.Restarts != 0 {
		t.Fatalf("status at the end: %+v", st)
	}
	if n := h.audit.count(module.EventReplace); n != swaps {
		t.Fatalf("%d replacements in the audit log, want %d", n, swaps)
	}
	if n := h.audit.count(module.EventRollback); n != downgrades {
		t.Fatalf("%d rollbacks in the audit log, want %d", n, downgrades)
	}
	// Version 2 counted the writes since it imported version 1's state.
	c := h.connect()
	defer c.Ch.Close()
	if rev, err := c.Rev("k1", sdk.After(callDeadline)); err != nil || rev < 1 {
		t.Fatalf("revision of k1: %d, %v", rev, err)
	}
}

func TestReplacementThatCrashesDuringMigrationIsRolledBack(t *testing.T) {
	h := newHarness(t, fast, v1, v2badImport)
	if err := h.mgr.Activate("kv", v1, module.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	ld := startLoad(h)
	ld.progress()
	pid := h.status().PID
	err := h.mgr.Replace("kv", v2badImport)
	if !errors.Is(err, module.ErrRolledBack) || !errors.Is(err, module.ErrDied) {
		t.Fatalf("replace: %v, want a rollback after the instance died", err)
	}
	if st := h.status(); st.State != module.Active || st.Version != v1 || st.PID != pid {
		t.Fatalf("after the rollback: %+v, want version %s pid %d serving", st, v1, pid)
	}
	ld.progress()
	ld.finish()
	if h.audit.count(module.EventRollback) != 1 {
		t.Fatalf("audit log:\n%s", h.audit)
	}
}

func TestReplacementThatCrashesSoonAfterStartingIsRolledBack(t *testing.T) {
	// The replacement crashes 10 ms after it starts; a probation of a
	// second covers that on any machine.
	h := newHarness(t, module.Timeouts{Probation: time.Second}, v1, v2dies)
	if err := h.mgr.Activate("kv", v1, module.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	ld := startLoad(h)
	ld.progress()
	pid := h.status().PID
	err := h.mgr.Replace("kv", v2dies)
	if !errors.Is(err, module.ErrRolledBack) || !errors.Is(err, module.ErrDied) {
		t.Fatalf("replace: %v, want a rollback after the instance died", err)
	}
	if st := h.status(); st.State != module.Active || st.Version != v1 || st.PID != pid {
		t.Fatalf("after the rollback: %+v, want version %s pid %d serving", st, v1, pid)
	}
	ld.progress()
	ld.finish()
}

func TestReplacementThatDiesOnProbationAfterServingIsRolledBackWithNothingLost(t *testing.T) {
	// The replacement serves 200 requests on probation, then crashes in
	// the next one before it replies: the old instance gets back every
	// request it read, in order, serves them again and answers only the
	// calls the replacement had not. The probation outlasts the 200
	// requests on any machine.
	h := newHarness(t, module.Timeouts{Probation: time.Minute}, v1, v2diesLate)
	if err := h.mgr.Activate("kv", v1, module.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	ld := startLoad(h)
	ld.progress()
	pid := h.status().PID
	err := h.mgr.Replace("kv", v2diesLate)
	if !errors.Is(err, module.ErrRolledBack) || !errors.Is(err, module.ErrDied) {
		t.Fatalf("replace: %v, want a rollback after the instance died", err)
	}
	if st := h.status(); st.State != module.Active || st.Version != v1 || st.PID != pid {
		t.Fatalf("after the rollback: %+v, want version %s pid %d serving", st, v1, pid)
	}
	ld.progress()
	ld.finish()
	if h.audit.count(module.EventRollback) != 1 || h.audit.count(module.EventReplace) != 0 {
		t.Fatalf("audit log:\n%s", h.audit)
	}
}

func TestInstanceThatDoesNotQuiesceIsKilledAndRestartedFromItsLastState(t *testing.T) {
	h := newHarness(t, module.Timeouts{Quiesce: 200 * time.Millisecond, Probation: 2 * time.Millisecond}, v1hangs)
	if err := h.mgr.Activate("kv", v1hangs, module.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := h.connect()
	defer c.Ch.Close()
	if err := c.Put("kept", []byte("before"), sdk.After(callDeadline)); err != nil {
		t.Fatal(err)
	}
	// A reload makes the state with "kept" the last one exported.
	if err := h.mgr.Replace("kv", v1hangs); err != nil {
		t.Fatal(err)
	}
	if err := c.Put("lost", []byte("after"), sdk.After(callDeadline)); err != nil {
		t.Fatal(err)
	}
	// The instance hangs in this request, so it cannot quiesce.
	if err := c.Ch.Write(kv.Put, []byte("\x04hangx"), nil, sdk.Never); err != nil {
		t.Fatal(err)
	}
	<-h.l.lastEnv().Hung
	err := h.mgr.Replace("kv", v1hangs)
	if !errors.Is(err, module.ErrQuiesce) {
		t.Fatalf("replace: %v, want %v", err, module.ErrQuiesce)
	}
	if st := h.status(); st.State != module.Active || st.Restarts != 1 {
		t.Fatalf("after the kill: %+v", st)
	}
	if got, err := c.Get("kept", sdk.After(callDeadline)); err != nil || string(got) != "before" {
		t.Fatalf("kept: %q, %v", got, err)
	}
	// Written after the last export, and lost with the instance.
	if _, err := c.Get("lost", sdk.After(callDeadline)); err == nil {
		t.Fatal("a key written after the last export survived the kill")
	}
	if h.audit.count(module.EventKill) != 1 || h.audit.count(module.EventRestart) != 1 {
		t.Fatalf("audit log:\n%s", h.audit)
	}
}

func TestRestartsBeyondTheIntensityFailTheModule(t *testing.T) {
	h := newHarness(t, fast, v1dies)
	policy := module.RestartPolicy{Intensity: 2, Period: time.Hour, BackoffMin: time.Millisecond, BackoffMax: 4 * time.Millisecond}
	if err := h.mgr.Activate("kv", v1dies, module.ActivateOptions{Policy: policy}); err != nil {
		t.Fatal(err)
	}
	c := h.connect()
	defer c.Ch.Close()
	// The first instance and its two restarts each crash; the third
	// crash gives the module up, and the client's call ends cleanly.
	_, err := c.Get("x", sdk.After(callDeadline))
	for err == nil || !errors.Is(err, abi.EPEERCLOSED) {
		if err != nil && !errors.Is(err, abi.EPEERCLOSED) && !errorsIsNotFound(err) {
			t.Fatalf("get: %v", err)
		}
		time.Sleep(time.Millisecond)
		_, err = c.Get("x", sdk.After(callDeadline))
	}
	if st := h.status(); st.State != module.Failed || st.Restarts != 2 {
		t.Fatalf("status: %+v", st)
	}
	if h.audit.count(module.EventCrash) != 3 || h.audit.count(module.EventGiveUp) != 1 {
		t.Fatalf("audit log:\n%s", h.audit)
	}
	if _, err := h.mgr.Connect("kv"); !errors.Is(err, module.ErrNoService) {
		t.Fatalf("connect to a failed module: %v", err)
	}
}

func errorsIsNotFound(err error) bool { return err != nil && err.Error() == "kv: no such key" }

func TestRevokeEndsTheProcessRevokesItsGrantsAndClosesItsClients(t *testing.T) {
	h := newHarness(t, fast, v1)
	grant, other, err := ipc.NewChannel(mustSchema(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	rights := abi.RightRead | abi.RightWrite | abi.RightWait | abi.RightDuplicate
	if err := h.mgr.Activate("kv", v1, module.ActivateOptions{Grants: []*cap.Cap{cap.New(grant, rights)}}); err != nil {
		t.Fatal(err)
	}
	c := h.connect()
	defer c.Ch.Close()
	if err := c.Put("a", []byte("b"), sdk.After(callDeadline)); err != nil {
		t.Fatal(err)
	}
	// What the instance derives from its grant and hands on (here, in
	// the shared table) must fall with the grant.
	e := h.l.lastEnv()
	dup, err := e.Grants[0].Duplicate(abi.RightWrite | abi.RightWait)
	if err != nil {
		t.Fatal(err)
	}
	if err := (sdk.Channel{Handle: dup}).Write(1, []byte("x"), nil, sdk.Now); err != nil {
		t.Fatalf("write through the grant before revoke: %v", err)
	}
	if err := h.mgr.Revoke("kv"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.Killed:
	default:
		t.Fatal("the instance still runs after revoke")
	}
	if err := (sdk.Channel{Handle: dup}).Write(1, []byte("x"), nil, sdk.Now); !errors.Is(err, abi.EREVOKED) {
		t.Fatalf("write through a handle derived from the grant: %v, want %v", err, abi.EREVOKED)
	}
	if _, err := c.Get("a", sdk.After(callDeadline)); !errors.Is(err, abi.EPEERCLOSED) {
		t.Fatalf("client's call after revoke: %v, want %v", err, abi.EPEERCLOSED)
	}
	if st := h.status(); st.State != module.Revoked || st.PID != 0 || len(st.Versions) != 0 {
		t.Fatalf("status: %+v", st)
	}
	if _, err := h.mgr.Connect("kv"); !errors.Is(err, module.ErrNoService) {
		t.Fatalf("connect after revoke: %v", err)
	}
	if err := h.mgr.Activate("kv", v1, module.ActivateOptions{}); !errors.Is(err, module.ErrNoModule) {
		t.Fatalf("activate after revoke: %v", err)
	}
	dup.Close()
}

func mustSchema(t *testing.T) *ipc.Schema {
	s, err := ipc.NewSchema(ipc.MessageSpec{Type: 1, MaxData: 16})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
