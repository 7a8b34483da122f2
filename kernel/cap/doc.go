// Package cap is clk's capability model: kernel objects reached only
// through per-process handle tables.
//
// A capability (Cap) pairs an object with rights (abi.Rights) and sits in a
// derivation tree: the kernel creates an object with a root capability
// (New); duplicating or replacing a handle derives a child with the same
// or fewer rights, so rights only shrink along the tree. Revoking through
// a capability revokes its whole subtree, wherever those capabilities are:
// in other processes' tables or in messages in flight. A revoked
// capability stays in its table, refusing every operation with ErrRevoked,
// until its holder closes it. Closing a capability hands its children to
// its parent, so an ancestor's revoke still reaches them.
//
// A Table maps a process's Handle values to capabilities. Values are drawn
// from a per-table ChaCha8 generator seeded from crypto/rand, skip the
// last 1024 closed values, and are never 0: a value is unguessable and
// means nothing in another table (it gets ErrBadHandle there). Moving a
// handle to another process (Table.Take, then Table.Install on the other
// side) moves the capability itself: the sender loses it, and it keeps its
// place in the derivation tree.
//
// Errors are *Error values wrapping one cause: ErrBadHandle (forged or
// another process's value), ErrClosed (recently closed), ErrRevoked,
// ErrWrongType, ErrAccessDenied, ErrNoSpace, ErrInvalid.
//
// # Locking
//
// Lock order: Table.mu < treeMu. treeMu is one lock for the whole
// derivation tree. Cap.revoked is atomic so that lookups read it under
// Table.mu alone. An object's Releaser.Release runs after the last live
// capability to it is closed or revoked, with no lock of this package
// held, so it may take its own locks and close further capabilities.
package cap
