package virtiotest

import (
	"errors"
	"fmt"
	"sync"
)

// ErrNoMemory is what Memory.Alloc returns past its Limit.
var ErrNoMemory = errors.New("virtiotest: out of DMA memory")

// Memory is the machine's memory as the fake device reaches it: each
// allocation is a Go byte slice at a made-up, page-aligned bus address,
// with an unallocated page after it so that an address one past the end
// translates to nothing. It implements virtio.DMA.
type Memory struct {
	mu      sync.Mutex
	next    uint64
	used    int
	regions []region
	// Limit, if not 0, is the most bytes Alloc gives in all.
	Limit int
}

type region struct {
	phys uint64
	b    []byte
}

const (
	page     = 4096
	physBase = 0x10_0000 // the first allocation's bus address
)

// NewMemory returns an empty memory.
func NewMemory() *Memory { return &Memory{next: physBase} }

// Alloc returns size bytes rounded up to a page, zeroed, and their bus
// address.
func (m *Memory) Alloc(size int) ([]byte, uint64, error) {
	if size <= 0 {
		return nil, 0, fmt.Errorf("virtiotest: allocate %d bytes", size)
	}
	n := (size + page - 1) &^ (page - 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Limit != 0 && m.used+n > m.Limit {
		return nil, 0, fmt.Errorf("allocate %d bytes with %d of %d used: %w", n, m.used, m.Limit, ErrNoMemory)
	}
	r := region{phys: m.next, b: make([]byte, n)}
	m.regions = append(m.regions, r)
	m.next += uint64(n) + page
	m.used += n
	return r.b, r.phys, nil
}

// Slice returns the n bytes at bus address addr, aliasing the allocation
// that holds them, or false if no single allocation holds them all.
func (m *Memory) Slice(addr uint64, n uint64) ([]byte, bool) {
	b, ok := m.slice(addr, n)
	if !ok {
		return nil, false
	}
	return b[:n:n], true
}

// slice is Slice with the capacity running to the allocation's end, for
// the device's word-sized accesses at the end of a ring.
func (m *Memory) slice(addr uint64, n uint64) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.regions {
		if addr >= r.phys && addr-r.phys <= uint64(len(r.b)) && n <= uint64(len(r.b))-(addr-r.phys) {
			off := addr - r.phys
			return r.b[off : off+n], true
		}
	}
	return nil, false
}
