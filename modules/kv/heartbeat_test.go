package kv_test

import (
	"testing"
	"time"

	"clk/kernel/module"
	"clk/modules/kv"
	"clk/sdk"
)

// TestAHungInstanceMissesHeartbeatsAndRestartReplacesIt: an instance
// answers its heartbeats while it serves, misses them while a request
// never returns, and Restart kills it and starts another whose count
// starts again.
func TestAHungInstanceMissesHeartbeatsAndRestartReplacesIt(t *testing.T) {
	h := newHarness(t, fast, v1hangs)
	policy := module.DefaultRestart
	policy.Heartbeat = 20 * time.Millisecond
	if err := h.mgr.Activate("kv", v1hangs, module.ActivateOptions{Policy: policy}); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func(module.Status) bool) module.Status {
		t.Helper()
		deadline := time.Now().Add(callDeadline)
		for {
			st := h.status()
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: status %+v", what, st)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("an answered heartbeat", func(st module.Status) bool { return st.HeartbeatLatency > 0 && st.HeartbeatMisses == 0 })
	c := h.connect()
	defer c.Ch.Close()
	if err := c.Ch.Write(kv.Put, []byte("\x04hangx"), nil, sdk.Never); err != nil {
		t.Fatal(err)
	}
	<-h.l.lastEnv().Hung
	hung := waitFor("three missed heartbeats", func(st module.Status) bool { return st.HeartbeatMisses >= 3 })
	if err := h.mgr.Restart("kv", "test"); err != nil {
		t.Fatal(err)
	}
	st := h.status()
	if st.PID == hung.PID || st.Restarts != 1 || st.State != module.Active {
		t.Fatalf("after Restart: %+v, was pid %d", st, hung.PID)
	}
	waitFor("the new instance's heartbeats", func(st module.Status) bool { return st.HeartbeatLatency > 0 && st.HeartbeatMisses == 0 })
	if h.audit.count(module.EventKill) != 1 || h.audit.count(module.EventRestart) != 1 {
		t.Fatalf("audit log:\n%s", h.audit)
	}
}
