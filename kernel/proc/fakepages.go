package proc

import (
	"clk/abi"
	"errors"
	"fmt"
	"sync"
)

// MemPages is a Pages kept in Go memory, for tests of this package and of
// the packages above it. It checks that it is used as the Pages contract
// says and records the first misuse for Misuse. The zero value is ready to
// use.
type MemPages struct {
	// Limit, if positive, is the most pages mapped at once: Map fails
	// with ErrNoMemory beyond it.
	Limit int

	mu       sync.Mutex
	pages    map[uint64]*memPage
	released bool
	misuse   error
	unmaps   int
}

type memPage struct {
	frame []byte
	perm  Perm
	// phys is the frame's physical address for a page MapPhys mapped,
	// whose frame the fake does not have: it reads as zeros.
	phys     uint64
	borrowed bool
}

// errMisuse is wrapped by every misuse MemPages records.
var errMisuse = errors.New("pages misused")

// note records the first misuse and returns it.
func (m *MemPages) note(format string, args ...any) error {
	err := fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errMisuse)
	if m.misuse == nil {
		m.misuse = err
	}
	return err
}

// checkVA checks that va is a page-aligned user address.
func (m *MemPages) checkVA(op string, va uint64) error {
	switch {
	case m.released:
		return m.note("%s %#x after Release", op, va)
	case va%abi.PageSize != 0:
		return m.note("%s %#x: not page aligned", op, va)
	case va < abi.UserBase || va >= abi.UserTop:
		return m.note("%s %#x: outside the user range", op, va)
	}
	return nil
}

// checkPerm checks that perm has defined bits only and is not both
// writable and executable.
func (m *MemPages) checkPerm(op string, va uint64, perm Perm) error {
	if perm&^permAll != 0 || perm&(PermWrite|PermExec) == PermWrite|PermExec {
		return m.note("%s %#x: permissions %v", op, va, perm)
	}
	return nil
}

// Map backs the page at va with a zeroed frame.
func (m *MemPages) Map(va uint64, perm Perm) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkVA("map", va); err != nil {
		return nil, err
	}
	if err := m.checkPerm("map", va, perm); err != nil {
		return nil, err
	}
	if _, ok := m.pages[va]; ok {
		return nil, m.note("map %#x: already mapped", va)
	}
	if m.Limit > 0 && len(m.pages) >= m.Limit {
		return nil, fmt.Errorf("map %#x: %d pages mapped: %w", va, len(m.pages), ErrNoMemory)
	}
	if m.pages == nil {
		m.pages = make(map[uint64]*memPage)
	}
	p := &memPage{frame: make([]byte, abi.PageSize), perm: perm}
	m.pages[va] = p
	return p.frame, nil
}

// Frame returns the page mapped at va.
// MapPhys maps the page at va to a stand-in for frame pa: a zeroed frame
// that PhysOf reports pa for.
func (m *MemPages) MapPhys(va, pa uint64, perm Perm, uncached bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkVA("map phys", va); err != nil {
		return err
	}
	if err := m.checkPerm("map phys", va, perm); err != nil {
		return err
	}
	if pa%abi.PageSize != 0 {
		return m.note("map phys %#x: frame %#x not page aligned", va, pa)
	}
	if _, ok := m.pages[va]; ok {
		return m.note("map phys %#x: already mapped", va)
	}
	if m.pages == nil {
		m.pages = make(map[uint64]*memPage)
	}
	m.pages[va] = &memPage{frame: make([]byte, abi.PageSize), perm: perm, phys: pa, borrowed: true}
	return nil
}

// PhysOf returns the physical frame MapPhys mapped at va.
func (m *MemPages) PhysOf(va uint64) (uint64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pages[va]
	if !ok || !p.borrowed {
		return 0, false
	}
	return p.phys, true
}

func (m *MemPages) Frame(va uint64) ([]byte, Perm, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.checkVA("frame", va) != nil {
		return nil, 0, false
	}
	p, ok := m.pages[va]
	if !ok {
		return nil, 0, false
	}
	return p.frame, p.perm, true
}

// Protect changes the permissions of the page at va.
func (m *MemPages) Protect(va uint64, perm Perm) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkVA("protect", va); err != nil {
		return err
	}
	if err := m.checkPerm("protect", va, perm); err != nil {
		return err
	}
	p, ok := m.pages[va]
	if !ok {
		return m.note("protect %#x: not mapped", va)
	}
	p.perm = perm
	return nil
}

// Unmap drops the mapped pages of [va, va+n).
func (m *MemPages) Unmap(va, n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.checkVA("unmap", va) != nil {
		return
	}
	if n == 0 || n%abi.PageSize != 0 || n > abi.UserTop-va {
		m.note("unmap %#x bytes at %#x: bad length", n, va)
		return
	}
	m.unmaps++
	if n/abi.PageSize < uint64(len(m.pages)) {
		for a := va; a < va+n; a += abi.PageSize {
			delete(m.pages, a)
		}
		return
	}
	for a := range m.pages {
		if va <= a && a < va+n {
			delete(m.pages, a)
		}
	}
}

// Release drops every page.
func (m *MemPages) Release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		m.note("second Release")
		return
	}
	m.released = true
	m.pages = nil
}

// Mapped returns the number of pages mapped.
func (m *MemPages) Mapped() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pages)
}

// Unmaps returns how many calls of Unmap there were: each is a TLB
// shootdown on the hardware.
func (m *MemPages) Unmaps() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.unmaps
}

// Released reports whether Release was called.
func (m *MemPages) Released() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.released
}

// Misuse returns the first call that broke the Pages contract (a
// misaligned or out-of-range address, a page mapped twice, a writable and
// executable page, a call after Release), or nil.
func (m *MemPages) Misuse() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.misuse
}
