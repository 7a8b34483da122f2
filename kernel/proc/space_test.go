package proc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"clk/abi"
	"clk/kernel/syscalls"
)

// newSpace returns an empty space over a MemPages and checks, when the test
// ends, that the space used its pages as the contract says.
func newSpace(t *testing.T) (*Space, *MemPages) {
	t.Helper()
	p := &MemPages{}
	s := NewSpace(p)
	t.Cleanup(func() {
		if err := p.Misuse(); err != nil {
			t.Errorf("Pages misused: %v", err)
		}
	})
	return s, p
}

func mustReserve(t *testing.T, s *Space, addr, n uint64, perm Perm, kind Kind, name string) uint64 {
	t.Helper()
	a, err := s.Reserve(addr, n, perm, kind, name)
	if err != nil {
		t.Fatalf("Reserve(%#x, %#x, %v): %v", addr, n, perm, err)
	}
	return a
}

const (
	rw = PermRead | PermWrite
	rx = PermRead | PermExec
	ro = PermRead
)

func TestReserveRefusals(t *testing.T) {
	const base = abi.UserBase + 0x10_0000
	tests := []struct {
		name  string
		addr  uint64
		n     uint64
		perm  Perm
		kind  Kind
		want  error
		words string
	}{
		{"misaligned", base + 8, abi.PageSize, rw, KindAnon, ErrInvalid, "not page aligned"},
		{"empty", base, 0, rw, KindAnon, ErrInvalid, "empty"},
		{"empty anywhere", 0, 0, rw, KindAnon, ErrInvalid, "size"},
		{"huge anywhere", 0, abi.UserTop, rw, KindAnon, ErrInvalid, "size"},
		{"below user range", abi.UserBase - abi.PageSize, abi.PageSize, rw, KindAnon, ErrOutOfRange, "outside"},
		{"at top", abi.UserTop, abi.PageSize, rw, KindAnon, ErrOutOfRange, "outside"},
		{"past top", abi.UserTop - abi.PageSize, 2 * abi.PageSize, rw, KindAnon, ErrOutOfRange, "outside"},
		{"wraps", base, ^uint64(0) - abi.PageSize, rw, KindAnon, ErrOutOfRange, "outside"},
		{"write and exec", base, abi.PageSize, PermWrite | PermExec, KindAnon, ErrInvalid, "writable and executable"},
		{"rwx", base, abi.PageSize, permAll, KindAnon, ErrInvalid, "writable and executable"},
		{"undefined perm", base, abi.PageSize, 8, KindAnon, ErrInvalid, "undefined bits"},
		{"undefined kind", base, abi.PageSize, rw, kindCount, ErrInvalid, "kind"},
		{"overlap start", base - abi.PageSize, 2 * abi.PageSize, rw, KindAnon, ErrOverlap, "existing"},
		{"overlap inside", base + abi.PageSize, abi.PageSize, rw, KindAnon, ErrOverlap, "existing"},
		{"overlap end", base + 3*abi.PageSize, 2 * abi.PageSize, rw, KindAnon, ErrOverlap, "existing"},
		{"overlap around", base - abi.PageSize, 8 * abi.PageSize, rw, KindAnon, ErrOverlap, "existing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSpace(t)
			mustReserve(t, s, base, 4*abi.PageSize, ro, KindAnon, "existing")
			_, err := s.Reserve(tt.addr, tt.n, tt.perm, tt.kind, "new")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("Reserve(%#x, %#x, %v, %v) = %v, want %v saying %q", tt.addr, tt.n, tt.perm, tt.kind, err, tt.want, tt.words)
			}
			if got := s.Regions(); len(got) != 1 || got[0].Name != "existing" {
				t.Errorf("regions after a refused Reserve: %v", got)
			}
		})
	}
}

func TestReserveExact(t *testing.T) {
	s, p := newSpace(t)
	// n is rounded up to whole pages.
	a := mustReserve(t, s, abi.UserBase, 1, rx, KindImage, "text")
	b := mustReserve(t, s, abi.UserBase+abi.PageSize, abi.PageSize+1, ro, KindImage, "rodata")
	top := mustReserve(t, s, abi.UserTop-abi.PageSize, abi.PageSize, rw, KindStack, "stack")
	if a != abi.UserBase || b != abi.UserBase+abi.PageSize || top != abi.UserTop-abi.PageSize {
		t.Fatalf("Reserve returned %#x, %#x, %#x", a, b, top)
	}
	want := []Region{
		{abi.UserBase, abi.UserBase + abi.PageSize, rx, KindImage, "text"},
		{abi.UserBase + abi.PageSize, abi.UserBase + 3*abi.PageSize, ro, KindImage, "rodata"},
		{abi.UserTop - abi.PageSize, abi.UserTop, rw, KindStack, "stack"},
	}
	if got := s.Regions(); !equalRegions(got, want) {
		t.Fatalf("regions:\n%v\nwant\n%v", got, want)
	}
	if s.Resident() != 0 || p.Mapped() != 0 {
		t.Fatalf("Reserve mapped pages: resident %d, mapped %d", s.Resident(), p.Mapped())
	}
	if r, ok := s.Lookup(abi.UserBase + abi.PageSize + 5); !ok || r != want[1] {
		t.Errorf("Lookup = %v, %v; want %v", r, ok, want[1])
	}
	if _, ok := s.Lookup(abi.UserBase + 3*abi.PageSize); ok {
		t.Error("Lookup found a region in a hole")
	}
}

func TestReserveMerges(t *testing.T) {
	s, _ := newSpace(t)
	mustReserve(t, s, abi.UserBase+abi.PageSize, abi.PageSize, rw, KindAnon, "heap")
	mustReserve(t, s, abi.UserBase+3*abi.PageSize, abi.PageSize, rw, KindAnon, "heap")
	mustReserve(t, s, abi.UserBase+2*abi.PageSize, abi.PageSize, rw, KindAnon, "heap")
	mustReserve(t, s, abi.UserBase+4*abi.PageSize, abi.PageSize, rw, KindAnon, "other")
	want := []Region{
		{abi.UserBase + abi.PageSize, abi.UserBase + 4*abi.PageSize, rw, KindAnon, "heap"},
		{abi.UserBase + 4*abi.PageSize, abi.UserBase + 5*abi.PageSize, rw, KindAnon, "other"},
	}
	if got := s.Regions(); !equalRegions(got, want) {
		t.Fatalf("regions:\n%v\nwant\n%v", got, want)
	}
}

func TestReserveAnywhere(t *testing.T) {
	s, _ := newSpace(t)
	a := mustReserve(t, s, 0, 3*abi.PageSize, rw, KindAnon, "a")
	b := mustReserve(t, s, 0, 1, rw, KindAnon, "b")
	if a != AnonBase || b != AnonBase+3*abi.PageSize {
		t.Fatalf("anywhere gave %#x, %#x; want %#x, %#x", a, b, uint64(AnonBase), uint64(AnonBase+3*abi.PageSize))
	}
	// A freed gap is reused when large enough, skipped otherwise.
	if err := s.Release(a+abi.PageSize, abi.PageSize); err != nil {
		t.Fatal(err)
	}
	if c := mustReserve(t, s, 0, 2*abi.PageSize, rw, KindAnon, "c"); c != b+abi.PageSize {
		t.Errorf("2 pages went to %#x, want %#x past the 1-page hole", c, b+abi.PageSize)
	}
	if d := mustReserve(t, s, 0, abi.PageSize, rw, KindAnon, "d"); d != a+abi.PageSize {
		t.Errorf("1 page went to %#x, want the hole at %#x", d, a+abi.PageSize)
	}

	// With everything from AnonBase up taken, the search starts at
	// abi.UserBase, past what is reserved there.
	s2, _ := newSpace(t)
	mustReserve(t, s2, AnonBase, abi.UserTop-AnonBase, ro, KindAnon, "top half")
	mustReserve(t, s2, abi.UserBase, abi.PageSize, rx, KindImage, "text")
	if e := mustReserve(t, s2, 0, abi.PageSize, rw, KindAnon, "low"); e != abi.UserBase+abi.PageSize {
		t.Errorf("fallback went to %#x, want %#x", e, uint64(abi.UserBase+abi.PageSize))
	}
	mustReserve(t, s2, abi.UserBase+2*abi.PageSize, AnonBase-abi.UserBase-2*abi.PageSize, ro, KindAnon, "rest")
	if _, err := s2.Reserve(0, abi.PageSize, rw, KindAnon, "none"); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Reserve in a full space: %v, want ErrNoSpace", err)
	}
}

func TestRelease(t *testing.T) {
	s, p := newSpace(t)
	base := mustReserve(t, s, abi.UserBase, 8*abi.PageSize, rw, KindAnon, "heap")
	mustReserve(t, s, base+8*abi.PageSize, 2*abi.PageSize, ro, KindAnon, "ro")
	for i := range 10 {
		if err := s.Fault(base+uint64(i)*abi.PageSize, AccessRead); err != nil {
			t.Fatal(err)
		}
	}
	// Cut a hole in the middle of the first region; the range may cover
	// unreserved addresses.
	if err := s.Release(base+2*abi.PageSize, 2*abi.PageSize); err != nil {
		t.Fatal(err)
	}
	// Cut across the boundary of the two regions.
	if err := s.Release(base+7*abi.PageSize, 2*abi.PageSize); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(base+20*abi.PageSize, 5*abi.PageSize); err != nil {
		t.Fatalf("Release of nothing: %v", err)
	}
	want := []Region{
		{base, base + 2*abi.PageSize, rw, KindAnon, "heap"},
		{base + 4*abi.PageSize, base + 7*abi.PageSize, rw, KindAnon, "heap"},
		{base + 9*abi.PageSize, base + 10*abi.PageSize, ro, KindAnon, "ro"},
	}
	if got := s.Regions(); !equalRegions(got, want) {
		t.Fatalf("regions:\n%v\nwant\n%v", got, want)
	}
	if s.Resident() != 6 || p.Mapped() != 6 {
		t.Errorf("resident %d, mapped %d; want 6", s.Resident(), p.Mapped())
	}
	if _, _, ok := p.Frame(base + 3*abi.PageSize); ok {
		t.Error("a released page is still mapped")
	}
	for _, bad := range []struct{ addr, n uint64 }{{base + 1, abi.PageSize}, {base, 0}, {abi.UserTop, abi.PageSize}} {
		if err := s.Release(bad.addr, bad.n); err == nil {
			t.Errorf("Release(%#x, %#x) succeeded", bad.addr, bad.n)
		}
	}
}

func TestDiscard(t *testing.T) {
	s, p := newSpace(t)
	base := mustReserve(t, s, 0, 4*abi.PageSize, rw, KindAnon, "heap")
	data := bytes.Repeat([]byte{0xAB}, 4*abi.PageSize)
	if err := s.CopyOut(base, data); err != nil {
		t.Fatal(err)
	}
	unmaps := p.Unmaps()
	if err := s.Discard(base+abi.PageSize, 2*abi.PageSize); err != nil {
		t.Fatal(err)
	}
	if s.Resident() != 2 || p.Unmaps() != unmaps+1 {
		t.Fatalf("after Discard: resident %d, unmaps %d", s.Resident(), p.Unmaps()-unmaps)
	}
	if got := s.Regions(); len(got) != 1 || got[0].Size() != 4*abi.PageSize {
		t.Fatalf("Discard changed the regions: %v", got)
	}
	got := make([]byte, 4*abi.PageSize)
	if err := s.CopyIn(got, base); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(data)
	clear(want[abi.PageSize : 3*abi.PageSize])
	if !bytes.Equal(got, want) {
		t.Error("discarded pages did not come back zero, or others changed")
	}
	// Discarding pages that are not mapped costs no TLB shootdown.
	if err := s.Discard(AnonBase+100*abi.PageSize, 10*abi.PageSize); err != nil {
		t.Fatal(err)
	}
	if p.Unmaps() != unmaps+1 {
		t.Error("Discard of unmapped pages called Unmap")
	}
}

func TestProtect(t *testing.T) {
	s, p := newSpace(t)
	base := mustReserve(t, s, 0, 4*abi.PageSize, rw, KindAnon, "heap")
	if err := s.CopyOut(base+abi.PageSize, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Protect(base+abi.PageSize, 2*abi.PageSize, ro); err != nil {
		t.Fatal(err)
	}
	want := []Region{
		{base, base + abi.PageSize, rw, KindAnon, "heap"},
		{base + abi.PageSize, base + 3*abi.PageSize, ro, KindAnon, "heap"},
		{base + 3*abi.PageSize, base + 4*abi.PageSize, rw, KindAnon, "heap"},
	}
	if got := s.Regions(); !equalRegions(got, want) {
		t.Fatalf("regions:\n%v\nwant\n%v", got, want)
	}
	if _, perm, ok := p.Frame(base + abi.PageSize); !ok || perm != ro {
		t.Errorf("mapped page has %v, %v; want %v", perm, ok, ro)
	}
	if err := s.CopyOut(base+abi.PageSize, []byte{2}); !errors.Is(err, ErrNotWritable) {
		t.Errorf("write to a protected page: %v", err)
	}
	// Back to rw: the regions merge again.
	if err := s.Protect(base+abi.PageSize, 2*abi.PageSize, rw); err != nil {
		t.Fatal(err)
	}
	if got := s.Regions(); len(got) != 1 {
		t.Errorf("regions did not merge: %v", got)
	}
	if err := s.Protect(base, 5*abi.PageSize, ro); !errors.Is(err, ErrUnmapped) {
		t.Errorf("Protect past the region: %v, want ErrUnmapped", err)
	}
	if err := s.Protect(base, abi.PageSize, PermWrite|PermExec); !errors.Is(err, ErrInvalid) {
		t.Errorf("Protect to wx: %v, want ErrInvalid", err)
	}
	if got := s.Regions(); len(got) != 1 || got[0].Perm != rw {
		t.Errorf("refused Protect changed the regions: %v", got)
	}
}

func TestFault(t *testing.T) {
	tests := []struct {
		perm   Perm
		access Access
		want   error // nil: the page gets mapped
	}{
		{ro, AccessRead, nil},
		{ro, AccessWrite, ErrNotWritable},
		{ro, AccessExec, ErrNotExecutable},
		{rw, AccessRead, nil},
		{rw, AccessWrite, nil},
		{rw, AccessExec, ErrNotExecutable},
		{rx, AccessRead, nil},
		{rx, AccessWrite, ErrNotWritable},
		{rx, AccessExec, nil},
		{PermExec, AccessRead, ErrNotReadable},
		{0, AccessRead, ErrNotReadable},
		{0, AccessWrite, ErrNotWritable},
	}
	for _, tt := range tests {
		t.Run(tt.perm.String()+"/"+tt.access.String(), func(t *testing.T) {
			s, p := newSpace(t)
			base := mustReserve(t, s, 0, 2*abi.PageSize, tt.perm, KindAnon, "r")
			err := s.Fault(base+abi.PageSize+123, tt.access)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Fault: %v", err)
				}
				if _, perm, ok := p.Frame(base + abi.PageSize); !ok || perm != tt.perm || s.Resident() != 1 {
					t.Fatalf("after Fault: mapped %v with %v, resident %d", ok, perm, s.Resident())
				}
				// A second fault on the same page (a race) is harmless.
				if err := s.Fault(base+abi.PageSize, tt.access); err != nil || s.Resident() != 1 {
					t.Fatalf("spurious fault: %v, resident %d", err, s.Resident())
				}
				return
			}
			var fe *FaultError
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrFault) || !errors.As(err, &fe) {
				t.Fatalf("Fault = %v, want %v and ErrFault", err, tt.want)
			}
			if fe.Addr != base+abi.PageSize+123 || fe.Access != tt.access || fe.Region == nil || fe.Region.Name != "r" {
				t.Errorf("FaultError = %+v", fe)
			}
			if !strings.Contains(err.Error(), tt.access.String()) {
				t.Errorf("error %q does not name the access", err)
			}
			if s.Resident() != 0 {
				t.Error("a refused fault mapped a page")
			}
		})
	}
}

func TestFaultOutside(t *testing.T) {
	s, _ := newSpace(t)
	base := mustReserve(t, s, abi.UserBase+abi.PageSize, abi.PageSize, rw, KindAnon, "r")
	for _, addr := range []uint64{0, abi.UserBase, base + abi.PageSize, abi.UserTop, abi.UserTop + 5, ^uint64(0)} {
		err := s.Fault(addr, AccessRead)
		if !errors.Is(err, ErrUnmapped) || !errors.Is(err, ErrFault) {
			t.Errorf("Fault(%#x) = %v, want ErrUnmapped", addr, err)
		}
	}
	if err := s.Fault(base, Access(9)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Fault with a bad access: %v", err)
	}
}

func TestFaultNoMemory(t *testing.T) {
	p := &MemPages{Limit: 1}
	s := NewSpace(p)
	base := mustReserve(t, s, 0, 2*abi.PageSize, rw, KindAnon, "heap")
	if err := s.Fault(base, AccessWrite); err != nil {
		t.Fatal(err)
	}
	err := s.Fault(base+abi.PageSize, AccessWrite)
	if !errors.Is(err, ErrNoMemory) || errors.Is(err, ErrFault) {
		t.Fatalf("Fault beyond the frame limit: %v, want ErrNoMemory and not ErrFault", err)
	}
	if s.Resident() != 1 {
		t.Errorf("resident %d, want 1", s.Resident())
	}
}

func TestCopyAcrossRegions(t *testing.T) {
	s, p := newSpace(t)
	// [a, a+2p) rw "one", [a+2p, a+4p) rw "two", [a+4p, a+5p) ro,
	// hole, [a+6p, a+7p) rw.
	a := mustReserve(t, s, abi.UserBase, 2*abi.PageSize, rw, KindAnon, "one")
	mustReserve(t, s, a+2*abi.PageSize, 2*abi.PageSize, rw, KindAnon, "two")
	mustReserve(t, s, a+4*abi.PageSize, abi.PageSize, ro, KindAnon, "ro")
	mustReserve(t, s, a+6*abi.PageSize, abi.PageSize, rw, KindAnon, "after hole")

	msg := make([]byte, abi.PageSize+100)
	for i := range msg {
		msg[i] = byte(i*7 + 1)
	}
	at := a + 2*abi.PageSize - 50 // across "one" and "two", over three pages
	if err := s.CopyOut(at, msg); err != nil {
		t.Fatalf("CopyOut across regions: %v", err)
	}
	if s.Resident() != 3 {
		t.Errorf("resident %d, want 3", s.Resident())
	}
	got := make([]byte, len(msg))
	if err := s.CopyIn(got, at); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("CopyIn: %v, equal %v", err, bytes.Equal(got, msg))
	}
	// Reading an untouched page gives zeros and maps it.
	zero := make([]byte, 16)
	zero[0] = 1
	if err := s.CopyIn(zero, a+4*abi.PageSize-8); err != nil || !bytes.Equal(zero, make([]byte, 16)) {
		t.Fatalf("CopyIn into the read-only region: %v, %x", err, zero)
	}

	refused := []struct {
		name  string
		write bool
		addr  uint64
		n     int
		cause error
		bad   uint64 // the address the error names
	}{
		{"write into read-only", true, a + 4*abi.PageSize - 8, 16, ErrNotWritable, a + 4*abi.PageSize},
		{"read across a hole", false, a + 5*abi.PageSize - 8, 16, ErrUnmapped, a + 5*abi.PageSize},
		{"write across a hole", true, a + 6*abi.PageSize - 1, 2, ErrUnmapped, a + 6*abi.PageSize - 1},
		{"read below the range", false, abi.UserBase - 4, 8, ErrOutOfRange, abi.UserBase - 4},
		{"read past the top", false, abi.UserTop - 4, 8, ErrOutOfRange, abi.UserTop - 4},
		{"read that wraps", false, ^uint64(0) - 3, 8, ErrOutOfRange, ^uint64(0) - 3},
		{"write at nil", true, 0, 1, ErrOutOfRange, 0},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			mapped := p.Mapped()
			buf := bytes.Repeat([]byte{0xEE}, tt.n)
			var err error
			if tt.write {
				err = s.CopyOut(tt.addr, buf)
			} else {
				err = s.CopyIn(buf, tt.addr)
			}
			var fe *FaultError
			if !errors.Is(err, tt.cause) || !errors.Is(err, abi.EFAULT) || !errors.As(err, &fe) || fe.Addr != tt.bad {
				t.Fatalf("got %v, want %v at %#x wrapping abi.EFAULT", err, tt.cause, tt.bad)
			}
			if syscalls.ErrnoOf(err) != abi.EFAULT {
				t.Errorf("errno %v, want EFAULT", syscalls.ErrnoOf(err))
			}
			if p.Mapped() != mapped {
				t.Error("a refused copy mapped pages")
			}
			if !tt.write && !bytes.Equal(buf, bytes.Repeat([]byte{0xEE}, tt.n)) {
				t.Error("a refused CopyIn wrote into the buffer")
			}
		})
	}
	// The refused write into the read-only region wrote nothing before it.
	last := make([]byte, 8)
	if err := s.CopyIn(last, a+4*abi.PageSize-8); err != nil || !bytes.Equal(last, make([]byte, 8)) {
		t.Errorf("bytes before the refused write: %x, %v", last, err)
	}
	// Zero-length copies succeed anywhere.
	if err := s.CopyIn(nil, 0); err != nil {
		t.Errorf("empty CopyIn at 0: %v", err)
	}
	if err := s.CopyOut(^uint64(0), nil); err != nil {
		t.Errorf("empty CopyOut at the last address: %v", err)
	}
}

func TestClose(t *testing.T) {
	s, p := newSpace(t)
	base := mustReserve(t, s, 0, abi.PageSize, rw, KindAnon, "heap")
	if err := s.Fault(base, AccessWrite); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	if !p.Released() || p.Mapped() != 0 {
		t.Fatalf("Close: released %v, mapped %d", p.Released(), p.Mapped())
	}
	if len(s.Regions()) != 0 || s.Resident() != 0 {
		t.Errorf("closed space has regions %v, resident %d", s.Regions(), s.Resident())
	}
	checks := map[string]error{
		"Fault":   s.Fault(base, AccessRead),
		"CopyIn":  s.CopyIn(make([]byte, 1), base),
		"CopyOut": s.CopyOut(base, []byte{1}),
		"Release": s.Release(base, abi.PageSize),
		"Discard": s.Discard(base, abi.PageSize),
		"Protect": s.Protect(base, abi.PageSize, ro),
	}
	_, checks["Reserve"] = s.Reserve(0, abi.PageSize, rw, KindAnon, "x")
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{Perm(0).String(), "---"},
		{rx.String(), "r-x"},
		{rw.String(), "rw-"},
		{Perm(0x9).String(), "r--?"},
		{KindStack.String(), "stack"},
		{Kind(7).String(), "Kind(7)"},
		{AccessExec.String(), "execute"},
		{Access(5).String(), "Access(5)"},
		{Region{abi.UserBase, abi.UserBase + abi.PageSize, rx, KindImage, "text"}.String(), "0x7f0000000000-0x7f0000001000 r-x image text"},
		{(&FaultError{Addr: 0x10, Access: AccessWrite, Cause: ErrUnmapped}).Error(), "write at 0x10: no mapping"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func equalRegions(a, b []Region) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeviceMemoryIsMappedWholeAndNeverCopied(t *testing.T) {
	pages := &MemPages{}
	s := NewSpace(pages)
	const pa = 0xfe000000
	skip := func(off uint64) bool { return off == abi.PageSize }
	va, err := s.MapPhys(pa, 3*abi.PageSize, PermRead|PermWrite, true, skip, "bar")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := pages.PhysOf(va + 2*abi.PageSize); !ok || got != pa+2*abi.PageSize {
		t.Fatalf("third page maps %#x, %v", got, ok)
	}
	if _, ok := pages.PhysOf(va + abi.PageSize); ok {
		t.Fatal("a skipped page was mapped")
	}
	if err := s.Fault(va+abi.PageSize, AccessRead); !errors.Is(err, ErrDeviceMemory) {
		t.Fatalf("fault in a skipped page: %v, want ErrDeviceMemory", err)
	}
	var b [8]byte
	if err := s.CopyIn(b[:], va); !errors.Is(err, ErrFault) || !errors.Is(err, ErrDeviceMemory) {
		t.Fatalf("copy from device memory: %v", err)
	}
	if _, err := s.Reserve(0, abi.PageSize, PermRead, KindDevice, "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Reserve of a device region: %v", err)
	}
	s.UnmapPhys(va, 3*abi.PageSize)
	if _, ok := s.Lookup(va); ok || pages.Mapped() != 0 {
		t.Fatalf("after UnmapPhys: region there %v, %d pages mapped", ok, pages.Mapped())
	}
	s.Close()
	s.UnmapPhys(va, abi.PageSize) // after Close: nothing to do, no misuse
	if err := pages.Misuse(); err != nil {
		t.Fatal(err)
	}
}
