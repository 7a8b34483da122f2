// Package suppolicy is the kernel's check of what the AI supervisor asks
// it to do: the signed action message, the signed policy file, and the
// engine that decides each action against the policy and audits the
// decision. docs/supervisor.md describes it for people.
//
// An Action names a kind (alert, restart, isolate, replace, revoke), a
// target module, the alert that moved the supervisor, a sequence number
// and a time, and is signed with the supervisor's own ed25519 key. A
// Policy, signed by a threshold of root keys (Roots, given to the engine
// by the kernel's configuration, not by modstore's trust store, so that
// the keys that govern the supervisor are not the keys that sign
// modules), names the supervisor's keys, the mode (advisory or
// enforced), which kinds are allowed on which modules, a rate limit of
// hard actions per module and period, and modules never revoked.
//
// Engine.Decide refuses a malformed message, a key the policy does not
// name, a bad signature, a sequence number not above the last accepted
// one of its key, a time outside the policy's max_age, and a kind the
// policy does not allow; over the rate limit it escalates: the action is
// not carried out and the audit says a person must decide. In advisory
// mode an action that passes every check is logged as what would have
// been done. Every decision goes to an Auditor, the method set of
// kernel/audit's Log.
//
// The package sits beside kernel/, as modstore does, so that the kernel
// (which checks actions), the supervisor (which signs them) and host
// tools (which sign policies) share one definition. It imports only the
// standard library and touches no file system.
//
// Locking: Engine.mu guards the policy, the sequence numbers and the rate
// counters; the auditor is called with it held, so decisions reach the
// audit log in the order they were taken.
//
// Invariants: bad input returns an error wrapping one of the sentinel
// errors and never panics; a key's accepted sequence numbers only rise; a
// loaded policy's version only rises.
package suppolicy
