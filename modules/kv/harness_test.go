package kv_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"clk/kernel/cap"
	"clk/kernel/module"
	"clk/kernel/object"
	"clk/kernel/syscalls"
	"clk/modstore"
	"clk/modstore/modtest"
	"clk/modules/kv"
	"clk/sdk"
	kmodule "clk/sdk/module"
)

// The tests run the module manager of the kernel over instances that are
// goroutines running this package's Go code through the kernel's direct
// syscall backend, rather than ring-3 processes running its ELF: the
// manager, the control protocol, the SDK's service loop and the channels
// are the kernel's and the SDK's own. All instances and clients share
// one process's handle table (the direct backend is one per program), so
// an instance's end is emulated: its control handle and grants are
// closed, as a process's exit closes them.

// env is what a variant of the module gets from its instance.
type env struct {
	// Grants are the instance's startup handles after its control
	// channel.
	Grants []sdk.Handle
	// Killed is closed when the instance is killed or crashes.
	Killed <-chan struct{}
	// Crash ends the instance as a panic ends a process (status 2).
	Crash func()
	// Hung is closed when a variant that hangs on purpose does.
	Hung chan struct{}
}

// variant makes the service of one version of the module.
type variant func(e *env) kmodule.Service

// instance is a goroutine running a variant as a module.Instance.
type instance struct {
	p       *object.Process
	pid     uint64
	handles []cap.Handle
	env     *env
	killed  chan struct{}
	done    chan struct{}

	once   sync.Once
	mu     sync.Mutex
	code   int
	report string
}

func (in *instance) PID() uint64           { return in.pid }
func (in *instance) Done() <-chan struct{} { return in.done }
func (in *instance) Kill(reason string)    { in.die(-1, reason) }

func (in *instance) Status() (int, string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.code, in.report
}

// die ends the instance with code: its control handle closes, which
// wakes its service loop, and Killed closes, which wakes a variant that
// hangs on purpose. Only the first call counts.
func (in *instance) die(code int, report string) {
	in.once.Do(func() {
		in.mu.Lock()
		in.code, in.report = code, report
		in.mu.Unlock()
		close(in.killed)
		in.p.Handles.Close(in.handles[0])
	})
}

// launcher runs variants by version.
type launcher struct {
	t        *testing.T
	p        *object.Process
	variants map[string]variant
	wg       sync.WaitGroup
	pids     atomic.Uint64

	mu   sync.Mutex
	envs []*env
}

func (l *launcher) Launch(img module.Image, caps []*cap.Cap) (module.Instance, error) {
	v := l.variants[img.Version]
	if v == nil {
		return nil, fmt.Errorf("no variant %s", img.Version)
	}
	hs, err := l.p.Handles.InstallAll(caps)
	if err != nil {
		return nil, err
	}
	in := &instance{p: l.p, pid: l.pids.Add(1), handles: hs, killed: make(chan struct{}), done: make(chan struct{})}
	e := &env{Killed: in.killed, Crash: func() { in.die(2, "") }, Hung: make(chan struct{})}
	for _, h := range hs[1:] {
		e.Grants = append(e.Grants, sdk.Handle(h))
	}
	in.env = e
	l.mu.Lock()
	l.envs = append(l.envs, e)
	l.mu.Unlock()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		code := 0
		defer func() {
			if r := recover(); r != nil {
				code = 2
			}
			in.die(code, "")
			for _, h := range hs {
				l.p.Handles.Close(h)
			}
			close(in.done)
		}()
		if err := kmodule.Serve(sdk.Channel{Handle: sdk.Handle(hs[0])}, v(e)); err != nil {
			code = 1
		}
	}()
	return in, nil
}

// lastEnv is the env of the instance launched last.
func (l *launcher) lastEnv() *env {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.envs[len(l.envs)-1]
}

// audit keeps the manager's events.
type audit struct {
	mu     sync.Mutex
	events []string
}

func (a *audit) Record(event, module, detail string) {
	a.mu.Lock()
	a.events = append(a.events, event+" "+module+": "+detail)
	a.mu.Unlock()
}

func (a *audit) count(event string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.events {
		if strings.HasPrefix(e, event+" ") {
			n++
		}
	}
	return n
}

func (a *audit) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.events, "\n")
}

// harness is a manager with the kv module's versions installed.
type harness struct {
	t     *testing.T
	p     *object.Process
	fix   *modtest.Fixture
	mgr   *module.Manager
	l     *launcher
	audit *audit
}

// The versions of the tests: the two real ones and broken ones.
const (
	v1          = "1.0.0"
	v1hangs     = "1.1.0" // version 1 whose Handle of key "hang" blocks until killed
	v1dies      = "1.2.0" // version 1 that crashes 10 ms after starting, every time
	v2          = "2.0.0"
	v2badImport = "2.1.0" // crashes while it imports
	v2dies      = "2.2.0" // crashes 10 ms after starting
	v2diesLate  = "2.3.0" // crashes in its 200th request, before it replies
)

var variants = map[string]variant{
	v1: func(*env) kmodule.Service { return kv.New(1) },
	v2: func(*env) kmodule.Service { return kv.New(2) },
	v1hangs: func(e *env) kmodule.Service {
		return hanging{Store: kv.New(1), killed: e.Killed, hung: e.Hung}
	},
	v1dies: func(e *env) kmodule.Service {
		time.AfterFunc(10*time.Millisecond, e.Crash)
		return kv.New(1)
	},
	v2badImport: func(*env) kmodule.Service { return crashingImport{kv.New(2)} },
	v2dies: func(e *env) kmodule.Service {
		time.AfterFunc(10*time.Millisecond, e.Crash)
		return kv.New(2)
	},
	v2diesLate: func(*env) kmodule.Service { return &crashingLate{Store: kv.New(2), left: 200} },
}

// crashingLate panics in a request once it has served left of them.
type crashingLate struct {
	*kv.Store
	left int
}

func (c *crashingLate) Handle(r kmodule.Request) []byte {
	if c.left == 0 {
		panic("crashed in a request")
	}
	c.left--
	return c.Store.Handle(r)
}

// hanging never returns from a request for the key "hang" until killed.
type hanging struct {
	*kv.Store
	killed <-chan struct{}
	hung   chan struct{}
}

func (h hanging) Handle(r kmodule.Request) []byte {
	if r.Type == kv.Put && len(r.Data) > 1 && string(r.Data[1:1+int(r.Data[0])]) == "hang" {
		close(h.hung)
		<-h.killed
		return []byte{kv.Malformed}
	}
	return h.Store.Handle(r)
}

// crashingImport panics in Import.
type crashingImport struct{ *kv.Store }

func (crashingImport) Import([]byte, string) error { panic("import crashed") }

func newHarness(t *testing.T, timeouts module.Timeouts, versions ...string) *harness {
	t.Helper()
	p := object.NewProcess(t.Name(), 0, nil)
	sdk.SetBackend(syscalls.Direct(syscalls.NewDispatcher(), &syscalls.Caller{Proc: p, Mem: syscalls.KernelSpace{}}))
	h := &harness{t: t, p: p, fix: modtest.NewFixture(modstore.Config{}), audit: &audit{}}
	h.l = &launcher{t: t, p: p, variants: variants}
	h.mgr = module.NewManager(module.Config{Store: h.fix.Store, Launcher: h.l, Auditor: h.audit, Timeouts: timeouts})
	for _, v := range versions {
		h.install(v)
	}
	t.Cleanup(func() {
		h.mgr.Revoke("kv")
		h.l.wg.Wait()
		sdk.SetBackend(nil)
		if t.Failed() {
			t.Logf("audit log:\n%s", h.audit)
		}
	})
	return h
}

// install signs and installs version v of kv.
func (h *harness) install(v string) {
	h.t.Helper()
	ver, err := modstore.ParseVersion(v)
	if err != nil {
		h.t.Fatal(err)
	}
	man := modstore.Manifest{Name: "kv", Version: ver, ABI: modstore.CurrentABI, Memory: 32 << 20, Threads: 8, Provides: []string{"kv"}}
	if _, err := h.mgr.Install(modtest.Module(man, modtest.TinyELF(), h.fix.Module)); err != nil {
		h.t.Fatalf("install %s: %v", v, err)
	}
}

// connect returns a client of the kv service, in the test's table.
func (h *harness) connect() *kv.Client {
	h.t.Helper()
	c, err := h.mgr.Connect("kv")
	if err != nil {
		h.t.Fatal(err)
	}
	hs, err := h.p.Handles.InstallAll([]*cap.Cap{c})
	if err != nil {
		h.t.Fatal(err)
	}
	return kv.NewClient(sdk.Channel{Handle: sdk.Handle(hs[0])})
}

func (h *harness) status() module.Status {
	h.t.Helper()
	st, err := h.mgr.Status("kv")
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// callDeadline bounds each request of the load: far beyond any
// replacement on a slow machine, so that reaching it means a lost
// request, not a slow one.
const callDeadline = 60 * time.Second

// load is two clients working without pause: one appends sequence
// numbers one-way (never waiting for a reply) to keys of 4096 numbers
// each, the other puts and gets keys in calls and keeps a model.
type load struct {
	h        *harness
	stop     chan struct{}
	wg       sync.WaitGroup
	appended atomic.Uint64 // the last sequence number sent
	calls    atomic.Uint64
	model    map[string]string
	errs     chan error
}

const perLogKey = 4096

func logKey(seq uint64) string { return fmt.Sprintf("log/%d", (seq-1)/perLogKey) }

func startLoad(h *harness) *load {
	ld := &load{h: h, stop: make(chan struct{}), model: make(map[string]string), errs: make(chan error, 2)}
	a, b := h.connect(), h.connect()
	ld.wg.Add(2)
	go func() {
		defer ld.wg.Done()
		var buf [8]byte
		for seq := uint64(1); ; seq++ {
			select {
			case <-ld.stop:
				// A call on the same channel returns once every append
				// before it was served.
				if _, err := a.Get(logKey(1), sdk.After(callDeadline)); err != nil {
					ld.errs <- fmt.Errorf("appender's last call: %w", err)
				}
				a.Ch.Close()
				return
			default:
			}
			binary.LittleEndian.PutUint64(buf[:], seq)
			if err := a.AppendAsync(logKey(seq), buf[:], sdk.After(callDeadline)); err != nil {
				ld.errs <- fmt.Errorf("append %d: %w", seq, err)
				return
			}
			ld.appended.Store(seq)
		}
	}()
	go func() {
		defer ld.wg.Done()
		defer b.Ch.Close()
		for i := uint64(1); ; i++ {
			select {
			case <-ld.stop:
				return
			default:
			}
			key, val := fmt.Sprintf("k%d", i%97), fmt.Sprintf("v%d", i)
			if err := b.Put(key, []byte(val), sdk.After(callDeadline)); err != nil {
				ld.errs <- fmt.Errorf("put %d: %w", i, err)
				return
			}
			ld.model[key] = val
			got, err := b.Get(key, sdk.After(callDeadline))
			if err != nil || string(got) != val {
				ld.errs <- fmt.Errorf("get %s after put %d: %q, %v", key, i, got, err)
				return
			}
			ld.calls.Store(i)
		}
	}()
	return ld
}

// progress waits until both clients have done more than they had at the
// call, so that every replacement happens under load; it fails the test
// if a client stopped on an error.
func (ld *load) progress() {
	ld.h.t.Helper()
	a, c := ld.appended.Load(), ld.calls.Load()
	for ld.appended.Load() == a || ld.calls.Load() == c {
		select {
		case err := <-ld.errs:
			ld.h.t.Fatal(err)
		default:
		}
		time.Sleep(time.Millisecond)
	}
}

// finish stops the clients and checks with a new one that the state is
// exactly what they wrote: every sequence number once, in order, and
// every key's last value.
func (ld *load) finish() {
	t := ld.h.t
	t.Helper()
	close(ld.stop)
	ld.wg.Wait()
	select {
	case err := <-ld.errs:
		t.Fatal(err)
	default:
	}
	c := ld.h.connect()
	defer c.Ch.Close()
	n := ld.appended.Load()
	var want uint64 = 1
	for k := uint64(0); k*perLogKey < n; k++ {
		got, err := c.Get(logKey(k*perLogKey+1), sdk.After(callDeadline))
		if err != nil {
			t.Fatalf("get %s: %v", logKey(k*perLogKey+1), err)
		}
		if len(got)%8 != 0 {
			t.Fatalf("%s holds %d bytes", logKey(k*perLogKey+1), len(got))
		}
		for i := 0; i < len(got); i += 8 {
			if seq := binary.LittleEndian.Uint64(got[i:]); seq != want {
				t.Fatalf("%s: sequence number %d where %d was due (lost, duplicated or reordered)", logKey(want), seq, want)
			}
			want++
		}
	}
	if want != n+1 {
		t.Fatalf("%d sequence numbers served, %d sent", want-1, n)
	}
	for key, val := range ld.model {
		got, err := c.Get(key, sdk.After(callDeadline))
		if err != nil || string(got) != val {
			t.Fatalf("get %s: %q, %v, want %q", key, got, err, val)
		}
	}
	t.Logf("%d appends and %d put/get pairs served", n, ld.calls.Load())
}
