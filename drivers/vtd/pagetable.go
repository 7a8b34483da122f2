package vtd

import (
	"fmt"

	"clk/drivers/pci"
)

// Second-level paging entries (9.8): read and write permission in bits 0
// and 1, the next table's or the page's address in bits 51:12. A
// non-leaf entry grants what it allows below it; clk's grant both.
const (
	pteRead  = 1 << 0
	pteWrite = 1 << 1
)

// Map lets the function at a reach the pages at phys, read and write, at
// bus address phys.
func (u *Unit) Map(a pci.Addr, phys uint64, pages int) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	d, err := u.span(a, phys, pages)
	if err != nil {
		return fmt.Errorf("map %v: %w", a, err)
	}
	for i := range pages {
		addr := phys + uint64(i)*pageSize
		t, idx, err := u.leaf(d, addr, true)
		if err == nil && t.entry(idx)&(pteRead|pteWrite) != 0 {
			err = ErrMapped
		}
		if err != nil {
			// Leave nothing of the range mapped: the caller frees it.
			if i > 0 {
				if uerr := u.unmap(d, phys, i); uerr != nil {
					err = fmt.Errorf("%w (and undoing: %v)", err, uerr)
				}
			}
			return fmt.Errorf("map %v at %#x: %w", a, addr, err)
		}
		t.setEntry(idx, addr|pteRead|pteWrite)
	}
	if err := u.flushWrites(); err != nil {
		return fmt.Errorf("map %v: %w", a, err)
	}
	// Only a unit in caching mode may have cached the pages as not
	// present; invalidate for it.
	if u.cap&capCM != 0 {
		if err := u.invalidateIOTLB(iotlbDomain | uint64(d.id)<<32); err != nil {
			return fmt.Errorf("map %v: %w", a, err)
		}
	}
	return nil
}

// Unmap takes the pages at phys away from the function at a and
// invalidates the domain's IOTLB entries: when it returns, the function's
// DMA no longer reaches them.
func (u *Unit) Unmap(a pci.Addr, phys uint64, pages int) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	d, err := u.span(a, phys, pages)
	if err == nil {
		err = u.unmap(d, phys, pages)
	}
	if err != nil {
		return fmt.Errorf("unmap %v: %w", a, err)
	}
	return nil
}

// unmap clears the leaf entries of the pages at phys in d and invalidates
// the domain's IOTLB entries.
// Preconditions: u.mu is held.
func (u *Unit) unmap(d *domain, phys uint64, pages int) error {
	for i := range pages {
		addr := phys + uint64(i)*pageSize
		if t, idx, err := u.leaf(d, addr, false); err == nil && t != nil {
			t.setEntry(idx, 0)
		}
	}
	if err := u.flushWrites(); err != nil {
		return err
	}
	return u.invalidateIOTLB(iotlbDomain | uint64(d.id)<<32)
}

// span checks a range of pages and returns the function's domain.
// Preconditions: u.mu is held.
func (u *Unit) span(a pci.Addr, phys uint64, pages int) (*domain, error) {
	d := u.domains[a]
	if d == nil {
		return nil, ErrNotAttached
	}
	limit := uint64(1) << u.addressBits()
	if pages <= 0 || phys%pageSize != 0 || phys >= limit || uint64(pages) > (limit-phys)/pageSize {
		return nil, fmt.Errorf("%d pages at %#x: %w", pages, phys, ErrRange)
	}
	return d, nil
}

// leaf returns the last-level table that maps addr in d and the entry's
// index in it, making the tables on the way when create is set; without
// it a missing table gives a nil table.
// Preconditions: u.mu is held.
func (u *Unit) leaf(d *domain, addr uint64, create bool) (*page, int, error) {
	t := d.top
	for level := u.levels; level > 1; level-- {
		idx := int(addr >> (12 + 9*uint(level-1)) & 0x1ff)
		e := t.entry(idx)
		if e&(pteRead|pteWrite) == 0 {
			if !create {
				return nil, 0, nil
			}
			next, err := u.alloc()
			if err != nil {
				return nil, 0, err
			}
			d.tables[next.phys] = next
			t.setEntry(idx, next.phys|pteRead|pteWrite)
			t = next
			continue
		}
		next := d.tables[e&entryAddr]
		if next == nil {
			return nil, 0, fmt.Errorf("table at %#x is not the domain's", e&entryAddr)
		}
		t = next
	}
	return t, int(addr >> 12 & 0x1ff), nil
}
