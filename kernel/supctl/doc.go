// Package supctl is the kernel's end of the AI supervisor's control
// channel (abi/supervisor.go): it keeps the alerts the supervisor reports,
// has the policy engine (suppolicy) decide each action it asks for, and
// carries out what the engine allows through the module manager.
//
// The supervisor is a ring-3 module and is not trusted beyond its key:
// an alert that does not decode is dropped and counted, an action is
// whatever the engine says of it, and every decision, good or refused,
// is in the audit log. An allowed restart kills the module's instance
// and lets its restart policy start another (module.Manager.Restart);
// isolate stops the module, so its clients are let go and every handle
// derived from its grants is revoked, but it stays installed; revoke
// revokes it. Replace (with the last good version) is not carried out:
// the manager keeps no record of which version was good, so an allowed
// replace is audited as not done.
//
// # Locking
//
// Controller.mu guards the alerts and counters; it is never held while
// the engine decides or the manager acts.
package supctl
