package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"clk/abi"
	"clk/sdk"
)

// clockBackend answers clock_get with a fixed time and every other call
// with ENOSYS, which is all the fuzzer's argument drawing needs.
const testNow = 5_000_000_000

func clockBackend(num uint64, a [6]uint64) (uint64, uint64) {
	if num == abi.SysClockGet {
		return 0, testNow
	}
	return uint64(abi.ENOSYS), 0
}

// TestCallsAreHarmless draws many calls and checks the promises that keep
// the fuzzer alive: nothing that ends it, short deadlines, no unmapping of
// its own memory, no thread at a user address, no console output, and
// every pointer into the arena with room for what the kernel may write.
func TestCallsAreHarmless(t *testing.T) {
	sdk.SetBackend(clockBackend)
	defer sdk.SetBackend(nil)
	f := newFuzzer(1)
	f.keep(0x1234) // a handle value, as the pool would have on clk
	inArena := func(p uint64) bool { return p >= f.base && p-f.base < arenaSize }
	userMemory := func(p uint64) bool { return p >= abi.UserBase+0x100000 && p < abi.UserTop }
	deadlineOK := func(d uint64) bool {
		return d == uint64(sdk.Now) || (d >= testNow && d <= testNow+uint64(2*time.Millisecond))
	}
	seen := make(map[uint64]int)
	for i := range 200000 {
		num, a := f.call()
		seen[num]++
		switch num {
		case abi.SysProcessExit, abi.SysThreadExit:
			t.Fatalf("call %d: %s", i, abi.CallName(num))
		case abi.SysChannelWrite, abi.SysChannelRead, abi.SysObjectWaitMany, abi.SysFutexWait:
			if !deadlineOK(a[2]) {
				t.Fatalf("call %d: %s with deadline %d", i, abi.CallName(num), a[2])
			}
		case abi.SysChannelCall:
			if !deadlineOK(a[3]) {
				t.Fatalf("call %d: channel_call with deadline %d", i, a[3])
			}
		case abi.SysClockSleep:
			if !deadlineOK(a[0]) {
				t.Fatalf("call %d: clock_sleep until %d", i, a[0])
			}
		case abi.SysIRQWait:
			if !deadlineOK(a[1]) {
				t.Fatalf("call %d: irq_wait until %d", i, a[1])
			}
		case abi.SysVMUnmap:
			end := a[0] + a[1]
			if inArena(a[0]) || userMemory(a[0]) || (end > abi.UserBase+0x100000 && a[0] < abi.UserTop) || a[1] > 17*abi.PageSize {
				t.Fatalf("call %d: vm_unmap(%#x, %#x) may reach the fuzzer's memory", i, a[0], a[1])
			}
		case abi.SysThreadCreate:
			if a[0] >= abi.UserBase && a[0] < abi.UserTop || a[1] >= abi.UserBase && a[1] < abi.UserTop {
				t.Fatalf("call %d: thread_create at %#x with stack %#x", i, a[0], a[1])
			}
		case abi.SysThreadSetFS:
			if a[0] >= abi.UserBase && a[0] < abi.UserTop {
				t.Fatalf("call %d: thread_set_fs(%#x)", i, a[0])
			}
		case abi.SysConsoleWrite:
			if f.mayBeMapped(a[0]) && a[1] != 0 {
				t.Fatalf("call %d: console_write of %d bytes from %#x", i, a[1], a[0])
			}
		}
		for j, v := range a {
			// Any arena pointer leaves at least the slack behind it.
			if inArena(v) && v-f.base >= arenaUsed {
				t.Fatalf("call %d: argument %d points %#x into the arena's slack", i, j, v-f.base)
			}
		}
	}
	for num := range uint64(abi.NumCalls) {
		if num != abi.SysProcessExit && num != abi.SysThreadExit && seen[num] == 0 {
			t.Errorf("%s never drawn", abi.CallName(num))
		}
	}
	out := 0
	for num, n := range seen {
		if num >= abi.NumCalls {
			out += n
		}
	}
	if out == 0 {
		t.Errorf("no out-of-range call number drawn")
	}
}

// TestCraftedPointersStayInTheArena checks that the structures craft
// writes, and the buffers they point to, lie in the arena with room for
// their largest use.
func TestCraftedPointersStayInTheArena(t *testing.T) {
	f := newFuzzer(2)
	for range 10000 {
		for kind := range numKinds {
			p, n := f.craft(kind)
			off := p - f.base
			if p < f.base || off%8 != 0 || off+n > arenaUsed {
				t.Fatalf("kind %d: %d bytes at arena offset %#x", kind, n, off)
			}
		}
	}
}

// TestRunReports runs the fuzzer with fuzzed calls that fail by number
// and checks what it prints.
func TestRunReports(t *testing.T) {
	var out strings.Builder
	sdk.SetBackend(func(num uint64, a [6]uint64) (uint64, uint64) {
		switch num {
		case abi.SysClockGet:
			return 0, testNow
		case abi.SysConsoleWrite: // the fuzzer's own output
			p := *(*unsafe.Pointer)(unsafe.Pointer(&a[0]))
			out.Write(unsafe.Slice((*byte)(p), a[1]))
			return 0, a[1]
		}
		return uint64(abi.ENOSYS), 0
	})
	defer sdk.SetBackend(nil)
	f := newFuzzer(3)
	calls := 0
	f.syscall = func(num uint64, a [6]uint64) (uint64, abi.Errno) {
		calls++
		switch {
		case num >= abi.NumCalls:
			return 0, abi.ENOSYS
		case num%2 == 0:
			return 0, 0
		}
		return 0, abi.EBADH
	}
	out.Reset() // what newFuzzer said about the channel and timer it did not get
	f.run(1000)

	if calls != 1000 {
		t.Errorf("%d calls made, want 1000", calls)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 9 of progress and the result:\n%s", len(lines), out.String())
	}
	for i, l := range lines[:9] {
		if want := fmt.Sprintf("sysfuzz: %d/1000 calls", 100*(i+1)); l != want {
			t.Errorf("line %d: %q, want %q", i, l, want)
		}
	}
	m := regexp.MustCompile(`^sysfuzz: 1000 calls done \(OK ([0-9]+), ENOSYS ([0-9]+), EBADH ([0-9]+)\)$`).FindStringSubmatch(lines[9])
	if m == nil {
		t.Fatalf("result line %q", lines[9])
	}
	sum := 0
	for _, s := range m[1:] {
		n, _ := strconv.Atoi(s)
		sum += n
	}
	if sum != 1000 {
		t.Errorf("counts add up to %d, want 1000", sum)
	}
}
