package proc

import (
	"bytes"
	"clk/abi"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// readWord reads the uint64 at addr.
func readWord(t *testing.T, s *Space, addr uint64) uint64 {
	t.Helper()
	var b [8]byte
	if err := s.CopyIn(b[:], addr); err != nil {
		t.Fatalf("read word at %#x: %v", addr, err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

// readString reads the NUL-terminated string at addr.
func readString(t *testing.T, s *Space, addr uint64) string {
	t.Helper()
	var sb strings.Builder
	for {
		var c [1]byte
		if err := s.CopyIn(c[:], addr); err != nil {
			t.Fatalf("read string at %#x: %v", addr, err)
		}
		if c[0] == 0 {
			return sb.String()
		}
		sb.WriteByte(c[0])
		addr++
	}
}

// readVector reads the NULL-terminated pointer vector at addr and the
// strings it points to, and returns them and the address past the NULL.
func readVector(t *testing.T, s *Space, addr, lo, hi uint64) ([]string, uint64) {
	t.Helper()
	var list []string
	for {
		p := readWord(t, s, addr)
		addr += 8
		if p == 0 {
			return list, addr
		}
		if p < lo || p >= hi {
			t.Fatalf("pointer %#x outside the string area [%#x, %#x)", p, lo, hi)
		}
		list = append(list, readString(t, s, p))
	}
}

func TestSetupStack(t *testing.T) {
	tests := []struct {
		name      string
		args, env []string
	}{
		{"typical", []string{"/bin/hello", "-v", "world"}, []string{"HOME=/", "CLK_HANDLES=1a,2b"}},
		{"none", nil, nil},
		{"empty strings", []string{"", ""}, []string{""}},
		{"odd lengths", []string{"abc"}, []string{"de", "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSpace(t)
			const size = 16 * abi.PageSize
			top := uint64(abi.UserTop)
			sp, err := SetupStack(s, top, size, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if sp%16 != 0 || sp >= top || sp < top-size {
				t.Fatalf("sp %#x: not 16-byte aligned inside the stack", sp)
			}
			want := []Region{{top - size - abi.PageSize, top - size, 0, KindGuard, "stack guard"}, {top - size, top, rw, KindStack, "stack"}}
			if got := s.Regions(); !equalRegions(got, want) {
				t.Fatalf("regions %v, want %v", got, want)
			}
			if argc := readWord(t, s, sp); argc != uint64(len(tt.args)) {
				t.Errorf("argc %d, want %d", argc, len(tt.args))
			}
			args, next := readVector(t, s, sp+8, sp, top)
			env, next := readVector(t, s, next, sp, top)
			if strings.Join(args, "\x00") != strings.Join(tt.args, "\x00") || len(args) != len(tt.args) {
				t.Errorf("argv %q, want %q", args, tt.args)
			}
			if strings.Join(env, "\x00") != strings.Join(tt.env, "\x00") || len(env) != len(tt.env) {
				t.Errorf("envp %q, want %q", env, tt.env)
			}
			if typ, val := readWord(t, s, next), readWord(t, s, next+8); typ != 0 || val != 0 {
				t.Errorf("auxv starts %d, %d; want AT_NULL", typ, val)
			}
			if readWord(t, s, top-8) != 0 {
				t.Error("the word at top is not zero")
			}
			// The page below the stack is a guard: touching it kills.
			var fe *FaultError
			if err := s.Fault(top-size-8, AccessWrite); !errors.As(err, &fe) || fe.Region == nil || fe.Region.Kind != KindGuard {
				t.Errorf("guard page fault: %v, want a fault in the guard region", err)
			}
		})
	}
}

func TestSetupStackRefusals(t *testing.T) {
	const top, size = abi.UserTop - 16*abi.PageSize, 4 * abi.PageSize
	long := strings.Repeat("x", MaxArgBytes)
	many := make([]string, MaxArgBytes/8)
	tests := []struct {
		name      string
		top, size uint64
		args, env []string
		want      error
		words     string
	}{
		{"misaligned top", top - 8, size, nil, nil, ErrInvalid, "page aligned"},
		{"misaligned size", top, size + 8, nil, nil, ErrInvalid, "page aligned"},
		{"zero size", top, 0, nil, nil, ErrInvalid, "non-zero"},
		{"above the user range", abi.UserTop + abi.PageSize, size, nil, nil, ErrOutOfRange, ""},
		{"below the user range", abi.UserBase + abi.PageSize, 2 * abi.PageSize, nil, nil, ErrOutOfRange, ""},
		{"no room for the guard", abi.UserBase + size, size, nil, nil, ErrOutOfRange, "guard"},
		{"guard page taken", top, size, nil, nil, ErrOverlap, "taken"},
		{"stack taken", top - 2*abi.PageSize, size, nil, nil, ErrOverlap, "taken"},
		{"NUL in an argument", top, size, []string{"a\x00b"}, nil, ErrInvalid, "NUL"},
		{"NUL in the environment", top, size, nil, []string{"A=\x00"}, ErrInvalid, "NUL"},
		{"strings too long", top, 32 * abi.PageSize, []string{long}, nil, ErrArgsTooLarge, ""},
		{"too many pointers", top, 32 * abi.PageSize, nil, many, ErrArgsTooLarge, ""},
		{"larger than the stack", top, abi.PageSize, []string{strings.Repeat("y", abi.PageSize)}, nil, ErrArgsTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSpace(t)
			// The page below a stack ending at top is taken.
			mustReserve(t, s, top-size-abi.PageSize, abi.PageSize, ro, KindAnon, "taken")
			before := s.Regions()
			_, err := SetupStack(s, tt.top, tt.size, tt.args, tt.env)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("SetupStack = %v, want %v saying %q", err, tt.want, tt.words)
			}
			if got := s.Regions(); !equalRegions(got, before) || s.Resident() != 0 {
				t.Errorf("refused SetupStack left %v, %d pages", got, s.Resident())
			}
		})
	}
}

func TestSetupStackLongArgument(t *testing.T) {
	s, _ := newSpace(t)
	arg := strings.Repeat("z", MaxArgBytes/2)
	sp, err := SetupStack(s, abi.UserTop, 32*abi.PageSize, []string{arg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(arg))
	if err := s.CopyIn(got, readWord(t, s, sp+8)); err != nil || !bytes.Equal(got, []byte(arg)) {
		t.Errorf("long argument read back wrong: %v", err)
	}
}

func TestNoMappingTakesTheStackGuardPage(t *testing.T) {
	s := NewSpace(&MemPages{})
	const size = 4 * abi.PageSize
	if _, err := SetupStack(s, abi.UserTop, size, []string{"prog"}, nil); err != nil {
		t.Fatal(err)
	}
	guard := uint64(abi.UserTop - size - abi.PageSize)
	if _, err := s.Reserve(guard, abi.PageSize, PermRead|PermWrite, KindAnon, "anon"); !errors.Is(err, ErrOverlap) {
		t.Fatalf("a fixed mapping over the guard page: %v, want ErrOverlap", err)
	}
	var fe *FaultError
	if err := s.Fault(guard+8, AccessWrite); !errors.As(err, &fe) || fe.Region == nil || fe.Region.Kind != KindGuard {
		t.Fatalf("a write to the guard page: %v, want a fault in the guard region", err)
	}
}

func TestACopyThatCannotMapEveryPageWritesNothing(t *testing.T) {
	// Room for three pages: the copy needs four.
	s := NewSpace(&MemPages{Limit: 3})
	base, err := s.Reserve(0, 8*abi.PageSize, PermRead|PermWrite, KindAnon, "anon")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CopyOut(base, []byte{1}); err != nil { // maps the first page
		t.Fatal(err)
	}
	buf := make([]byte, 3*abi.PageSize+1)
	for i := range buf {
		buf[i] = 0xaa
	}
	if err := s.CopyOut(base+abi.PageSize-1, buf); err == nil {
		t.Fatal("a copy over more pages than memory allows succeeded")
	}
	var got [1]byte
	if err := s.CopyIn(got[:], base+abi.PageSize-1); err != nil || got[0] != 0 {
		t.Fatalf("the failed copy wrote %#x (err %v); want nothing written", got[0], err)
	}
}
