package proc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/limit"
	"clk/kernel/object"
)

// SharedConsole is a console that wants to know which processes write to
// it: Attach when a process starts with it (children start with their
// parent's), Detach when that process has ended, so that whoever reads it
// knows when the last writer is gone. A console whose Write can block
// (its reader is behind) should also have a method
// WriteUntil(b []byte, stop <-chan struct{}) (int, error) that gives up
// when stop closes: console_write calls it with Dying.
type SharedConsole interface {
	io.Writer
	Attach()
	Detach()
}

// SpawnOptions says how to start a program.
type SpawnOptions struct {
	// Args are the program's arguments; Args[0] is its name.
	Args []string
	// Handles are moved into the process when Spawn succeeds; it finds
	// their values in CLK_HANDLES. When Spawn fails the caller still
	// owns them.
	Handles []*cap.Cap
	// Console receives what the process writes with console_write.
	Console io.Writer
	// Limits bound the process (limit.Default for the zero value); its
	// children get the same, counted against it too.
	Limits limit.Limits
	// Image, when not nil, is the program's ELF, which the kernel found
	// somewhere else than the programs it loads by name (a file on the
	// disk); the process is still called by its name.
	Image []byte
	// HandleEnv names startup handles in the environment: for each
	// entry, the variable is set to the value of Handles[index], written
	// as abi.HandlesEnv writes values (abi.FSEnv names the file system
	// channel this way).
	HandleEnv map[string]int
}

// handlePlaceholder stands for a handle value in abi.HandlesEnv until the
// value is known: every value is written as 0x and eight digits, so that
// the stack can be laid out first.
const handlePlaceholder = "0x00000000"

// Spawn loads the program name and starts it.
func (sys *System) Spawn(name string, opt SpawnOptions) (*Process, error) {
	lim := opt.Limits
	if lim == (limit.Limits{}) {
		lim = limit.Default
	}
	for env, i := range opt.HandleEnv {
		if i < 0 || i >= len(opt.Handles) || env == "" || strings.ContainsAny(env, "=\x00") {
			return nil, fmt.Errorf("spawn %s: environment %q names handle %d of %d: %w", name, env, i, len(opt.Handles), ErrInvalid)
		}
	}
	p, err := sys.prepare(name, opt.Image, opt.Console, lim, nil)
	if err != nil {
		return nil, err
	}
	if err := p.begin(opt.Args, opt.Handles, opt.HandleEnv); err != nil {
		return nil, err
	}
	return p, nil
}

// prepare loads the program into a new address space, ready for begin,
// with limits lim nested in the account parent (nil for none). On an
// error nothing is left behind.
func (sys *System) prepare(name string, bin []byte, console io.Writer, lim limit.Limits, parent *limit.Account) (*Process, error) {
	// The caller's mistakes (no such program, not a program) wrap
	// ErrInvalid, which process_spawn reports as EINVAL.
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return nil, fmt.Errorf("spawn %q: not a program name: %w", name, ErrInvalid)
	}
	var err error
	if bin == nil {
		bin, err = sys.load(name)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("spawn %s: no such program: %w", name, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("spawn %s: %w", name, err)
	}
	tables, err := sys.machine.NewTables()
	if err != nil {
		return nil, fmt.Errorf("spawn %s: %w", name, err)
	}
	obj := object.NewProcess(name, lim.Handles, console)
	account := limit.New(fmt.Sprintf("process %d (%s)", obj.PID(), name), lim, parent)
	obj.Handles.SetAccount(account)
	space := NewSpace(tables)
	space.SetAccount(account)
	img, err := LoadELF(space, bin)
	if err != nil {
		space.Close()
		return nil, fmt.Errorf("spawn %s: %w", name, err)
	}
	p := &Process{
		sys:     sys,
		obj:     obj,
		account: account,
		tables:  tables,
		space:   space,
		image:   img,
		start:   time.Now(),
		dying:   make(chan struct{}),
		done:    make(chan struct{}),
	}
	return p, nil
}

// errHandlesClosed is wrapped by a failure of begin after the handles
// were installed, which closed them.
var errHandlesClosed = errors.New("startup handles closed")

// begin lays out the stack with args (the name alone if there are none),
// moves the handles in and starts the main thread. On an error the
// address space is gone, the process never started and, unless the error
// wraps errHandlesClosed, the handles are not installed: the caller still
// owns them.
func (p *Process) begin(args []string, handles []*cap.Cap, named map[string]int) error {
	fail := func(err error) error {
		p.space.Close()
		return fmt.Errorf("spawn %s: %w", p.Name(), err)
	}
	if len(args) == 0 {
		args = []string{p.Name()}
	}
	// The stack first, with placeholders of the values' width: it is
	// the last step that can fail, and once the handles are in the
	// new table they cannot go back.
	env := []string{abi.HandlesEnv + "=" + placeholders(len(handles))}
	names := make([]string, 0, len(named))
	for name := range named {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		env = append(env, name+"="+handlePlaceholder)
	}
	sp, err := SetupStack(p.space, abi.UserTop, StackSize, args, env)
	if err != nil {
		return fail(err)
	}
	if err := p.chargeThread(); err != nil {
		return fail(err)
	}
	hs, err := p.obj.Handles.InstallAll(handles)
	if err != nil {
		// More handles than the new table holds (the process's handle
		// limit): none was installed, and the caller keeps them.
		p.unchargeThread()
		return fail(err)
	}
	if err := p.writeHandles(sp, len(args), hs, names, named); err != nil {
		p.unchargeThread()
		// The placeholders are on resident pages of a writable region
		// that nothing else can reach yet: this cannot happen either.
		// Were it to, the handles are closed with the process.
		p.obj.Exit(killedStatus)
		return fail(fmt.Errorf("%w: %v", errHandlesClosed, err))
	}
	if c, ok := p.obj.Console().(SharedConsole); ok {
		c.Attach()
	}
	p.sys.add(p)
	p.mu.Lock()
	p.startThread(Regs{RIP: p.image.Entry, RSP: sp})
	p.mu.Unlock()
	return nil
}

// placeholders is the value of abi.HandlesEnv before the n values are known.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat(handlePlaceholder+",", n), ",")
}

// writeHandles writes the handle values over the placeholders of the
// environment SetupStack laid out at sp below argc arguments: the list in
// envp[0], then the value of each variable of names, in envp[1] on.
func (p *Process) writeHandles(sp uint64, argc int, hs []cap.Handle, names []string, named map[string]int) error {
	value := func(h cap.Handle) string { return fmt.Sprintf("0x%08x", uint32(h)) }
	vals := make([]string, len(hs))
	for i, h := range hs {
		vals[i] = value(h)
	}
	list := strings.Join(vals, ",")
	if len(list) != len(placeholders(len(hs))) {
		return fmt.Errorf("handle values %q do not fit their placeholders", list)
	}
	if err := p.writeEnv(sp, argc, 0, len(abi.HandlesEnv)+1, list); err != nil {
		return err
	}
	for i, name := range names {
		if err := p.writeEnv(sp, argc, i+1, len(name)+1, value(hs[named[name]])); err != nil {
			return err
		}
	}
	return nil
}

// writeEnv writes v at byte skip of envp[i] of the stack at sp.
func (p *Process) writeEnv(sp uint64, argc, i, skip int, v string) error {
	var word [8]byte
	// sp holds argc, then argv and its terminating 0, then envp.
	if err := p.space.CopyIn(word[:], sp+8*uint64(argc+2+i)); err != nil {
		return err
	}
	// The pages were written by SetupStack and are resident.
	return p.space.CopyOut(binary.LittleEndian.Uint64(word[:])+uint64(skip), []byte(v))
}

// spawnChild is process_spawn for parent: the child inherits parent's
// console and is one of parent's children for KillTree. take moves the
// handles out of the parent's table; it is called once the program is
// loaded. Should the child fail to start after that (out of memory for
// its stack), the handles go back into the parent's table, under new
// values.
func (sys *System) spawnChild(parent *Process, image string, args []string, take func() ([]*cap.Cap, error)) (*Process, error) {
	// A child counts against its parent's limit on children while it
	// lives, and everything it uses counts against the parent too.
	if err := parent.account.Charge(limit.Children, 1); err != nil {
		return nil, fmt.Errorf("spawn %s: %w", image, err)
	}
	child, err := sys.prepare(image, nil, parent.obj.Console(), parent.account.Limits(), parent.account)
	if err != nil {
		parent.account.Uncharge(limit.Children, 1)
		return nil, err
	}
	child.parent = parent.account
	handles, err := take()
	if err != nil {
		child.space.Close()
		parent.account.Uncharge(limit.Children, 1)
		return nil, err
	}
	if err := child.begin(args, handles, nil); err != nil {
		parent.account.Uncharge(limit.Children, 1)
		if errors.Is(err, errHandlesClosed) {
			return nil, err
		}
		if _, ierr := parent.obj.Handles.InstallAll(handles); ierr != nil {
			for _, c := range handles {
				c.Close()
			}
		}
		return nil, err
	}
	parent.mu.Lock()
	// Forget the children that have ended, so that the list stays short.
	live := parent.children[:0]
	for _, c := range parent.children {
		if !c.ended() {
			live = append(live, c)
		}
	}
	parent.children = append(live, child)
	reason := parent.treeKilled
	parent.mu.Unlock()
	if reason != "" {
		// KillTree took the parent's children before this one joined.
		child.KillTree(reason)
	}
	return child, nil
}
