package proc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/limit"
)

// newEndpoint returns a capability to one end of a new channel and the
// other end, which shows PeerClosed once the capability is gone.
func newEndpoint(t *testing.T) (*cap.Cap, *ipc.Endpoint) {
	t.Helper()
	s, err := ipc.NewSchema(ipc.MessageSpec{Type: 1, MaxData: 8})
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs, err := ipc.NewChannel(s, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cap.New(theirs, abi.RightRead|abi.RightTransfer), mine
}

func peerClosed(e *ipc.Endpoint) bool { return e.Signals()&abi.PeerClosed != 0 }

// TestFailedSpawnLeavesNoProcessAndKeepsHandles has a process spawn
// programs that fail to start at each step before they run: the caller
// keeps its handle under its value, and no child is left in the table or
// holding an address space.
func TestFailedSpawnLeavesNoProcessAndKeepsHandles(t *testing.T) {
	const (
		missingVA = scratchVA + 0x100
		junkVA    = scratchVA + 0x120
		handleVA  = scratchVA + 0x140
	)
	call := func(va uint64, name string) step {
		return sys(abi.SysProcessSpawn, va, uint64(len(name)), handleVA, 1, 0, 0)
	}
	errnos := make(chan uint64, 1)
	report := func(r Regs) { errnos <- r.RAX }
	gates := make([]chan struct{}, 4)
	for i := range gates {
		gates[i] = make(chan struct{})
	}
	script := []step{
		call(missingVA, "missing"),
		call(junkVA, "junk"),
		call(nameVA, progName), // no page tables to be had
		call(nameVA, progName), // no room for the image
		sys(abi.SysProcessSelf),
	}
	for i := range gates {
		script[i].after = gates[i]
		script[i+1].see = report
	}
	s, m := newSystem(t, func(n int, regs Regs) []step {
		if n == 0 {
			return script
		}
		t.Errorf("thread %d started", n)
		return nil
	})
	c, peer := newEndpoint(t)
	p := spawn(t, s, SpawnOptions{Handles: []*cap.Cap{c}})
	h := p.Object().Handles.List()[0].Handle
	for va, b := range map[uint64][]byte{
		missingVA: []byte("missing"),
		junkVA:    []byte("junk"),
		handleVA:  binary.LittleEndian.AppendUint32(nil, uint32(h)),
	} {
		if err := p.space.CopyOut(va, b); err != nil {
			t.Fatal(err)
		}
	}
	for i, tt := range []struct {
		limit     int
		tablesErr error
		want      abi.Errno
	}{
		{0, nil, abi.EINVAL},
		{0, nil, abi.EINVAL},
		{0, fmt.Errorf("test: %w", ErrNoMemory), abi.ENOMEM},
		{1, nil, abi.ENOMEM},
	} {
		m.set(tt.limit, tt.tablesErr)
		close(gates[i])
		if got := abi.Errno(<-errnos); got != tt.want {
			t.Errorf("spawn %d: errno %v, want %v", i, got, tt.want)
		}
		if _, err := p.Object().Handles.Lookup(h, abi.TypeAny, 0); err != nil || peerClosed(peer) {
			t.Fatalf("spawn %d: the caller lost its handle: %v", i, err)
		}
		if n := len(s.List()); n != 1 {
			t.Fatalf("spawn %d: %d processes in the table", i, n)
		}
	}
	tables := m.allTables()
	for i, tb := range tables[1:] {
		if !tb.Released() {
			t.Errorf("the address space of failed spawn %d is not released", i)
		}
	}
	p.Kill("done")
	waitEnd(t, p)
	if !peerClosed(peer) {
		t.Error("the handle outlived its process")
	}
	checkFreed(t, s, m)
}

func TestFailedSpawnLeavesHandlesWithTheCaller(t *testing.T) {
	s, m := newSystem(t, nil)
	c, peer := newEndpoint(t)
	tests := []struct {
		name string
		args []string
		want error
	}{
		{"missing", nil, ErrInvalid},
		{"junk", nil, ErrBadELF},
		{progName, []string{strings.Repeat("x", MaxArgBytes)}, ErrArgsTooLarge},
	}
	for _, tt := range tests {
		_, err := s.Spawn(tt.name, SpawnOptions{Args: tt.args, Handles: []*cap.Cap{c}})
		if !errors.Is(err, tt.want) {
			t.Errorf("Spawn(%s) = %v, want %v", tt.name, err, tt.want)
		}
		if peerClosed(peer) {
			t.Fatalf("Spawn(%s) closed the caller's handle", tt.name)
		}
	}
	// More handles than the child's table holds.
	c2, peer2 := newEndpoint(t)
	_, err := s.Spawn(progName, SpawnOptions{Handles: []*cap.Cap{c, c2}, Limits: limit.Limits{Handles: 1}})
	if !errors.Is(err, cap.ErrNoSpace) {
		t.Errorf("Spawn with 2 handles for a table of 1 = %v, want cap.ErrNoSpace", err)
	}
	if peerClosed(peer) || peerClosed(peer2) {
		t.Fatal("a spawn refused for its handles closed the caller's handles")
	}
	checkFreed(t, s, m)
	c.Close()
	c2.Close()
}

// TestSpawnPassesHandlesInOrder checks the startup handles' values in
// CLK_HANDLES against the child's table: the i-th value names the i-th
// capability passed.
func TestSpawnPassesHandlesInOrder(t *testing.T) {
	sps := make(chan uint64, 1)
	s, _ := newSystem(t, func(n int, regs Regs) []step {
		sps <- regs.RSP
		return nil
	})
	c0, _ := newEndpoint(t)
	c1, _ := newEndpoint(t)
	p := spawn(t, s, SpawnOptions{Args: []string{"prog", "-v"}, Handles: []*cap.Cap{c0, c1}})
	defer waitEnd(t, p)
	defer p.Kill("done")
	sp := <-sps
	word := func(addr uint64) uint64 {
		var b [8]byte
		if err := p.space.CopyIn(b[:], addr); err != nil {
			t.Fatal(err)
		}
		return binary.LittleEndian.Uint64(b[:])
	}
	if argc := word(sp); argc != 2 {
		t.Fatalf("argc %d", argc)
	}
	envp := word(sp + 8*4) // after argc, two arguments and a 0
	// The variable and its NUL end 8 bytes below the top of the stack.
	buf := make([]byte, abi.UserTop-8-envp)
	if err := p.space.CopyIn(buf, envp); err != nil {
		t.Fatal(err)
	}
	env, _, _ := strings.Cut(string(buf), "\x00")
	list, ok := strings.CutPrefix(env, abi.HandlesEnv+"=")
	vals := strings.Split(list, ",")
	if !ok || len(vals) != 2 {
		t.Fatalf("environment %q", env)
	}
	for i, want := range []*cap.Cap{c0, c1} {
		v, err := strconv.ParseUint(vals[i], 0, 32)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		got, err := p.Object().Handles.Lookup(cap.Handle(v), abi.TypeAny, 0)
		if err != nil || got.Object() != want.Object() {
			t.Errorf("value %d (%s) names %v, %v; want the %d-th handle passed", i, vals[i], got, err, i)
		}
	}
}

// TestSpawnNamesHandlesInTheEnvironment checks that a variable of
// HandleEnv holds the value of the handle it names in the child's table.
func TestSpawnNamesHandlesInTheEnvironment(t *testing.T) {
	sps := make(chan uint64, 1)
	s, _ := newSystem(t, func(n int, regs Regs) []step {
		sps <- regs.RSP
		return nil
	})
	c0, _ := newEndpoint(t)
	c1, _ := newEndpoint(t)
	p := spawn(t, s, SpawnOptions{Handles: []*cap.Cap{c0, c1}, HandleEnv: map[string]int{"B_CHAN": 1, "A_CHAN": 0}})
	defer waitEnd(t, p)
	defer p.Kill("done")
	sp := <-sps
	word := func(addr uint64) uint64 {
		var b [8]byte
		if err := p.space.CopyIn(b[:], addr); err != nil {
			t.Fatal(err)
		}
		return binary.LittleEndian.Uint64(b[:])
	}
	str := func(addr uint64) string {
		b := make([]byte, min(64, abi.UserTop-addr))
		if err := p.space.CopyIn(b, addr); err != nil {
			t.Fatal(err)
		}
		s, _, _ := strings.Cut(string(b), "\x00")
		return s
	}
	argc := word(sp)
	for i, want := range map[string]*cap.Cap{"A_CHAN": c0, "B_CHAN": c1} {
		var env string
		for j := uint64(1); j <= 2; j++ {
			if e := str(word(sp + 8*(argc+2+j))); strings.HasPrefix(e, i+"=") {
				env = e
			}
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(env, i+"="), 0, 32)
		if err != nil {
			t.Fatalf("%s: environment %q: %v", i, env, err)
		}
		got, err := p.Object().Handles.Lookup(cap.Handle(v), abi.TypeAny, 0)
		if err != nil || got.Object() != want.Object() {
			t.Errorf("%s=%#x names %v, %v", i, v, got, err)
		}
	}
	if _, err := s.Spawn("prog", SpawnOptions{Handles: []*cap.Cap{c0}, HandleEnv: map[string]int{"X": 3}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a variable naming a handle not passed: %v", err)
	}
}
