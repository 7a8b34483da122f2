package proc

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"clk/abi"
	"clk/kernel/limit"
	"clk/kernel/syscalls"
)

// Kind says what a region holds.
type Kind uint8

// The kinds of region.
const (
	// KindAnon is anonymous memory: what the runtime maps for its heap.
	KindAnon Kind = iota
	// KindImage is a segment of the program's image.
	KindImage
	// KindStack is a stack.
	KindStack
	// KindGuard is a guard page: a region without permissions below a
	// stack, so that an overflow faults, and that no mapping can take.
	KindGuard
	// KindDevice is memory the process does not own, mapped whole when
	// the region is made: a device's registers, or DMA memory. Syscalls
	// refuse it as a buffer, since the kernel must not read or write a
	// device's registers on a program's behalf.
	KindDevice

	kindCount
)

var kindNames = [...]string{KindAnon: "anon", KindImage: "image", KindStack: "stack", KindGuard: "guard", KindDevice: "device"}

// String returns the kind's name: "anon", "image", "stack", "guard" or
// "device".
func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Access is a kind of memory access.
type Access uint8

// The kinds of access.
const (
	AccessRead Access = iota
	AccessWrite
	AccessExec

	accessCount
)

var accessNames = [...]string{AccessRead: "read", AccessWrite: "write", AccessExec: "execute"}

// String returns "read", "write" or "execute".
func (a Access) String() string {
	if a < accessCount {
		return accessNames[a]
	}
	return fmt.Sprintf("Access(%d)", a)
}

// need returns the permission the access requires.
func (a Access) need() Perm {
	switch a {
	case AccessRead:
		return PermRead
	case AccessWrite:
		return PermWrite
	case AccessExec:
		return PermExec
	}
	return 0
}

// Region is a range of user addresses with the same permissions, kind and
// name.
type Region struct {
	// Start and End bound the region: [Start, End), page aligned.
	Start, End uint64
	// Perm is the permissions of the region's pages.
	Perm Perm
	// Kind says what the region holds.
	Kind Kind
	// Name describes the region in reports ("text", "stack", "heap").
	Name string
}

// Size returns the region's size in bytes.
func (r Region) Size() uint64 { return r.End - r.Start }

// Contains reports whether addr lies in the region.
func (r Region) Contains(addr uint64) bool { return r.Start <= addr && addr < r.End }

// String formats the region as one line of a listing:
// "0x7f0000100000-0x7f000017b000 r-x image text".
func (r Region) String() string {
	return fmt.Sprintf("%#x-%#x %v %v %s", r.Start, r.End, r.Perm, r.Kind, r.Name)
}

// Space is a process's address space: its regions over the page tables
// behind a Pages. Its methods may be called from several goroutines.
type Space struct {
	mu       sync.Mutex
	pages    Pages
	regions  []Region // sorted, non-overlapping, never two equal neighbours
	resident map[uint64]struct{}
	closed   bool

	// account is charged a page for every resident page and for every
	// page table that maps one (tables counts the resident pages under
	// each 2 MiB of address space, which one table page maps).
	account *limit.Account
	tables  map[uint64]int
}

// tableSpan is the address space one page table maps: 512 pages.
const tableSpan = 512 * abi.PageSize

var _ syscalls.AddressSpace = (*Space)(nil)

// NewSpace returns an empty address space over pages, which it owns from
// now on: Close releases it.
func NewSpace(pages Pages) *Space {
	return &Space{pages: pages, resident: make(map[uint64]struct{}), tables: make(map[uint64]int)}
}

// SetAccount makes a the account the space's pages are charged to: a page
// is charged when it is first mapped and given back when it is unmapped.
// It is meant to be called once, before the first page is mapped.
func (s *Space) SetAccount(a *limit.Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account = a
}

// charge counts the page at va, and the table that maps it if it is the
// first page under that table, against the account.
// Preconditions: s.mu is held.
func (s *Space) charge(va uint64) error {
	n := int64(abi.PageSize)
	if s.tables[va/tableSpan] == 0 {
		n += abi.PageSize
	}
	if err := s.account.Charge(limit.Memory, n); err != nil {
		return err
	}
	s.tables[va/tableSpan]++
	return nil
}

// uncharge gives back what charge counted for the page at va.
// Preconditions: s.mu is held.
func (s *Space) uncharge(va uint64) {
	n := int64(abi.PageSize)
	if s.tables[va/tableSpan]--; s.tables[va/tableSpan] == 0 {
		delete(s.tables, va/tableSpan)
		n += abi.PageSize
	}
	s.account.Uncharge(limit.Memory, n)
}

// checkPerm refuses undefined bits and writable, executable regions.
func checkPerm(perm Perm) error {
	if perm&^permAll != 0 {
		return fmt.Errorf("permissions %#x: undefined bits: %w", uint8(perm), ErrInvalid)
	}
	if perm&(PermWrite|PermExec) == PermWrite|PermExec {
		return fmt.Errorf("permissions %v: writable and executable: %w", perm, ErrInvalid)
	}
	return nil
}

// pageRange checks that addr is page aligned and returns [addr, addr+n)
// with n rounded up to whole pages, which must lie in the user range.
func pageRange(addr, n uint64) (a, b uint64, err error) {
	switch {
	case addr%abi.PageSize != 0:
		return 0, 0, fmt.Errorf("address %#x not page aligned: %w", addr, ErrInvalid)
	case n == 0:
		return 0, 0, fmt.Errorf("empty range at %#x: %w", addr, ErrInvalid)
	case addr < abi.UserBase || addr >= abi.UserTop || n > abi.UserTop-addr:
		return 0, 0, fmt.Errorf("%#x bytes at %#x: %w", n, addr, ErrOutOfRange)
	}
	return addr, addr + roundUp(n), nil
}

// roundUp rounds n up to a multiple of abi.PageSize; n must not be within a
// page of overflowing.
func roundUp(n uint64) uint64 { return (n + abi.PageSize - 1) &^ (abi.PageSize - 1) }

// after returns the index of the first region that ends above addr.
func (s *Space) after(addr uint64) int {
	return sort.Search(len(s.regions), func(i int) bool { return s.regions[i].End > addr })
}

// lookup returns the index of the region holding addr.
func (s *Space) lookup(addr uint64) (int, bool) {
	i := s.after(addr)
	return i, i < len(s.regions) && s.regions[i].Start <= addr
}

// hole returns the first address of [a, b) that no region holds.
func (s *Space) hole(a, b uint64) (uint64, bool) {
	cur := a
	for i := s.after(a); cur < b; i++ {
		if i >= len(s.regions) || s.regions[i].Start > cur {
			return cur, true
		}
		cur = s.regions[i].End
	}
	return 0, false
}

// overlap returns the first region that meets [a, b).
func (s *Space) overlap(a, b uint64) (Region, bool) {
	i := s.after(a)
	if i < len(s.regions) && s.regions[i].Start < b {
		return s.regions[i], true
	}
	return Region{}, false
}

// gap returns the lowest address at or above from where size bytes fit
// below limit without meeting a region.
func (s *Space) gap(from, limit, size uint64) (uint64, bool) {
	cur := from
	for i := s.after(from); i < len(s.regions) && s.regions[i].Start < limit; i++ {
		r := s.regions[i]
		if r.Start >= cur && r.Start-cur >= size {
			return cur, true
		}
		cur = max(cur, r.End)
	}
	if cur <= limit && limit-cur >= size {
		return cur, true
	}
	return 0, false
}

// insert adds r, which meets no region, and merges equal neighbours.
func (s *Space) insert(r Region) {
	i := sort.Search(len(s.regions), func(i int) bool { return s.regions[i].Start >= r.Start })
	s.regions = slices.Insert(s.regions, i, r)
	s.coalesce()
}

// coalesce merges adjacent regions of the same permissions, kind and name.
func (s *Space) coalesce() {
	out := s.regions[:0]
	for _, r := range s.regions {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.End == r.Start && p.Perm == r.Perm && p.Kind == r.Kind && p.Name == r.Name {
				p.End = r.End
				continue
			}
		}
		out = append(out, r)
	}
	clear(s.regions[len(out):])
	s.regions = out
}

// splitAt splits the region holding x in two at x, unless x is its start.
func (s *Space) splitAt(x uint64) {
	i, ok := s.lookup(x)
	if !ok || s.regions[i].Start == x {
		return
	}
	left := s.regions[i]
	left.End = x
	s.regions[i].Start = x
	s.regions = slices.Insert(s.regions, i, left)
}

// cut removes [a, b) from the regions, keeping the parts of each region
// outside it.
func (s *Space) cut(a, b uint64) {
	out := make([]Region, 0, len(s.regions)+1)
	for _, r := range s.regions {
		if r.End <= a || r.Start >= b {
			out = append(out, r)
			continue
		}
		if r.Start < a {
			left := r
			left.End = a
			out = append(out, left)
		}
		if r.End > b {
			right := r
			right.Start = b
			out = append(out, right)
		}
	}
	s.regions = out
}

// residentIn returns the mapped pages of [a, b).
func (s *Space) residentIn(a, b uint64) []uint64 {
	var vas []uint64
	if (b-a)/abi.PageSize <= uint64(len(s.resident)) {
		for va := a; va < b; va += abi.PageSize {
			if _, ok := s.resident[va]; ok {
				vas = append(vas, va)
			}
		}
		return vas
	}
	for va := range s.resident {
		if a <= va && va < b {
			vas = append(vas, va)
		}
	}
	slices.Sort(vas)
	return vas
}

// drop unmaps the mapped pages of [a, b).
func (s *Space) drop(a, b uint64) {
	vas := s.residentIn(a, b)
	if len(vas) == 0 {
		return
	}
	for _, va := range vas {
		delete(s.resident, va)
		s.uncharge(va)
	}
	lo, hi := vas[0], vas[len(vas)-1]+abi.PageSize
	s.pages.Unmap(lo, hi-lo)
}

// present returns the frame of the page at va, in region r, mapping a
// zeroed frame with the region's permissions if none is there.
func (s *Space) present(va uint64, r Region) ([]byte, error) {
	if f, _, ok := s.pages.Frame(va); ok {
		if len(f) != abi.PageSize {
			return nil, fmt.Errorf("page %#x: frame of %d bytes", va, len(f))
		}
		return f, nil
	}
	if err := s.charge(va); err != nil {
		return nil, fmt.Errorf("map page %#x: %w", va, err)
	}
	f, err := s.pages.Map(va, r.Perm)
	if err != nil {
		s.uncharge(va)
		return nil, fmt.Errorf("map page %#x: %w", va, err)
	}
	s.resident[va] = struct{}{}
	if len(f) != abi.PageSize {
		return nil, fmt.Errorf("map page %#x: frame of %d bytes", va, len(f))
	}
	return f, nil
}

// touch returns the frame of the page holding addr for access, mapping a
// zero page if the region allows the access and none is mapped.
func (s *Space) touch(addr uint64, access Access) ([]byte, error) {
	i, ok := s.lookup(addr)
	if !ok {
		return nil, &FaultError{Addr: addr, Access: access, Cause: ErrUnmapped}
	}
	r := s.regions[i]
	if r.Perm&access.need() == 0 {
		return nil, &FaultError{Addr: addr, Access: access, Region: &r, Cause: deniedCause[access]}
	}
	if r.Kind == KindDevice {
		// Mapped whole when made: a fault here, or a syscall's copy,
		// must not put a frame of RAM where the device's should be.
		return nil, &FaultError{Addr: addr, Access: access, Region: &r, Cause: ErrDeviceMemory}
	}
	return s.present(addr&^(abi.PageSize-1), r)
}

// Reserve adds a region of n bytes, rounded up to whole pages, with
// permissions perm. At addr 0 it takes the lowest free gap at or above
// AnonBase, or else the lowest in the user range; at any other addr,
// which must be page aligned, it takes exactly [addr, addr+n) and fails
// with ErrOverlap if a region is there. Nothing is mapped: each page is
// given a zeroed frame when first touched. Reserve returns the region's
// start.
func (s *Space) Reserve(addr, n uint64, perm Perm, kind Kind, name string) (uint64, error) {
	if kind == KindDevice {
		return 0, fmt.Errorf("reserve %#x bytes at %#x: device memory is mapped by MapPhys: %w", n, addr, ErrInvalid)
	}
	return s.reserve(addr, n, perm, kind, name, 0)
}

// reserve is Reserve, also requiring guard bytes below a fixed addr to
// be free.
func (s *Space) reserve(addr, n uint64, perm Perm, kind Kind, name string, guard uint64) (uint64, error) {
	wrap := func(err error) (uint64, error) {
		return 0, fmt.Errorf("reserve %#x bytes at %#x: %w", n, addr, err)
	}
	if err := checkPerm(perm); err != nil {
		return wrap(err)
	}
	if kind >= kindCount {
		return wrap(fmt.Errorf("kind %d: %w", kind, ErrInvalid))
	}
	var a, b uint64
	if addr == 0 {
		if n == 0 || n > abi.UserTop-abi.UserBase {
			return wrap(fmt.Errorf("size %#x: %w", n, ErrInvalid))
		}
		n = roundUp(n)
	} else {
		var err error
		if a, b, err = pageRange(addr, n); err != nil {
			return wrap(err)
		}
		if a-abi.UserBase < guard {
			return wrap(fmt.Errorf("no room for a guard page: %w", ErrOutOfRange))
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return wrap(ErrClosed)
	}
	if addr == 0 {
		var ok bool
		if a, ok = s.gap(AnonBase, abi.UserTop, n); !ok {
			if a, ok = s.gap(abi.UserBase, abi.UserTop, n); !ok {
				return wrap(ErrNoSpace)
			}
		}
		b = a + n
	} else if r, ok := s.overlap(a-guard, b); ok {
		return wrap(fmt.Errorf("%w: %v", ErrOverlap, r))
	}
	s.insert(Region{Start: a, End: b, Perm: perm, Kind: kind, Name: name})
	return a, nil
}

// MapPhys adds a KindDevice region of n bytes, rounded up to whole pages,
// at the lowest free gap at or above AnonBase, and maps it at once to the
// physical frames from pa on, which the space does not own, except the
// pages at offsets for which skip (if not nil) reports true: touching
// those faults. It charges
// nothing: what the frames cost is their owner's to count. It returns the
// region's start.
func (s *Space) MapPhys(pa, n uint64, perm Perm, uncached bool, skip func(off uint64) bool, name string) (uint64, error) {
	if pa%abi.PageSize != 0 {
		return 0, fmt.Errorf("map %#x bytes of frame %#x: %w", n, pa, ErrInvalid)
	}
	a, err := s.reserve(0, n, perm, KindDevice, name, 0)
	if err != nil {
		return 0, err
	}
	n = roundUp(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	for off := uint64(0); off < n; off += abi.PageSize {
		if skip != nil && skip(off) {
			continue
		}
		if err := s.pages.MapPhys(a+off, pa+off, perm, uncached); err != nil {
			if off > 0 {
				s.pages.Unmap(a, off)
			}
			s.cut(a, a+n)
			return 0, fmt.Errorf("map frame %#x at %#x: %w", pa+off, a+off, err)
		}
	}
	return a, nil
}

// UnmapPhys removes the KindDevice region MapPhys made at addr, of n bytes.
// The frames stay their owner's. After Close it does nothing: the pages
// went with the tables.
func (s *Space) UnmapPhys(addr, n uint64) {
	a, b, err := pageRange(addr, n)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.cut(a, b)
	s.pages.Unmap(a, b-a)
}

// Release removes [addr, addr+n), n rounded up to whole pages, from the
// address space: it unmaps the pages there and removes the regions,
// keeping the parts of a region outside the range. Addresses in the range
// that no region holds are ignored.
func (s *Space) Release(addr, n uint64) error {
	a, b, err := pageRange(addr, n)
	if err != nil {
		return fmt.Errorf("release %#x bytes at %#x: %w", n, addr, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("release %#x bytes at %#x: %w", n, addr, ErrClosed)
	}
	s.cut(a, b)
	s.drop(a, b)
	return nil
}

// Discard unmaps the pages of [addr, addr+n), n rounded up to whole
// pages, and keeps the regions: the next touch of each page gives a
// zeroed frame again.
func (s *Space) Discard(addr, n uint64) error {
	a, b, err := pageRange(addr, n)
	if err != nil {
		return fmt.Errorf("discard %#x bytes at %#x: %w", n, addr, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("discard %#x bytes at %#x: %w", n, addr, ErrClosed)
	}
	s.drop(a, b)
	return nil
}

// Protect sets the permissions of [addr, addr+n), n rounded up to whole
// pages, which regions must hold entirely, splitting the regions at its
// ends, and changes the pages already mapped there.
func (s *Space) Protect(addr, n uint64, perm Perm) error {
	wrap := func(err error) error {
		return fmt.Errorf("protect %#x bytes at %#x: %w", n, addr, err)
	}
	a, b, err := pageRange(addr, n)
	if err != nil {
		return wrap(err)
	}
	if err := checkPerm(perm); err != nil {
		return wrap(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return wrap(ErrClosed)
	}
	if h, ok := s.hole(a, b); ok {
		return wrap(fmt.Errorf("%#x: %w", h, ErrUnmapped))
	}
	s.splitAt(a)
	s.splitAt(b)
	for i := s.after(a); i < len(s.regions) && s.regions[i].Start < b; i++ {
		s.regions[i].Perm = perm
	}
	s.coalesce()
	for _, va := range s.residentIn(a, b) {
		if err := s.pages.Protect(va, perm); err != nil {
			return wrap(fmt.Errorf("page %#x: %w", va, err))
		}
	}
	return nil
}

// Fault handles a page fault of access at addr. If a region holds addr
// and allows the access, it maps a zeroed frame there unless one is
// already mapped (a fault that raced with another) and returns nil.
// Otherwise it returns a *FaultError wrapping ErrFault that says why; the
// process should be killed with it. If no frame can be had, the error
// wraps the one from Pages.Map instead.
func (s *Space) Fault(addr uint64, access Access) error {
	if access >= accessCount {
		return fmt.Errorf("fault at %#x: access %d: %w", addr, access, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return &FaultError{Addr: addr, Access: access, Cause: ErrClosed}
	}
	_, err := s.touch(addr, access)
	return err
}

// check refuses an access to [addr, addr+n) unless every byte lies in a
// region that allows it.
func (s *Space) check(addr, n uint64, access Access) error {
	end := addr + n
	if addr < abi.UserBase || end < addr || end > abi.UserTop {
		return &FaultError{Addr: addr, Access: access, Cause: ErrOutOfRange}
	}
	need := access.need()
	cur := addr
	for i := s.after(addr); cur < end; i++ {
		if i >= len(s.regions) || s.regions[i].Start > cur {
			return &FaultError{Addr: cur, Access: access, Cause: ErrUnmapped}
		}
		r := s.regions[i]
		if r.Perm&need == 0 {
			return &FaultError{Addr: cur, Access: access, Region: &r, Cause: deniedCause[access]}
		}
		if r.Kind == KindDevice {
			return &FaultError{Addr: cur, Access: access, Region: &r, Cause: ErrDeviceMemory}
		}
		cur = r.End
	}
	return nil
}

// transfer moves buf to (AccessWrite) or from (AccessRead) user memory at
// addr after checking the whole range.
func (s *Space) transfer(addr uint64, buf []byte, access Access) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return &FaultError{Addr: addr, Access: access, Cause: ErrClosed}
	}
	if err := s.check(addr, uint64(len(buf)), access); err != nil {
		return err
	}
	// Map every page first, so that a failure (no memory, a limit)
	// leaves nothing copied: the copy is all or nothing.
	var small [4][]byte
	frames := small[:0]
	for va := addr &^ (abi.PageSize - 1); va < addr+uint64(len(buf)); va += abi.PageSize {
		frame, err := s.touch(va, access)
		if err != nil {
			return err
		}
		frames = append(frames, frame)
	}
	for _, frame := range frames {
		var n int
		if access == AccessWrite {
			n = copy(frame[addr%abi.PageSize:], buf)
		} else {
			n = copy(buf, frame[addr%abi.PageSize:])
		}
		buf = buf[n:]
		addr += uint64(n)
	}
	return nil
}

// CopyIn fills dst from user memory at addr. The whole range must lie in
// readable regions; pages not mapped yet are mapped as zero pages. An
// error wraps ErrFault (abi.EFAULT) and nothing is copied. A copy of
// zero bytes succeeds at any address.
func (s *Space) CopyIn(dst []byte, addr uint64) error {
	if len(dst) == 0 {
		return nil
	}
	if err := s.transfer(addr, dst, AccessRead); err != nil {
		return fmt.Errorf("copy in %d bytes from %#x: %w", len(dst), addr, err)
	}
	return nil
}

// CopyOut writes src to user memory at addr. The whole range must lie in
// writable regions; pages not mapped yet are mapped first. An error wraps
// ErrFault (abi.EFAULT) and nothing is written. A copy of zero bytes
// succeeds at any address.
func (s *Space) CopyOut(addr uint64, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	if err := s.transfer(addr, src, AccessWrite); err != nil {
		return fmt.Errorf("copy out %d bytes to %#x: %w", len(src), addr, err)
	}
	return nil
}

// fill writes data at addr, which regions must hold, whatever their
// permissions: how the loader fills a read-only image.
func (s *Space) fill(addr uint64, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if end := addr + uint64(len(data)); end < addr {
		return fmt.Errorf("%d bytes at %#x: %w", len(data), addr, ErrOutOfRange)
	} else if h, ok := s.hole(addr, end); ok {
		return fmt.Errorf("%#x: %w", h, ErrUnmapped)
	}
	for len(data) > 0 {
		i, _ := s.lookup(addr)
		frame, err := s.present(addr&^(abi.PageSize-1), s.regions[i])
		if err != nil {
			return err
		}
		n := copy(frame[addr%abi.PageSize:], data)
		data = data[n:]
		addr += uint64(n)
	}
	return nil
}

// Lookup returns the region holding addr.
func (s *Space) Lookup(addr uint64) (Region, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.lookup(addr); ok {
		return s.regions[i], true
	}
	return Region{}, false
}

// Regions returns the regions in address order, adjacent regions of equal
// permissions, kind and name merged.
func (s *Space) Regions() []Region {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.regions)
}

// Resident returns the number of pages mapped.
func (s *Space) Resident() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.resident)
}

// Close removes every region and releases the Pages. Every later call
// fails with ErrClosed; a second Close does nothing.
func (s *Space) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for va := range s.resident {
		s.uncharge(va)
	}
	s.regions, s.resident, s.tables = nil, nil, nil
	s.pages.Release()
}
