package sdk_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/object"
	"clk/kernel/syscalls"
	"clk/sdk"
)

// Message types of the test schema.
const (
	tPing  = 1 // up to 64 bytes
	tGrant = 2 // one channel endpoint with read and write
)

var testSchema = sdk.Schema{
	{Type: tPing, MaxData: 64},
	{Type: tGrant, Handles: []sdk.HandleSpec{{Type: abi.TypeChannel, Rights: abi.RightRead | abi.RightWrite}}},
}

// proc is a process of a host kernel that the package's calls reach
// through the direct backend once use has installed it.
type proc struct {
	p       *object.Process
	out     bytes.Buffer
	backend sdk.Backend
}

func newProc(t testing.TB, k *syscalls.Dispatcher, name string) *proc {
	pr := &proc{}
	pr.p = object.NewProcess(name, 0, &pr.out)
	pr.backend = syscalls.Direct(k, &syscalls.Caller{Proc: pr.p, Mem: syscalls.KernelSpace{}})
	t.Cleanup(func() {
		sdk.SetBackend(nil)
		pr.p.Exit(0)
	})
	return pr
}

// use makes pr the process the package's calls are made as.
func (pr *proc) use() { sdk.SetBackend(pr.backend) }

// start returns a process of a new kernel, in use.
func start(t *testing.T) *proc {
	pr := newProc(t, syscalls.NewDispatcher(), t.Name())
	pr.use()
	return pr
}

// connect links a and b with a channel of testSchema, as a spawn with
// handles does: one endpoint in each table.
func connect(t *testing.T, a, b *proc) (sdk.Channel, sdk.Channel) {
	t.Helper()
	sb, err := testSchema.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	s, err := ipc.ParseSchema(sb)
	if err != nil {
		t.Fatal(err)
	}
	ea, eb, err := ipc.NewChannel(s, 4)
	if err != nil {
		t.Fatal(err)
	}
	ha, err1 := a.p.Handles.Install(cap.New(ea, syscalls.EndpointRights))
	hb, err2 := b.p.Handles.Install(cap.New(eb, syscalls.EndpointRights))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return sdk.Channel{Handle: sdk.Handle(ha)}, sdk.Channel{Handle: sdk.Handle(hb)}
}

func newChannel(t *testing.T) (sdk.Channel, sdk.Channel) {
	t.Helper()
	c0, c1, err := sdk.NewChannel(testSchema, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c0.Handle == sdk.InvalidHandle || c1.Handle == sdk.InvalidHandle || c0 == c1 {
		t.Fatalf("endpoints %v and %v", c0, c1)
	}
	return c0, c1
}

// wantErr fails unless err has status want and comes from call.
func wantErr(t *testing.T, what string, err error, want abi.Errno, call string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %s", what, err, want)
	}
	var e *sdk.Error
	if call != "" && (!errors.As(err, &e) || e.Syscall() != call || e.Errno() != want) {
		t.Fatalf("%s: err = %#v, want an *sdk.Error of %s", what, err, call)
	}
}

func TestChannelRoundTrip(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	buf := make([]byte, 64)
	for i, tc := range []struct {
		from, to sdk.Channel
		body     string
	}{
		{c0, c1, "hello"},
		{c1, c0, "world"},
		{c0, c1, ""},
	} {
		if err := tc.from.Write(tPing, []byte(tc.body), nil, sdk.Now); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		m, err := tc.to.Read(buf, nil, sdk.After(time.Second))
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if m.Type != tPing || m.Txid != 0 || string(m.Data) != tc.body || len(m.Handles) != 0 {
			t.Fatalf("read %d: %+v, want type %d with %q", i, m, tPing, tc.body)
		}
		if len(m.Data) > 0 && &m.Data[0] != &buf[0] {
			t.Errorf("read %d: data not in the caller's buffer", i)
		}
	}
	_, err := c0.Read(buf, nil, sdk.Now)
	wantErr(t, "read of an empty queue", err, abi.EEMPTY, "channel_read")
	t0 := time.Now()
	_, err = c0.Read(buf, nil, sdk.After(20*time.Millisecond))
	wantErr(t, "read with a deadline", err, abi.ETIMEDOUT, "channel_read")
	if d := time.Since(t0); d < 15*time.Millisecond {
		t.Errorf("read with a 20 ms deadline gave up after %v", d)
	}
}

// TestNumberedEcho runs the pingpong program's protocol between two
// goroutines: numbered messages, each answered with its number plus one.
func TestNumberedEcho(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	const n = 2000
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 8)
		for {
			m, err := c1.Read(buf, nil, sdk.Never)
			if errors.Is(err, abi.EPEERCLOSED) {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
			binary.LittleEndian.PutUint64(m.Data, binary.LittleEndian.Uint64(m.Data)+1)
			if err := c1.Write(tPing, m.Data, nil, sdk.Never); err != nil {
				done <- err
				return
			}
		}
	}()
	out, in := make([]byte, 8), make([]byte, 8)
	for i := range uint64(n) {
		binary.LittleEndian.PutUint64(out, i)
		if err := c0.Write(tPing, out, nil, sdk.Never); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		m, err := c0.Read(in, nil, sdk.After(5*time.Second))
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got := binary.LittleEndian.Uint64(m.Data); len(m.Data) != 8 || got != i+1 {
			t.Fatalf("reply %d: %d (%d bytes), want %d", i, got, len(m.Data), i+1)
		}
	}
	if err := c0.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("echo: %v", err)
	}
}

func TestCallAndReply(t *testing.T) {
	start(t)
	const n = 100
	// Deep enough for the n one-way messages the server interleaves.
	c0, c1, err := sdk.NewChannel(testSchema, 2*n)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		for range n {
			m, err := c1.Read(buf, nil, sdk.Never)
			if err != nil {
				done <- err
				return
			}
			if m.Txid == 0 {
				done <- fmt.Errorf("request without a transaction id")
				return
			}
			// A one-way message first: the call must skip it.
			if err := c1.Write(tPing, []byte("noise"), nil, sdk.Never); err != nil {
				done <- err
				return
			}
			reply := append([]byte("re:"), m.Data...)
			if err := c1.Reply(m.Txid, tPing, reply, nil, sdk.Never); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	rbuf := make([]byte, 64)
	for i := range n {
		q := fmt.Sprint(i)
		m, err := c0.Call(tPing, []byte(q), nil, rbuf, nil, sdk.After(5*time.Second))
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if string(m.Data) != "re:"+q || m.Txid == 0 {
			t.Fatalf("call %d: reply %+v", i, m)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		m, err := c0.Read(rbuf, nil, sdk.Now)
		if err != nil || string(m.Data) != "noise" {
			t.Fatalf("one-way message %d: %q, %v", i, m.Data, err)
		}
	}
	_, err = c0.Call(tPing, nil, nil, rbuf, nil, sdk.Now)
	wantErr(t, "call with deadline Now", err, abi.EINVAL, "channel_call")
}

func TestHandleTransferMovesHandle(t *testing.T) {
	k := syscalls.NewDispatcher()
	a, b := newProc(t, k, "a"), newProc(t, k, "b")
	boot, bootB := connect(t, a, b)

	a.use()
	mine, theirs := newChannel(t)
	before := a.p.Handles.Len()
	if err := boot.Write(tGrant, nil, []sdk.Handle{theirs.Handle}, sdk.Now); err != nil {
		t.Fatalf("send endpoint: %v", err)
	}
	if got := a.p.Handles.Len(); got != before-1 {
		t.Errorf("sender holds %d handles after the move, want %d", got, before-1)
	}
	wantErr(t, "sender's moved handle", theirs.Close(), abi.ECLOSED, "handle_close")
	_, err := theirs.Duplicate(abi.RightRead)
	wantErr(t, "duplicate of the moved handle", err, abi.ECLOSED, "handle_duplicate")

	b.use()
	hs := make([]sdk.Handle, 1)
	m, err := bootB.Read(nil, hs, sdk.Now)
	if err != nil {
		t.Fatalf("receive endpoint: %v", err)
	}
	if m.Type != tGrant || len(m.Handles) != 1 || m.Handles[0] == sdk.InvalidHandle {
		t.Fatalf("received %+v", m)
	}
	got := sdk.Channel{Handle: m.Handles[0]}
	if err := got.Write(tPing, []byte("from b"), nil, sdk.Now); err != nil {
		t.Fatalf("b writes on the endpoint it got: %v", err)
	}

	a.use()
	buf := make([]byte, 64)
	if m, err := mine.Read(buf, nil, sdk.Now); err != nil || string(m.Data) != "from b" {
		t.Fatalf("a reads %q, %v; want %q", m.Data, err, "from b")
	}
	if err := got.Write(tPing, nil, nil, sdk.Now); !errors.Is(err, abi.EBADH) {
		t.Errorf("a uses b's handle value: %v, want abi.EBADH", err)
	}
}

func TestSchemaRefusal(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	x0, x1 := newChannel(t)
	weak, err := x1.Duplicate(abi.RightRead | abi.RightTransfer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		typ     uint32
		data    []byte
		handles []sdk.Handle
		want    abi.Errno
	}{
		{"undeclared type", 99, nil, nil, abi.ESCHEMA},
		{"data over the type's limit", tPing, make([]byte, 65), nil, abi.ETOOLARGE},
		{"data over the kernel's limit", tPing, make([]byte, abi.MaxData+1), nil, abi.ETOOLARGE},
		{"handle missing", tGrant, nil, nil, abi.ESCHEMA},
		{"handle not declared", tPing, nil, []sdk.Handle{x1.Handle}, abi.ESCHEMA},
		{"handle without the rights the schema wants", tGrant, nil, []sdk.Handle{weak}, abi.ESCHEMA},
		{"endpoint through its own channel", tGrant, nil, []sdk.Handle{c0.Handle}, abi.EINVAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c0.Write(tc.typ, tc.data, tc.handles, sdk.Now)
			wantErr(t, "write", err, tc.want, "channel_write")
			_, err = c1.Read(make([]byte, 64), make([]sdk.Handle, 1), sdk.Now)
			wantErr(t, "read after a refused write", err, abi.EEMPTY, "channel_read")
		})
	}
	// The refused messages moved nothing: the handles still work.
	if err := weak.Close(); err != nil {
		t.Errorf("closing the weak handle after refusal: %v", err)
	}
	if err := x1.Write(tPing, []byte("x"), nil, sdk.Now); err != nil {
		t.Errorf("x1 after refusal: %v", err)
	}
	if m, err := x0.Read(make([]byte, 8), nil, sdk.Now); err != nil || string(m.Data) != "x" {
		t.Errorf("x0 reads %q, %v", m.Data, err)
	}
}

func TestPeerClosed(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	if err := c1.Write(tPing, []byte("last"), nil, sdk.Now); err != nil {
		t.Fatal(err)
	}
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := sdk.Wait(c0.Handle, abi.PeerClosed, sdk.Now)
	if err != nil || got&(abi.PeerClosed|abi.Readable) != abi.PeerClosed|abi.Readable {
		t.Fatalf("signals %v, %v; want peer_closed and readable", got, err)
	}
	buf := make([]byte, 64)
	if m, err := c0.Read(buf, nil, sdk.Never); err != nil || string(m.Data) != "last" {
		t.Fatalf("queued message after the peer closed: %q, %v", m.Data, err)
	}
	_, err = c0.Read(buf, nil, sdk.Never)
	wantErr(t, "read", err, abi.EPEERCLOSED, "channel_read")
	wantErr(t, "write", c0.Write(tPing, nil, nil, sdk.Never), abi.EPEERCLOSED, "channel_write")
	_, err = c0.Call(tPing, nil, nil, buf, nil, sdk.Never)
	wantErr(t, "call", err, abi.EPEERCLOSED, "channel_call")
}

func TestTypedErrors(t *testing.T) {
	start(t)
	c0, _ := newChannel(t)
	tm, err := sdk.NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	closed, err := sdk.NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	derived, err := c0.Duplicate(abi.RightRead | abi.RightWait)
	if err != nil {
		t.Fatal(err)
	}
	if err := c0.Revoke(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call string
		want abi.Errno
		err  func() error
	}{
		{"forged handle", "handle_close", abi.EBADH, func() error { return sdk.Handle(0x1234).Close() }},
		{"closed handle", "timer_set", abi.ECLOSED, func() error { return closed.Set(sdk.Never) }},
		{"wrong type", "channel_write", abi.EWRONGTYPE, func() error {
			return sdk.Channel{Handle: tm.Handle}.Write(tPing, nil, nil, sdk.Now)
		}},
		{"more rights", "handle_duplicate", abi.EACCES, func() error {
			_, err := c0.Duplicate(abi.RightsAll)
			return err
		}},
		{"revoked", "channel_read", abi.EREVOKED, func() error {
			_, err := sdk.Channel{Handle: derived}.Read(nil, nil, sdk.Now)
			return err
		}},
		{"unknown clock", "clock_get", abi.EINVAL, func() error {
			_, err := sdk.Clock(5)
			return err
		}},
		{"unknown rights bits", "handle_replace", abi.EINVAL, func() error {
			_, err := c0.Replace(abi.RightsAll + 1)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			wantErr(t, tc.name, err, tc.want, tc.call)
			for _, other := range []abi.Errno{abi.EPEERCLOSED, abi.EIO, abi.EEMPTY} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("errors.Is(%v, %s) is true", err, other)
				}
			}
			var no abi.Errno
			if !errors.As(err, &no) || no != tc.want {
				t.Errorf("errors.As gives %s, want %s", no, tc.want)
			}
			if s := err.Error(); !strings.Contains(s, tc.call) || !strings.Contains(s, tc.want.String()) {
				t.Errorf("message %q does not name %s and %s", s, tc.call, tc.want)
			}
		})
	}
	if v, e := sdk.Syscall(abi.NumCalls, [6]uint64{}); e != abi.ENOSYS || v != 0 {
		t.Errorf("Syscall(abi.NumCalls) = %d, %s; want ENOSYS", v, e)
	}
}

func TestBufferTooSmall(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	if err := c0.Write(tPing, []byte("0123456789"), nil, sdk.Now); err != nil {
		t.Fatal(err)
	}
	_, err := c1.Read(make([]byte, 4), nil, sdk.Now)
	var be *sdk.BufferError
	if !errors.As(err, &be) || !errors.Is(err, abi.EBUFSMALL) {
		t.Fatalf("err = %v, want a *BufferError", err)
	}
	if be.Data != 10 || be.Handles != 0 {
		t.Errorf("needs %d bytes and %d handles, want 10 and 0", be.Data, be.Handles)
	}
	m, err := c1.Read(make([]byte, 16), nil, sdk.Now)
	if err != nil || string(m.Data) != "0123456789" {
		t.Fatalf("message after a read too small: %q, %v", m.Data, err)
	}
}

func TestWaitAndTimer(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	tm, err := sdk.NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	items := []sdk.WaitItem{{Handle: c0.Handle, Want: abi.Readable}, {Handle: tm.Handle, Want: abi.Signaled}}
	n, err := sdk.WaitMany(items, sdk.After(10*time.Millisecond))
	wantErr(t, "wait on nothing raised", err, abi.ETIMEDOUT, "object_wait_many")
	if n != 0 || items[0].Observed&abi.Writable == 0 {
		t.Errorf("n %d, observed %v; want 0 and writable on the channel", n, items[0].Observed)
	}
	if err := c1.Write(tPing, nil, nil, sdk.Now); err != nil {
		t.Fatal(err)
	}
	if n, err := sdk.WaitMany(items, sdk.After(time.Second)); err != nil || n != 1 || items[0].Observed&abi.Readable == 0 {
		t.Fatalf("wait for readable: n %d, %v, items %+v", n, err, items)
	}
	if err := tm.Set(sdk.After(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got, err := sdk.Wait(tm.Handle, abi.Signaled, sdk.After(5*time.Second)); err != nil || got&abi.Signaled == 0 {
		t.Fatalf("timer: %v, %v", got, err)
	}
	if err := tm.Cancel(); err != nil {
		t.Fatal(err)
	}
	if got, _ := sdk.Wait(tm.Handle, abi.Signaled, sdk.Now); got&abi.Signaled != 0 {
		t.Errorf("cancelled timer still signaled")
	}
	_, err = sdk.WaitMany(nil, sdk.Now)
	if !errors.Is(err, abi.EINVAL) {
		t.Errorf("wait on no items: %v, want abi.EINVAL", err)
	}
}

func TestConsoleRandomSelfClock(t *testing.T) {
	pr := start(t)
	long := bytes.Repeat([]byte("0123456789abcdef"), 600) // 9600 bytes: three calls
	if n, err := sdk.ConsoleWrite(long); err != nil || n != len(long) {
		t.Fatalf("ConsoleWrite: %d, %v", n, err)
	}
	fmt.Fprintf(sdk.Console, "pid %d\n", sdk.Self())
	want := string(long) + fmt.Sprintf("pid %d\n", pr.p.PID())
	if pr.out.String() != want {
		t.Errorf("console got %d bytes, want %d", pr.out.Len(), len(want))
	}
	if sdk.Self() != pr.p.PID() || sdk.Self() == 0 {
		t.Errorf("Self() = %d, want %d", sdk.Self(), pr.p.PID())
	}

	b := make([]byte, 5000)
	if err := sdk.Random(b); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b[4096:], []byte{0}) > 100 {
		t.Errorf("the bytes after the first call look unfilled")
	}

	m0, err := sdk.Monotonic()
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.Sleep(5 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	m1, _ := sdk.Monotonic()
	if m1-m0 < 5*time.Millisecond {
		t.Errorf("Sleep(5ms) took %v of the kernel's clock", m1-m0)
	}
	if d := sdk.After(time.Second); uint64(d) < uint64(m1+time.Second) || d == sdk.Never {
		t.Errorf("After(1s) = %d at %d", d, m1)
	}
	wall, err := sdk.WallClock()
	if err != nil || time.Since(wall).Abs() > time.Minute {
		t.Errorf("WallClock() = %v, %v", wall, err)
	}
	if err := sdk.Yield(); err != nil {
		t.Error(err)
	}
	if sdk.After(0) != sdk.Now || sdk.After(-time.Second) != sdk.Now {
		t.Errorf("After of no time is not Now")
	}
	if err := sdk.SleepUntil(sdk.Never); !errors.Is(err, abi.EINVAL) {
		t.Errorf("SleepUntil(Never): %v, want abi.EINVAL", err)
	}
}

func TestNoBackend(t *testing.T) {
	sdk.SetBackend(nil)
	if sdk.Self() != 0 {
		t.Errorf("Self() without a backend = %d", sdk.Self())
	}
	wantErr(t, "close", sdk.Handle(1).Close(), abi.ENOSYS, "handle_close")
	if _, _, err := sdk.NewChannel(testSchema, 0); !errors.Is(err, abi.ENOSYS) {
		t.Errorf("NewChannel: %v", err)
	}
	if sdk.After(time.Second) != sdk.Now {
		t.Errorf("After without a clock is not Now")
	}
}

func TestExitEndsProcessAndGoroutine(t *testing.T) {
	pr := start(t)
	newChannel(t)
	done := make(chan struct{})
	returned := false
	go func() {
		defer close(done)
		sdk.Exit(-3)
		returned = true
	}()
	<-done
	if returned {
		t.Error("Exit returned")
	}
	code, exited := pr.p.ExitStatus()
	if !exited || code != -3 || pr.p.Handles.Len() != 0 {
		t.Errorf("exit status %d, exited %v, %d handles left", code, exited, pr.p.Handles.Len())
	}
}

// stub is a backend that records calls and answers from a function.
type stub struct {
	calls  int
	answer func(num uint64, a [6]uint64) (uint64, uint64)
}

func (s *stub) backend(num uint64, a [6]uint64) (uint64, uint64) {
	s.calls++
	return s.answer(num, a)
}

// userBytes reads n bytes the package passed at addr.
func userBytes(addr, n uint64) []byte {
	b := make([]byte, n)
	if err := (syscalls.KernelSpace{}).CopyIn(b, addr); err != nil {
		panic(err)
	}
	return b
}

func TestSpawnArguments(t *testing.T) {
	var image, args string
	var handles []uint32
	s := &stub{answer: func(num uint64, a [6]uint64) (uint64, uint64) {
		if num != abi.SysProcessSpawn {
			return uint64(abi.ENOSYS), 0
		}
		image, args = string(userBytes(a[0], a[1])), string(userBytes(a[4], a[5]))
		raw := userBytes(a[2], 4*a[3])
		handles = nil
		for i := 0; i < len(raw); i += 4 {
			handles = append(handles, binary.LittleEndian.Uint32(raw[i:]))
		}
		return 0, 0x77
	}}
	sdk.SetBackend(s.backend)
	t.Cleanup(func() { sdk.SetBackend(nil) })

	h, err := sdk.Spawn("pingpong", []string{"child", "7"}, []sdk.Handle{0x1a2b3c4d, 0x55aa0011})
	if err != nil || h != 0x77 {
		t.Fatalf("Spawn: %v, %v", h, err)
	}
	if image != "pingpong" || args != "pingpong\x00child\x007\x00" {
		t.Errorf("image %q, args %q", image, args)
	}
	if len(handles) != 2 || handles[0] != 0x1a2b3c4d || handles[1] != 0x55aa0011 {
		t.Errorf("handles %#x", handles)
	}
	if _, err := sdk.Spawn("x", nil, nil); err != nil || args != "x\x00" || len(handles) != 0 {
		t.Errorf("Spawn without arguments: args %q, handles %v, %v", args, handles, err)
	}
	calls := s.calls
	for _, bad := range []struct {
		name string
		args []string
	}{{"", nil}, {"x\x00y", nil}, {"x", []string{"a\x00b"}}, {strings.Repeat("x", abi.MaxImageName+1), nil}} {
		if _, err := sdk.Spawn(bad.name, bad.args, nil); !errors.Is(err, abi.EINVAL) {
			t.Errorf("Spawn(%q, %q): %v, want abi.EINVAL", bad.name, bad.args, err)
		}
	}
	if _, err := sdk.Spawn("x", nil, make([]sdk.Handle, abi.MaxSpawnHandles+1)); !errors.Is(err, abi.ETOOLARGE) {
		t.Errorf("Spawn with too many handles: %v, want abi.ETOOLARGE", err)
	}
	if _, err := sdk.Spawn("x", []string{strings.Repeat("a", abi.MaxSpawnArgs)}, nil); !errors.Is(err, abi.ETOOLARGE) {
		t.Errorf("Spawn with too long arguments: %v, want abi.ETOOLARGE", err)
	}
	if s.calls != calls {
		t.Errorf("refused spawns reached the kernel")
	}
	s.answer = func(uint64, [6]uint64) (uint64, uint64) { return uint64(abi.EACCES), 0 }
	_, err = sdk.Spawn("x", nil, []sdk.Handle{1})
	wantErr(t, "refused spawn", err, abi.EACCES, "process_spawn")
	if !strings.Contains(err.Error(), "spawn x") {
		t.Errorf("error %q does not name the program", err)
	}
}

func TestStartupHandles(t *testing.T) {
	t.Setenv(abi.HandlesEnv, "0x1a2b3c4d,0x55aa0011")
	if hs := sdk.StartupHandles(); len(hs) != 2 || hs[0] != 0x1a2b3c4d || hs[1] != 0x55aa0011 {
		t.Errorf("StartupHandles() = %v", hs)
	}
	t.Setenv(abi.HandlesEnv, "")
	if hs := sdk.StartupHandles(); hs != nil {
		t.Errorf("StartupHandles() without the variable = %v", hs)
	}
	for _, tc := range []struct {
		in   string
		want []sdk.Handle
		ok   bool
	}{
		{"", nil, true},
		{"  ", nil, true},
		{"0x1", []sdk.Handle{1}, true},
		{"12, 0xff ,0XA", []sdk.Handle{12, 255, 10}, true},
		{"0x1,zz,0x3", []sdk.Handle{1, 0, 3}, false},
		{"0", []sdk.Handle{0}, false},
		{"0x100000000", []sdk.Handle{0}, false},
		{"0x1,", []sdk.Handle{1, 0}, false},
		{"-1", []sdk.Handle{0}, false},
	} {
		got, err := sdk.ParseHandles(tc.in)
		if (err == nil) != tc.ok || fmt.Sprint(got) != fmt.Sprint(tc.want) || len(got) != len(tc.want) {
			t.Errorf("ParseHandles(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestNoAllocations checks that the loop of pingpong and ipcbench, Write
// then Read, allocates nothing in the package.
func TestNoAllocations(t *testing.T) {
	s := &stub{answer: func(num uint64, a [6]uint64) (uint64, uint64) {
		if num == abi.SysChannelRead {
			// Deliver 8 bytes: write the length into the descriptor.
			var n [4]byte
			binary.LittleEndian.PutUint32(n[:], 8)
			if err := (syscalls.KernelSpace{}).CopyOut(a[1]+16, n[:]); err != nil {
				return uint64(abi.EFAULT), 0
			}
		}
		return 0, 0
	}}
	sdk.SetBackend(s.backend)
	t.Cleanup(func() { sdk.SetBackend(nil) })
	c := sdk.Channel{Handle: 1}
	out, in := make([]byte, 8), make([]byte, 8)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := c.Write(tPing, out, nil, sdk.Never); err != nil {
			t.Fatal(err)
		}
		if m, err := c.Read(in, nil, sdk.Never); err != nil || len(m.Data) != 8 {
			t.Fatal(m, err)
		}
		if _, err := c.Read(in, nil, sdk.Now); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Write and Read allocate %v times per round trip", allocs)
	}
	s.answer = func(uint64, [6]uint64) (uint64, uint64) { return uint64(abi.EEMPTY), 0 }
	allocs = testing.AllocsPerRun(1000, func() {
		if _, err := c.Read(in, nil, sdk.Now); !errors.Is(err, abi.EEMPTY) {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a failed Read allocates %v times", allocs)
	}
}

// TestConcurrentChannels runs writers and readers on several goroutines
// at once, which share the pool of descriptors.
func TestConcurrentChannels(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	const writers, each = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]byte, 8)
			for i := range each {
				binary.LittleEndian.PutUint64(b, uint64(w*each+i))
				if err := c0.Write(tPing, b, nil, sdk.Never); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	seen := make([]bool, writers*each)
	buf := make([]byte, 8)
	for range writers * each {
		m, err := c1.Read(buf, nil, sdk.After(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		v := binary.LittleEndian.Uint64(m.Data)
		if v >= uint64(len(seen)) || seen[v] {
			t.Fatalf("message %d out of range or seen twice", v)
		}
		seen[v] = true
	}
	wg.Wait()
}

func TestDeadlineSaturates(t *testing.T) {
	start(t)
	if d := sdk.After(time.Duration(math.MaxInt64)); d <= sdk.After(time.Hour) {
		t.Errorf("After(max) = %d, not after After(1h)", d)
	}
}

// TestPointersAreAddresses makes sure the package passes the addresses
// of the caller's buffers, not copies: the kernel's write lands in them.
func TestPointersAreAddresses(t *testing.T) {
	var got uint64
	s := &stub{answer: func(num uint64, a [6]uint64) (uint64, uint64) {
		got = a[0]
		return 0, 0
	}}
	sdk.SetBackend(s.backend)
	t.Cleanup(func() { sdk.SetBackend(nil) })
	b := make([]byte, 16)
	if err := sdk.Random(b); err != nil {
		t.Fatal(err)
	}
	if got != uint64(uintptr(unsafe.Pointer(&b[0]))) {
		t.Errorf("random_get got %#x, buffer at %p", got, &b[0])
	}
}

func BenchmarkWriteReadDirect(b *testing.B) {
	newProc(b, syscalls.NewDispatcher(), "bench").use()
	c0, c1, err := sdk.NewChannel(testSchema, 4)
	if err != nil {
		b.Fatal(err)
	}
	out, in := make([]byte, 8), make([]byte, 8)
	for b.Loop() {
		if err := c0.Write(tPing, out, nil, sdk.Now); err != nil {
			b.Fatal(err)
		}
		if _, err := c1.Read(in, nil, sdk.Now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAReplyTooLargeForCallWaitsForRead(t *testing.T) {
	start(t)
	c0, c1 := newChannel(t)
	served := make(chan error, 1)
	go func() {
		m, err := c1.Read(make([]byte, 16), nil, sdk.Never)
		if err == nil {
			err = c1.Reply(m.Txid, tPing, []byte("a reply of 25 bytes, long"), nil, sdk.Never)
		}
		served <- err
	}()
	_, err := c0.Call(tPing, []byte("ask"), nil, make([]byte, 4), nil, sdk.After(time.Minute))
	var be *sdk.BufferError
	if !errors.As(err, &be) || be.Data != 25 {
		t.Fatalf("call with a 4-byte reply buffer: %v, want a *BufferError for 25 bytes", err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	m, err := c0.Read(make([]byte, 64), nil, sdk.Now)
	if err != nil || string(m.Data) != "a reply of 25 bytes, long" {
		t.Fatalf("the reply after the call: %q, %v", m.Data, err)
	}
}
