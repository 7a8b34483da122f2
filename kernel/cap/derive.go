package cap

import (
	"sync"
	"sync/atomic"

	"clk/abi"
)

// treeMu guards the derivation tree of every capability: the parent and
// children links, the dead flags and the live counts. One lock for the
// whole tree keeps revocation simple: a subtree can span many tables and
// messages in flight, and revoking it must not race with a duplicate
// hanging a new child under one of its nodes.
//
// Lock order: Table.mu < treeMu. Releaser.Release runs with neither held.
var treeMu sync.Mutex

// Cap is one capability: an object, the rights to it, and its place in the
// derivation tree. A Cap lives in at most one table at a time; while it
// travels in a channel message it lives in none, and it is still a live
// reference to its object.
type Cap struct {
	obj    Object
	rights abi.Rights
	// revoked is set once, under treeMu, and read without it by lookups.
	revoked atomic.Bool

	// Guarded by treeMu.
	parent   *Cap
	children map[*Cap]struct{}
	dead     bool // closed or revoked: no longer counted in ref.live
	ref      *objRef
}

// objRef counts the live capabilities to one object. Guarded by treeMu.
type objRef struct {
	live int
}

// New returns a root capability to obj with the given rights: the one the
// kernel hands out when it creates the object. Revoking through it reaches
// every capability later derived from it.
func New(obj Object, rights abi.Rights) *Cap {
	return &Cap{obj: obj, rights: rights & abi.RightsAll, ref: &objRef{live: 1}}
}

// Object returns the object the capability refers to.
func (c *Cap) Object() Object { return c.obj }

// Rights returns the capability's rights.
func (c *Cap) Rights() abi.Rights { return c.rights }

// Type returns the type of the capability's object.
func (c *Cap) Type() abi.ObjectType { return c.obj.Type() }

// Revoked reports whether the capability was revoked.
func (c *Cap) Revoked() bool { return c.revoked.Load() }

// Derive returns a new capability to the same object with rights, a child
// of c in the derivation tree. rights must be a subset of c's.
func (c *Cap) Derive(rights abi.Rights) (*Cap, error) {
	if rights&^abi.RightsAll != 0 {
		return nil, ErrInvalid
	}
	if !c.rights.Has(rights) {
		return nil, ErrAccessDenied
	}
	treeMu.Lock()
	defer treeMu.Unlock()
	if c.dead {
		if c.revoked.Load() {
			return nil, ErrRevoked
		}
		return nil, ErrClosed
	}
	child := &Cap{obj: c.obj, rights: rights, parent: c, ref: c.ref}
	if c.children == nil {
		c.children = make(map[*Cap]struct{})
	}
	c.children[child] = struct{}{}
	c.ref.live++
	return child, nil
}

// Close drops the capability. Its children stay valid and move up to its
// parent, so that revoking an ancestor still reaches them. Closing twice
// does nothing. When this was the object's last live capability, the
// object's Release runs before Close returns.
func (c *Cap) Close() {
	treeMu.Lock()
	if c.dead {
		treeMu.Unlock()
		return
	}
	c.dead = true
	for ch := range c.children {
		ch.parent = c.parent
		if c.parent != nil {
			c.parent.children[ch] = struct{}{}
		}
	}
	c.children = nil
	if c.parent != nil {
		delete(c.parent.children, c)
		c.parent = nil
	}
	last := c.drop()
	treeMu.Unlock()
	if last {
		release(c.obj)
	}
}

// RevokeDerived revokes every capability derived from c, at any depth and
// wherever it is (another table, a message in flight). c itself stays
// valid. A revoked capability refuses every operation with ErrRevoked.
func (c *Cap) RevokeDerived() error {
	treeMu.Lock()
	if c.dead {
		treeMu.Unlock()
		if c.revoked.Load() {
			return ErrRevoked
		}
		return ErrClosed
	}
	last := false
	var walk func(n *Cap)
	walk = func(n *Cap) {
		for ch := range n.children {
			walk(ch)
			ch.revoked.Store(true)
			ch.dead = true
			ch.parent = nil
			if ch.drop() {
				last = true
			}
		}
		n.children = nil
	}
	walk(c)
	treeMu.Unlock()
	if last {
		release(c.obj)
	}
	return nil
}

// drop removes one live reference and reports whether it was the last.
// Preconditions: treeMu is held.
func (c *Cap) drop() bool {
	c.ref.live--
	return c.ref.live == 0
}

func release(obj Object) {
	if r, ok := obj.(Releaser); ok {
		r.Release()
	}
}
