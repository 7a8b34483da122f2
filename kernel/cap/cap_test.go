package cap

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"clk/abi"
)

type testObj struct {
	typ      abi.ObjectType
	released atomic.Int32
}

func (o *testObj) Type() abi.ObjectType { return o.typ }
func (o *testObj) Release()             { o.released.Add(1) }

func newObj() *testObj { return &testObj{typ: abi.TypeLog} }

func install(t *testing.T, tb *Table, c *Cap) Handle {
	t.Helper()
	h, err := tb.Install(c)
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	return h
}

func rightsOf(t *testing.T, tb *Table, h Handle) abi.Rights {
	t.Helper()
	c, err := tb.Lookup(h, abi.TypeAny, 0)
	if err != nil {
		t.Fatalf("lookup %#x: %v", h, err)
	}
	return c.Rights()
}

func TestRightsOnlyShrink(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tb := NewTable(0)
	root := install(t, tb, New(newObj(), abi.RightsAll))
	live := []Handle{root}
	for i := 0; i < 2000; i++ {
		h := live[r.IntN(len(live))]
		have := rightsOf(t, tb, h)
		want := abi.Rights(r.Uint32()) & abi.RightsAll
		var nh Handle
		var err error
		if r.IntN(2) == 0 {
			nh, err = tb.Duplicate(h, want)
		} else {
			nh, err = tb.Replace(h, want)
		}
		switch {
		case !have.Has(want):
			if !errors.Is(err, ErrAccessDenied) {
				t.Fatalf("derive %v from %v: err %v, want ErrAccessDenied", want, have, err)
			}
		case err != nil:
			if errors.Is(err, ErrAccessDenied) && !have.Has(abi.RightDuplicate) {
				continue
			}
			t.Fatalf("derive %v from %v: %v", want, have, err)
		default:
			if got := rightsOf(t, tb, nh); got != want || !have.Has(got) {
				t.Fatalf("derived %v from %v asking %v", got, have, want)
			}
			if _, err := tb.Lookup(h, abi.TypeAny, 0); err == nil {
				// a duplicate keeps its source
				live = append(live, nh)
			} else {
				for j := range live {
					if live[j] == h {
						live[j] = nh
					}
				}
			}
		}
	}
	fresh := install(t, tb, New(newObj(), abi.RightsAll))
	if _, err := tb.Duplicate(fresh, abi.RightsAll<<1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("duplicate with unknown rights bits: %v, want ErrInvalid", err)
	}
}

func TestDuplicateNeedsDuplicateRight(t *testing.T) {
	tb := NewTable(0)
	h := install(t, tb, New(newObj(), abi.RightRead|abi.RightWrite))
	if _, err := tb.Duplicate(h, abi.RightRead); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("duplicate without the right: %v, want ErrAccessDenied", err)
	}
	nh, err := tb.Replace(h, abi.RightRead)
	if err != nil {
		t.Fatalf("replace needs no right: %v", err)
	}
	if _, err := tb.Lookup(h, abi.TypeAny, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("replaced handle: %v, want ErrClosed", err)
	}
	if got := rightsOf(t, tb, nh); got != abi.RightRead {
		t.Fatalf("replacement has %v, want read", got)
	}
}

func TestRevokeRemovesDerivedSubtree(t *testing.T) {
	a, b := NewTable(0), NewTable(0)
	obj := newObj()
	root := install(t, a, New(obj, abi.RightsAll))
	// root -> mid -> {leaf in b, leaf2 -> leaf3}; root -> sibling
	mid, _ := a.Duplicate(root, abi.RightsAll)
	sibling, _ := a.Duplicate(root, abi.RightRead)
	leafA, _ := a.Duplicate(mid, abi.RightsAll)
	leaf2, _ := a.Duplicate(mid, abi.RightsAll)
	leaf3, _ := a.Duplicate(leaf2, abi.RightRead|abi.RightDuplicate)
	moved, err := a.Take([]Handle{leafA}, nil)
	if err != nil {
		t.Fatal(err)
	}
	leafB := install(t, b, moved[0])
	// Closing leaf2 hands leaf3 to mid: mid's revoke must still reach it.
	if err := a.Close(leaf2); err != nil {
		t.Fatal(err)
	}

	if err := a.Revoke(mid); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	for _, x := range []struct {
		tb *Table
		h  Handle
	}{{b, leafB}, {a, leaf3}} {
		if _, err := x.tb.Lookup(x.h, abi.TypeAny, 0); !errors.Is(err, ErrRevoked) {
			t.Errorf("derived handle %#x after revoke: %v, want ErrRevoked", x.h, err)
		}
		if _, err := x.tb.Duplicate(x.h, 0); !errors.Is(err, ErrRevoked) {
			t.Errorf("duplicate of revoked %#x: %v, want ErrRevoked", x.h, err)
		}
	}
	for _, h := range []Handle{root, mid, sibling} {
		if _, err := a.Lookup(h, abi.TypeAny, 0); err != nil {
			t.Errorf("handle %#x outside the subtree: %v", h, err)
		}
	}
	if n := obj.released.Load(); n != 0 {
		t.Fatalf("object released %d times while handles remain", n)
	}
	// Revoking the root takes the rest; the object is released once.
	if err := a.Revoke(root); err != nil {
		t.Fatal(err)
	}
	for _, h := range []Handle{mid, sibling} {
		if _, err := a.Lookup(h, abi.TypeAny, 0); !errors.Is(err, ErrRevoked) {
			t.Errorf("handle %#x after root revoke: %v, want ErrRevoked", h, err)
		}
	}
	a.Close(root)
	if n := obj.released.Load(); n != 1 {
		t.Fatalf("object released %d times, want 1", n)
	}
	// A revoked handle stays until closed, then reads as closed.
	if err := b.Close(leafB); err != nil {
		t.Fatalf("closing a revoked handle: %v", err)
	}
	if _, err := b.Lookup(leafB, abi.TypeAny, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed revoked handle: %v, want ErrClosed", err)
	}
}

func TestBadHandlesFailWithTheirError(t *testing.T) {
	a, b := NewTable(0), NewTable(0)
	h := install(t, a, New(newObj(), abi.RightRead|abi.RightDuplicate))
	closed := install(t, a, New(newObj(), abi.RightsAll))
	a.Close(closed)
	for _, tc := range []struct {
		name string
		tb   *Table
		h    Handle
		typ  abi.ObjectType
		need abi.Rights
		want error
	}{
		{"forged", a, h ^ 0x5a5a0000, abi.TypeAny, 0, ErrBadHandle},
		{"zero", a, Invalid, abi.TypeAny, 0, ErrBadHandle},
		{"closed", a, closed, abi.TypeAny, 0, ErrClosed},
		{"other process", b, h, abi.TypeAny, 0, ErrBadHandle},
		{"wrong type", a, h, abi.TypeChannel, 0, ErrWrongType},
		{"insufficient rights", a, h, abi.TypeLog, abi.RightWrite, ErrAccessDenied},
	} {
		_, err := tc.tb.Lookup(tc.h, tc.typ, tc.need)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		var he *Error
		if !errors.As(err, &he) || he.Handle != tc.h {
			t.Errorf("%s: %v is not an *Error naming the handle", tc.name, err)
		}
	}
	if err := a.Close(closed); !errors.Is(err, ErrClosed) {
		t.Errorf("closing twice: %v, want ErrClosed", err)
	}
}

func TestClosedValuesAreNotReusedSoon(t *testing.T) {
	tb := NewTable(0)
	seen := make(map[Handle]int)
	for i := 0; i < 3*recentClosed; i++ {
		h := install(t, tb, New(newObj(), 0))
		if j, ok := seen[h]; ok && i-j <= recentClosed {
			t.Fatalf("value %#x issued at %d and again at %d", h, j, i)
		}
		seen[h] = i
		tb.Close(h)
	}
}

func TestHandleValuesDifferPerTable(t *testing.T) {
	a, b := NewTable(0), NewTable(0)
	same := 0
	for i := 0; i < 64; i++ {
		ha := install(t, a, New(newObj(), 0))
		hb := install(t, b, New(newObj(), 0))
		if ha == hb {
			same++
		}
	}
	if same > 1 {
		t.Fatalf("%d of 64 values equal in two tables: values are predictable", same)
	}
}

func TestTransferMovesAllOrNone(t *testing.T) {
	a := NewTable(0)
	h1 := install(t, a, New(newObj(), abi.RightTransfer))
	h2 := install(t, a, New(newObj(), abi.RightRead))
	if _, err := a.Take([]Handle{h1, h2}, nil); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("take without transfer right: %v, want ErrAccessDenied", err)
	}
	if _, err := a.Take([]Handle{h1, h1}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("take a handle twice: %v, want ErrInvalid", err)
	}
	if a.Len() != 2 {
		t.Fatalf("failed take changed the table: %d handles", a.Len())
	}
	cs, err := a.Take([]Handle{h1}, nil)
	if err != nil || len(cs) != 1 {
		t.Fatalf("take: %v", err)
	}
	if _, err := a.Lookup(h1, abi.TypeAny, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("sender still has the moved handle: %v", err)
	}
}

func TestFullTableRefusesInstall(t *testing.T) {
	tb := NewTable(2)
	h := install(t, tb, New(newObj(), abi.RightsAll))
	install(t, tb, New(newObj(), 0))
	if _, err := tb.Install(New(newObj(), 0)); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("install into a full table: %v, want ErrNoSpace", err)
	}
	if _, err := tb.Duplicate(h, 0); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("duplicate into a full table: %v, want ErrNoSpace", err)
	}
}

func TestCloseAllReleasesObjects(t *testing.T) {
	tb := NewTable(0)
	o := newObj()
	h := install(t, tb, New(o, abi.RightsAll))
	tb.Duplicate(h, abi.RightRead)
	tb.CloseAll()
	if o.released.Load() != 1 {
		t.Fatalf("released %d times, want 1", o.released.Load())
	}
	if _, err := tb.Install(New(newObj(), 0)); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("install after CloseAll: %v, want ErrNoSpace", err)
	}
}

func TestConcurrentDeriveAndRevokeKeepCounts(t *testing.T) {
	a, b := NewTable(0), NewTable(0)
	o := newObj()
	root := install(t, a, New(o, abi.RightsAll))
	var wg sync.WaitGroup
	for _, tb := range []*Table{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				c, err := a.Lookup(root, abi.TypeAny, 0)
				if err != nil {
					t.Error(err)
					return
				}
				d, err := c.Derive(abi.RightRead)
				if err != nil {
					continue
				}
				h, err := tb.Install(d)
				if err == nil && i%2 == 0 {
					tb.Close(h)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 100; i++ {
			a.Revoke(root)
		}
	}()
	wg.Wait()
	a.Revoke(root)
	a.Close(root)
	if o.released.Load() != 1 {
		t.Fatalf("released %d times, want 1", o.released.Load())
	}
}

func TestRightsString(t *testing.T) {
	if got := (abi.RightRead | abi.RightTransfer).String(); got != "read|transfer" {
		t.Fatalf("String = %q", got)
	}
	if len(abi.RightList) == 0 || abi.RightList[len(abi.RightList)-1].Right != abi.RightManage {
		t.Fatal("abi.RightList does not end with the last right")
	}
	var all abi.Rights
	for i, ri := range abi.RightList {
		if ri.Right != 1<<i {
			t.Fatalf("abi.RightList[%d] is %#x, want bit %d", i, ri.Right, i)
		}
		all |= ri.Right
	}
	if all != abi.RightsAll {
		t.Fatalf("abi.RightList covers %#x, abi.RightsAll is %#x", all, abi.RightsAll)
	}
}
