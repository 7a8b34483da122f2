// Package module is the kernel's module manager: it installs module files
// the trust store accepts (modstore), starts their instances with the
// capabilities they are granted, keeps the registry of the services they
// provide, replaces an instance by another while its clients go on, and
// stops, restarts and revokes them. docs/modules.md, "Lifecycle", is the
// user's view; abi/module.go is the control protocol an instance speaks,
// and package sdk/module its side of it.
//
// # States
//
// A module is Installed (versions kept, nothing runs), Active (an
// instance serves), Replacing (a replacement or an activation is under
// way), Failed (its restart policy gave up) or Revoked. Each active
// module has a supervisor goroutine that runs its lifecycle requests
// (Replace, Stop, Revoke) one at a time and restarts its instance when it
// ends on its own, one-for-one, by its RestartPolicy.
//
// # Endpoints that survive a replacement
//
// Connect makes a client's channel and gives the client its end. The
// manager keeps the root capability to the service's end (a binding);
// the instance that serves gets a capability derived from it, sent in a
// ModAttach message on its control channel. Because the manager's root
// is a live capability, the endpoint never reaches its last handle while
// instances come and go: the client's channel stays open, and what the
// client writes waits in the endpoint's queue, in order. To switch
// instances the manager revokes every capability derived from each root
// (the old instance can no longer read, even if it misbehaves) and
// attaches the endpoints to the new instance, which reads the queued
// messages first. A call's reply goes to the caller by transaction id,
// so a reply from the new instance reaches a call made to the old one.
//
// A replacement: a new instance starts with the grants and says it runs
// (ModHello) while the old one still serves; then the old instance
// quiesces (its service loop serves one request at a time, so it only
// finishes the one at hand) and exports its state; the new one imports
// it and reports ready, and the registry switches to it. The clients are
// held from the quiesce to the switch only. The new instance then serves
// on probation: each client endpoint keeps a journal of what it reads
// (ipc.Endpoint.StartJournal) and the old instance stays quiesced. Should
// the new one fail before the switch, or die in its probation, the old
// one resumes (rollback); after a death in probation it first gets the
// endpoints back with every request the new one read put back at their
// heads, in order, and the replies it writes to calls the new one had
// answered are dropped (Rewind), so that no request is lost, repeated to
// a client or reordered. This asks of a module that a request's effect
// on its state depend only on the state and the request, as kv's do: the
// old instance must reach, from the state it exported, the state the new
// one had. An instance that does not answer the quiesce request in time
// is killed and restarted by its policy, from the state of the last
// replacement or from scratch; the request it was serving is lost.
//
// Revoking a module revokes everything derived from its grants and from
// its clients' endpoints and closes the roots, so its clients see
// abi.PeerClosed and every handle an instance derived from a grant fails
// with cap.ErrRevoked.
//
// # Locking
//
// Manager.mu guards the module table, the registry and each Module's
// fields but those the supervisor owns (cur, last, window); it is never
// held while waiting for an instance, except for the non-blocking write
// of a ModAttach (the control channel's queue has room for every
// binding). Lock order: Manager.mu < ipc's and cap's locks. Auditor.Record
// is called without Manager.mu.
package module
