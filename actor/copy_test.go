package actor

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type order struct {
	Items []string
	Qty   map[string]int
	Note  *string
	Any   any
	next  *order
}

func TestMessageMutatedAfterSendIsUnchangedAtReceiver(t *testing.T) {
	r, out := collector(t, 1)
	note := "fragile"
	inner := []int{1, 2, 3}
	msg := &order{Items: []string{"a", "b"}, Qty: map[string]int{"a": 1}, Note: &note, Any: inner}
	msg.next = msg
	if err := Send(r, msg); err != nil {
		t.Fatal(err)
	}
	msg.Items[0] = "changed"
	msg.Qty["a"] = 99
	note = "changed"
	inner[0] = 99
	msg.next = nil
	got := (<-out)[0].(*order)
	if got == msg {
		t.Fatal("receiver got the sender's pointer")
	}
	if got.Items[0] != "a" || got.Qty["a"] != 1 || *got.Note != "fragile" || got.Any.([]int)[0] != 1 {
		t.Fatalf("receiver sees the sender's later changes: %+v", got)
	}
	if got.next != got {
		t.Fatal("the cycle through an unexported field was not kept in the copy")
	}
}

func TestUncopyableMessageIsRefusedAtSend(t *testing.T) {
	r, _ := collector(t, 1)
	defer Kill(r, nil)
	type job struct {
		Name string
		Done chan bool
	}
	for _, msg := range []any{
		func() {},
		make(chan int),
		job{Name: "x", Done: make(chan bool)},
		[]any{1, func() {}},
		map[string]any{"k": uintptr(1)},
	} {
		err := Send(r, msg)
		if !errors.Is(err, ErrNotCopyable) {
			t.Errorf("Send(%T): %v, want ErrNotCopyable", msg, err)
		}
	}
	var ce *CopyError
	if err := Send(r, job{}); !errors.As(err, &ce) || ce.Path != ".Done" || ce.Kind != "chan" {
		t.Errorf("Send(job{}): %v, want a CopyError at .Done", err)
	}
	if info, _ := Stat(r); info.In != 0 {
		t.Errorf("a refused message reached the mailbox: In = %d", info.In)
	}
}

func TestRefsAndErrorsTravelInMessages(t *testing.T) {
	r, out := collector(t, 1)
	sentinel := fmt.Errorf("wrapped: %w", ErrClosed)
	type msg struct {
		To  Ref
		Err error
		At  time.Time
	}
	at := time.Now()
	if err := Send(r, msg{To: r, Err: sentinel, At: at}); err != nil {
		t.Fatal(err)
	}
	got := (<-out)[0].(msg)
	if got.To != r || !errors.Is(got.Err, ErrClosed) || !got.At.Equal(at) {
		t.Fatalf("got %+v", got)
	}
}

func TestCopyKeepsSharingWithinAMessage(t *testing.T) {
	type pair struct{ A, B *int }
	n := 1
	v, err := copyMessage(pair{&n, &n})
	if err != nil {
		t.Fatal(err)
	}
	p := v.(pair)
	if p.A != p.B || p.A == &n {
		t.Fatalf("two pointers to one int: copied to %p and %p (original %p)", p.A, p.B, &n)
	}
}

func TestCopyOfPlainValues(t *testing.T) {
	type point struct{ x, y int }
	for _, m := range []any{nil, 1, "s", point{1, 2}, [2]string{"a", "b"}, time.Second} {
		got, err := copyMessage(m)
		if err != nil || got != m {
			t.Errorf("copyMessage(%v) = %v, %v", m, got, err)
		}
	}
	arr := [2]*int{new(int), nil}
	got, err := copyMessage(arr)
	if err != nil || got.([2]*int)[0] == arr[0] || got.([2]*int)[1] != nil {
		t.Fatalf("copyMessage(array of pointers) = %v, %v", got, err)
	}
	m := map[string][]byte{"k": []byte("v")}
	got, err = copyMessage(m)
	m["k"][0] = 'x'
	if err != nil || string(got.(map[string][]byte)["k"]) != "v" {
		t.Fatalf("copyMessage(map of slices) = %v, %v", got, err)
	}
	if _, err := copyMessage(&Request{}); !errors.Is(err, ErrNotCopyable) {
		t.Fatalf("copyMessage(*Request): %v", err)
	}
}

// A message with more pointers than the copier keeps in its list still
// keeps its sharing once the copier moves to a map.
func TestCopyKeepsSharingAmongManyPointers(t *testing.T) {
	type node struct {
		Next *node
		Self *node
	}
	var head *node
	for range 3 * seenListMax {
		n := &node{Next: head}
		n.Self = n
		head = n
	}
	v, err := copyMessage(head)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for n := v.(*node); n != nil; n = n.Next {
		if n.Self != n {
			t.Fatalf("node %d: Self does not point to its own copy", count)
		}
		count++
	}
	if count != 3*seenListMax {
		t.Fatalf("copied %d nodes, want %d", count, 3*seenListMax)
	}
}
