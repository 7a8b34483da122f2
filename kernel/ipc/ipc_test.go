package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/wait"
)

const (
	msgData  = 1 // bytes only
	msgGrant = 2 // bytes and one log handle with read
	msgReq   = 3
)

func testSchema(t testing.TB) *Schema {
	s, err := NewSchema(
		MessageSpec{Type: msgData, MaxData: 128},
		MessageSpec{Type: msgGrant, MaxData: 16, Handles: []HandleSpec{{Type: abi.TypeLog, Rights: abi.RightRead}}},
		MessageSpec{Type: msgReq, MaxData: 64},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type logObj struct{ released atomic.Int32 }

func (*logObj) Type() abi.ObjectType { return abi.TypeLog }
func (o *logObj) Release()           { o.released.Add(1) }

// pair makes a channel and puts one endpoint in each of two tables.
func pair(t testing.TB, depth int) (a, b *cap.Table, ha, hb cap.Handle, ea, eb *Endpoint) {
	ea, eb, err := NewChannel(testSchema(t), depth)
	if err != nil {
		t.Fatal(err)
	}
	a, b = cap.NewTable(0), cap.NewTable(0)
	ha, _ = a.Install(cap.New(ea, abi.RightsAll))
	hb, _ = b.Install(cap.New(eb, abi.RightsAll))
	return
}

func readNow(e *Endpoint) (Message, error) { return e.Read(time.Time{}, false, nil) }

func TestTransferMovesHandle(t *testing.T) {
	a, b, _, _, ea, eb := pair(t, 0)
	obj := &logObj{}
	h, _ := a.Install(cap.New(obj, abi.RightRead|abi.RightTransfer))
	if err := ea.WriteFrom(a, msgGrant, 0, []byte("take"), []cap.Handle{h}, wait.Forever, true); err != nil {
		t.Fatalf("write: %v", err)
	}
	if _, err := a.Lookup(h, abi.TypeAny, 0); !errors.Is(err, cap.ErrClosed) {
		t.Fatalf("sender still holds the sent handle: %v", err)
	}
	m, err := readNow(eb)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := b.InstallAll(m.Caps)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Lookup(hs[0], abi.TypeLog, abi.RightRead)
	if err != nil || c.Object() != obj {
		t.Fatalf("receiver's handle: %v, object %v", err, c)
	}
	if obj.released.Load() != 0 {
		t.Fatal("object released while the receiver holds it")
	}
}

func TestTransferNeedsTransferRight(t *testing.T) {
	a, _, _, _, ea, eb := pair(t, 0)
	h, _ := a.Install(cap.New(&logObj{}, abi.RightRead))
	err := ea.WriteFrom(a, msgGrant, 0, nil, []cap.Handle{h}, wait.Forever, true)
	if !errors.Is(err, cap.ErrAccessDenied) {
		t.Fatalf("write without transfer right: %v, want ErrAccessDenied", err)
	}
	if _, err := a.Lookup(h, abi.TypeAny, 0); err != nil {
		t.Fatalf("refused write took the handle: %v", err)
	}
	if _, err := readNow(eb); !errors.Is(err, ErrEmpty) {
		t.Fatalf("receiver saw %v, want ErrEmpty", err)
	}
	if eb.Signals()&abi.Readable != 0 || ea.Signals()&abi.Writable == 0 {
		t.Fatalf("signals after refused write: reader %#x writer %#x", eb.Signals(), ea.Signals())
	}
}

func TestRefusedMessageNeverReachesReceiver(t *testing.T) {
	a, _, ha, _, ea, eb := pair(t, 0)
	logH := func(r abi.Rights) cap.Handle {
		h, _ := a.Install(cap.New(&logObj{}, r))
		return h
	}
	chanH, _ := a.Duplicate(ha, abi.RightsAll)
	_, other, _ := NewChannel(testSchema(t), 0)
	otherH, _ := a.Install(cap.New(other, abi.RightsAll))
	for _, tc := range []struct {
		name string
		typ  uint32
		data []byte
		hs   []cap.Handle
		want error
	}{
		{"undeclared type", 99, nil, nil, ErrSchema},
		{"longer than the type allows", msgData, make([]byte, 129), nil, ErrTooLarge},
		{"longer than any message", msgData, make([]byte, abi.MaxData+1), nil, ErrTooLarge},
		{"missing handle", msgGrant, nil, nil, ErrSchema},
		{"extra handle", msgData, nil, []cap.Handle{logH(abi.RightsAll)}, ErrSchema},
		{"handle without the schema's rights", msgGrant, nil, []cap.Handle{logH(abi.RightTransfer)}, ErrSchema},
		{"handle of the wrong type", msgGrant, nil, []cap.Handle{otherH}, ErrSchema},
		{"own endpoint", msgGrant, nil, []cap.Handle{chanH}, ErrSelfTransfer},
		{"forged handle", msgGrant, nil, []cap.Handle{0x1234567}, cap.ErrBadHandle},
	} {
		before := a.Len()
		err := ea.WriteFrom(a, tc.typ, 0, tc.data, tc.hs, wait.Forever, true)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if a.Len() != before {
			t.Errorf("%s: sender lost handles (%d -> %d)", tc.name, before, a.Len())
		}
		if _, err := readNow(eb); !errors.Is(err, ErrEmpty) {
			t.Errorf("%s: receiver saw %v", tc.name, err)
		}
		// The in-kernel path refuses the same messages.
		var caps []*cap.Cap
		for _, h := range tc.hs {
			if c, err := a.Lookup(h, abi.TypeAny, 0); err == nil {
				caps = append(caps, c)
			}
		}
		if tc.want != cap.ErrBadHandle {
			if err := ea.Write(Message{Type: tc.typ, Data: tc.data, Caps: caps}, wait.Forever, true); !errors.Is(err, tc.want) {
				t.Errorf("%s in kernel: %v, want %v", tc.name, err, tc.want)
			}
		}
		if eb.Signals()&abi.Readable != 0 {
			t.Errorf("%s: receiver readable", tc.name)
		}
	}
}

func TestBackPressureBlocksAndNeverDrops(t *testing.T) {
	_, _, _, _, ea, eb := pair(t, 4)
	const n = 2000
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], uint64(i))
			if err := ea.Write(Message{Type: msgData, Data: b[:]}, wait.Forever, true); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < n; i++ {
		if i%500 == 0 {
			// Let the writer fill the queue and block.
			for ea.Signals()&abi.Writable != 0 {
				time.Sleep(100 * time.Microsecond)
			}
			if err := ea.Write(Message{Type: msgData}, time.Time{}, false); !errors.Is(err, ErrQueueFull) {
				t.Fatalf("non-blocking write to a full queue: %v, want ErrQueueFull", err)
			}
		}
		m, err := eb.Read(wait.Forever, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint64(m.Data); got != uint64(i) {
			t.Fatalf("message %d arrived as %d: dropped or reordered", i, got)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		ea.Write(Message{Type: msgData}, wait.Forever, true)
	}
	start := time.Now()
	err := ea.Write(Message{Type: msgData}, time.Now().Add(20*time.Millisecond), true)
	if !errors.Is(err, ErrTimedOut) || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("blocking write to a full queue: %v after %v, want ErrTimedOut after the deadline", err, time.Since(start))
	}
}

func TestCallMatchesReplies(t *testing.T) {
	_, _, _, _, client, server := pair(t, 8)
	const callers = 8
	go func() {
		// Answer in batches, newest first, so replies arrive out of order.
		for {
			var batch []Message
			m, err := server.Read(wait.Forever, true, nil)
			if err != nil {
				return
			}
			batch = append(batch, m)
			for {
				m, err := readNow(server)
				if err != nil {
					break
				}
				batch = append(batch, m)
			}
			for i := len(batch) - 1; i >= 0; i-- {
				r := batch[i]
				if r.Type != msgReq {
					continue
				}
				reply := Message{Type: msgData, Txid: r.Txid, Data: append([]byte("re:"), r.Data...)}
				if err := server.Write(reply, wait.Forever, true); err != nil {
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				req := fmt.Sprintf("%d/%d", c, i)
				r, err := client.Call(Message{Type: msgReq, Data: []byte(req)}, wait.Forever)
				if err != nil {
					t.Error(err)
					return
				}
				if string(r.Data) != "re:"+req {
					t.Errorf("call %q got reply %q", req, r.Data)
					return
				}
			}
		}()
	}
	wg.Wait()
	if client.Signals()&abi.Readable != 0 {
		t.Fatal("a reply went to the queue instead of its call")
	}
}

func TestOneWayMessageDuringCallStaysQueued(t *testing.T) {
	_, _, _, _, client, server := pair(t, 8)
	go func() {
		m, _ := server.Read(wait.Forever, true, nil)
		server.Write(Message{Type: msgData, Data: []byte("event")}, wait.Forever, true)
		server.Write(Message{Type: msgData, Txid: m.Txid, Data: []byte("reply")}, wait.Forever, true)
	}()
	r, err := client.Call(Message{Type: msgReq}, wait.Forever)
	if err != nil || string(r.Data) != "reply" {
		t.Fatalf("call: %q, %v", r.Data, err)
	}
	m, err := readNow(client)
	if err != nil || string(m.Data) != "event" {
		t.Fatalf("queued message: %q, %v", m.Data, err)
	}
}

func TestCallTimesOut(t *testing.T) {
	_, _, _, _, client, _ := pair(t, 8)
	_, err := client.Call(Message{Type: msgReq}, time.Now().Add(10*time.Millisecond))
	if !errors.Is(err, ErrTimedOut) {
		t.Fatalf("unanswered call: %v, want ErrTimedOut", err)
	}
}

func TestPeerCloseIsSeenAndQueuedHandlesClosed(t *testing.T) {
	a, b, _, hb, ea, eb := pair(t, 8)
	obj := &logObj{}
	h, _ := a.Install(cap.New(obj, abi.RightRead|abi.RightTransfer))
	if err := ea.WriteFrom(a, msgGrant, 0, nil, []cap.Handle{h}, wait.Forever, true); err != nil {
		t.Fatal(err)
	}
	calling := make(chan error, 1)
	go func() {
		_, err := ea.Call(Message{Type: msgReq}, wait.Forever)
		calling <- err
	}()
	for eb.Signals()&abi.Readable == 0 || len(eb.queueSnapshot()) < 2 {
		time.Sleep(time.Millisecond)
	}
	if err := b.Close(hb); err != nil {
		t.Fatal(err)
	}
	if obj.released.Load() != 1 {
		t.Fatal("handle queued on the closed endpoint was not closed")
	}
	if err := <-calling; !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("call across the close: %v, want ErrPeerClosed", err)
	}
	if ea.Signals()&abi.PeerClosed == 0 {
		t.Fatal("PeerClosed not raised")
	}
	if err := ea.Write(Message{Type: msgData}, wait.Forever, true); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("write: %v, want ErrPeerClosed", err)
	}
	if _, err := ea.Read(wait.Forever, true, nil); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("read: %v, want ErrPeerClosed", err)
	}
}

func TestQueuedMessagesReadableAfterPeerClosed(t *testing.T) {
	a, _, ha, _, ea, eb := pair(t, 8)
	ea.Write(Message{Type: msgData, Data: []byte("last")}, wait.Forever, true)
	a.Close(ha)
	m, err := readNow(eb)
	if err != nil || string(m.Data) != "last" {
		t.Fatalf("read after peer closed: %q, %v", m.Data, err)
	}
	if _, err := readNow(eb); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("second read: %v, want ErrPeerClosed", err)
	}
}

func TestReadRefusedByAcceptStaysQueued(t *testing.T) {
	_, _, _, _, ea, eb := pair(t, 8)
	ea.Write(Message{Type: msgData, Data: []byte("0123456789")}, wait.Forever, true)
	small := func(m *Message) error {
		if len(m.Data) > 4 {
			return ErrBufferTooSmall
		}
		return nil
	}
	if _, err := eb.Read(wait.Forever, true, small); !errors.Is(err, ErrBufferTooSmall) {
		t.Fatalf("read into a small buffer: %v", err)
	}
	if m, err := readNow(eb); err != nil || len(m.Data) != 10 {
		t.Fatalf("message lost after a refused read: %v", err)
	}
}

func TestSchemaBinaryRoundTrip(t *testing.T) {
	s := testSchema(t)
	b, _ := s.MarshalBinary()
	s2, err := ParseSchema(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := s2.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Fatal("schema changed through its binary form")
	}
	for _, bad := range [][]byte{nil, {0, 0, 0, 0}, b[:len(b)-1], append(append([]byte(nil), b...), 0)} {
		if _, err := ParseSchema(bad); !errors.Is(err, ErrBadSchema) {
			t.Errorf("ParseSchema(% x): %v, want ErrBadSchema", bad, err)
		}
	}
}

// queueSnapshot returns the queued messages, for tests.
func (e *Endpoint) queueSnapshot() []Message {
	e.ch.mu.Lock()
	defer e.ch.mu.Unlock()
	return append([]Message(nil), e.queue...)
}

func TestCloseWakesBlockedReaderAndWriter(t *testing.T) {
	a, _, ha, _, ea, _ := pair(t, 1)
	ea.Write(Message{Type: msgData}, wait.Forever, true)
	errs := make(chan error, 2)
	go func() {
		errs <- ea.Write(Message{Type: msgData}, wait.Forever, true)
	}()
	go func() {
		_, err := ea.Read(wait.Forever, true, nil)
		errs <- err
	}()
	time.Sleep(10 * time.Millisecond)
	a.Close(ha)
	for i := 0; i < 2; i++ {
		select {
		case err := <-errs:
			if !errors.Is(err, cap.ErrClosed) {
				t.Errorf("blocked on a closed endpoint: %v, want cap.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("closing the endpoint did not wake a blocked goroutine")
		}
	}
}

func TestRevokeReachesHandlesInFlight(t *testing.T) {
	a, b, _, _, ea, eb := pair(t, 8)
	root, _ := a.Install(cap.New(&logObj{}, abi.RightsAll))
	dup, _ := a.Duplicate(root, abi.RightRead|abi.RightTransfer)
	if err := ea.WriteFrom(a, msgGrant, 0, nil, []cap.Handle{dup}, wait.Forever, true); err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(root); err != nil {
		t.Fatal(err)
	}
	m, err := readNow(eb)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := b.InstallAll(m.Caps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lookup(hs[0], abi.TypeAny, 0); !errors.Is(err, cap.ErrRevoked) {
		t.Fatalf("handle revoked while in flight: %v, want ErrRevoked", err)
	}
}
