package cap

import (
	crand "crypto/rand"
	"math/rand/v2"
	"sync"

	"clk/abi"
	"clk/kernel/limit"
)

// Handle is a process's name for a capability: a value meaningful only in
// the table that issued it. 0 is never a valid handle.
type Handle uint32

// Invalid is the handle value that never names a capability.
const Invalid Handle = 0

// recentClosed is how many closed values a table remembers and will not
// issue again, so that a stale value gets ErrClosed rather than naming a
// new capability.
const recentClosed = 1024

// Table is one process's handle table. Its values are drawn from a random
// generator seeded per table, so they cannot be guessed from another
// process's values or from earlier ones, and a closed value is not issued
// again while it is among the last recentClosed closed. All methods are
// safe for concurrent use.
type Table struct {
	mu      sync.Mutex
	entries map[Handle]*Cap
	rng     *rand.ChaCha8
	max     int
	// recent is a ring of the last closed values, indexed by recentPos;
	// recentSet holds the same values for lookup.
	recent    [recentClosed]Handle
	recentPos int
	recentSet map[Handle]struct{}
	dead      bool

	// account is what the table's process is charged to for what it sends
	// (set once, before the table is shared).
	account *limit.Account
}

// SetAccount makes a the account that the table's process is charged to
// for the messages it sends. It is meant to be called once, before the
// table is shared.
func (t *Table) SetAccount(a *limit.Account) { t.account = a }

// Account returns the table's account, or nil when it has none (kernel
// services), which charges nothing.
func (t *Table) Account() *limit.Account { return t.account }

// NewTable returns an empty table holding at most max handles (0 means
// abi.DefaultMaxHandles).
func NewTable(max int) *Table {
	if max <= 0 {
		max = abi.DefaultMaxHandles
	}
	var seed [32]byte
	crand.Read(seed[:])
	return &Table{
		entries:   make(map[Handle]*Cap),
		rng:       rand.NewChaCha8(seed),
		max:       max,
		recentSet: make(map[Handle]struct{}),
	}
}

// newValue returns an unused value that was not closed recently.
// Preconditions: t.mu is held.
func (t *Table) newValue() Handle {
	for {
		h := Handle(t.rng.Uint64())
		if h == Invalid {
			continue
		}
		if _, ok := t.entries[h]; ok {
			continue
		}
		if _, ok := t.recentSet[h]; ok {
			continue
		}
		return h
	}
}

// forget removes h from the table and remembers it as closed.
// Preconditions: t.mu is held and h is in t.entries.
func (t *Table) forget(h Handle) {
	delete(t.entries, h)
	if old := t.recent[t.recentPos]; old != Invalid {
		delete(t.recentSet, old)
	}
	t.recent[t.recentPos] = h
	t.recentPos = (t.recentPos + 1) % recentClosed
	t.recentSet[h] = struct{}{}
}

// lookup finds h and checks it. Preconditions: t.mu is held.
func (t *Table) lookup(op string, h Handle, typ abi.ObjectType, need abi.Rights) (*Cap, error) {
	c, ok := t.entries[h]
	if !ok {
		if _, closed := t.recentSet[h]; closed {
			return nil, herr(op, h, ErrClosed)
		}
		return nil, herr(op, h, ErrBadHandle)
	}
	if c.revoked.Load() {
		return nil, herr(op, h, ErrRevoked)
	}
	if typ != abi.TypeAny && c.obj.Type() != typ {
		return nil, herr(op, h, ErrWrongType)
	}
	if !c.rights.Has(need) {
		return nil, herr(op, h, ErrAccessDenied)
	}
	return c, nil
}

// Lookup returns the capability h names if it refers to an object of type
// typ (abi.TypeAny for any) and carries every right in need. The capability
// stays in the table.
func (t *Table) Lookup(h Handle, typ abi.ObjectType, need abi.Rights) (*Cap, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lookup("lookup", h, typ, need)
}

// Install puts c into the table and returns its new value. The table owns
// c from then on.
func (t *Table) Install(c *Cap) (Handle, error) {
	hs, err := t.InstallAll([]*Cap{c})
	if err != nil {
		return Invalid, err
	}
	return hs[0], nil
}

// InstallAll puts every capability of cs into the table, or none of them
// when there is no room for all.
func (t *Table) InstallAll(cs []*Cap) ([]Handle, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dead || len(t.entries)+len(cs) > t.max {
		return nil, herr("install", Invalid, ErrNoSpace)
	}
	hs := make([]Handle, len(cs))
	for i, c := range cs {
		h := t.newValue()
		t.entries[h] = c
		hs[i] = h
	}
	return hs, nil
}

// Close removes h from the table and drops its capability.
func (t *Table) Close(h Handle) error {
	t.mu.Lock()
	c, ok := t.entries[h]
	if !ok {
		_, err := t.lookup("close", h, abi.TypeAny, 0)
		t.mu.Unlock()
		return err
	}
	t.forget(h)
	t.mu.Unlock()
	c.Close()
	return nil
}

// Duplicate returns a new handle to h's object with rights, which must be
// a subset of h's rights. h must carry abi.RightDuplicate. The new capability
// is derived from h's: revoking through h reaches it.
func (t *Table) Duplicate(h Handle, rights abi.Rights) (Handle, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.lookup("duplicate", h, abi.TypeAny, abi.RightDuplicate)
	if err != nil {
		return Invalid, err
	}
	if len(t.entries) >= t.max {
		return Invalid, herr("duplicate", h, ErrNoSpace)
	}
	child, err := c.Derive(rights)
	if err != nil {
		return Invalid, herr("duplicate", h, err)
	}
	nh := t.newValue()
	t.entries[nh] = child
	return nh, nil
}

// Replace closes h and returns a new handle to the same object with
// rights, a subset of h's. It needs no right: it can only give rights up.
// On error h is left as it was.
func (t *Table) Replace(h Handle, rights abi.Rights) (Handle, error) {
	t.mu.Lock()
	c, err := t.lookup("replace", h, abi.TypeAny, 0)
	if err != nil {
		t.mu.Unlock()
		return Invalid, err
	}
	child, err := c.Derive(rights)
	if err != nil {
		t.mu.Unlock()
		return Invalid, herr("replace", h, err)
	}
	t.forget(h)
	nh := t.newValue()
	t.entries[nh] = child
	t.mu.Unlock()
	c.Close()
	return nh, nil
}

// Revoke revokes every capability derived from h (its duplicates and
// replacements, theirs, and so on, in any table or in flight). h stays
// valid.
func (t *Table) Revoke(h Handle) error {
	c, err := t.Lookup(h, abi.TypeAny, 0)
	if err != nil {
		return err
	}
	if err := c.RevokeDerived(); err != nil {
		return herr("revoke", h, err)
	}
	return nil
}

// Take removes the handles hs from the table, all or none, and returns
// their capabilities for moving elsewhere (a channel message). Each must
// carry abi.RightTransfer and pass check (nil for none), which sees the index
// and the capability. A value named twice is ErrInvalid.
func (t *Table) Take(hs []Handle, check func(i int, c *Cap) error) ([]*Cap, error) {
	if len(hs) == 0 {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cs := make([]*Cap, len(hs))
	for i, h := range hs {
		c, err := t.lookup("transfer", h, abi.TypeAny, abi.RightTransfer)
		if err != nil {
			return nil, err
		}
		for _, prev := range hs[:i] {
			if prev == h {
				return nil, herr("transfer", h, ErrInvalid)
			}
		}
		if check != nil {
			if err := check(i, c); err != nil {
				return nil, herr("transfer", h, err)
			}
		}
		cs[i] = c
	}
	for _, h := range hs {
		t.forget(h)
	}
	return cs, nil
}

// Info describes one handle of a table.
type Info struct {
	Handle  Handle
	Type    abi.ObjectType
	Rights  abi.Rights
	Revoked bool
}

// List returns the table's handles in no particular order.
func (t *Table) List() []Info {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Info, 0, len(t.entries))
	for h, c := range t.entries {
		out = append(out, Info{Handle: h, Type: c.obj.Type(), Rights: c.rights, Revoked: c.revoked.Load()})
	}
	return out
}

// Len returns the number of handles in the table.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// CloseAll closes every handle and refuses further installs: what happens
// to a process's table when the process ends.
func (t *Table) CloseAll() {
	t.mu.Lock()
	cs := make([]*Cap, 0, len(t.entries))
	for h, c := range t.entries {
		cs = append(cs, c)
		t.forget(h)
	}
	t.dead = true
	t.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}
