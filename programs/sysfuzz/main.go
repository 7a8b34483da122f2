package main

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"clk/abi"
	"clk/sdk"
)

// The address space as the fuzzer aims at it, beside the user range
// [abi.UserBase, abi.UserTop): the program's image is above abi.UserBase,
// and the initial stack ends at abi.UserTop.
const (
	kernelImage = 0x100000 // the kernel's image, identity-mapped
	kernelHalf  = 0xffff_8000_0000_0000
	nonCanon    = 0x8000_0000_0000 // the first non-canonical address
)

// The arena is the fuzzer's own memory for the kernel to read and write.
// Pointers into it point into its first half; the second half is slack,
// more than the most any single call writes past a pointer (a message's
// 64 KiB of data), so that no call reaches beyond the arena.
const (
	arenaSize = 256 << 10
	arenaUsed = arenaSize / 2
)

var arena = make([]byte, arenaSize)

// maxPool bounds the handle values the fuzzer keeps to reuse.
const maxPool = 64

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		printf("usage: sysfuzz N [seed]\n")
		sdk.Exit(2)
	}
	n, err := strconv.ParseUint(os.Args[1], 10, 64)
	if err != nil {
		printf("sysfuzz: bad count %q\n", os.Args[1])
		sdk.Exit(2)
	}
	var seed uint64
	if len(os.Args) == 3 {
		if seed, err = strconv.ParseUint(os.Args[2], 0, 64); err != nil {
			printf("sysfuzz: bad seed %q\n", os.Args[2])
			sdk.Exit(2)
		}
	} else {
		seed = randomSeed()
	}
	printf("sysfuzz: %d calls, seed %d\n", n, seed)
	f := newFuzzer(seed)
	f.run(n)
	sdk.Exit(0)
}

// randomSeed returns a seed from the kernel's generator, or the clock.
func randomSeed() uint64 {
	b := make([]byte, 8)
	if err := sdk.Random(b); err == nil {
		return binary.LittleEndian.Uint64(b)
	}
	t, _ := sdk.Monotonic()
	return uint64(t)
}

// fuzzer holds the random source, the handle values to reuse and the
// counts of statuses.
type fuzzer struct {
	// syscall makes the fuzzed calls: sdk.Syscall, but for tests.
	syscall func(num uint64, a [6]uint64) (uint64, abi.Errno)
	r       *rand.Rand
	base    uint64 // address of the arena
	handles []sdk.Handle
	next    int // where the next handle goes once the pool is full
	counts  map[abi.Errno]uint64
}

func newFuzzer(seed uint64) *fuzzer {
	f := &fuzzer{
		syscall: sdk.Syscall,
		r:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		base:    uint64(uintptr(unsafe.Pointer(&arena[0]))),
		counts:  make(map[abi.Errno]uint64),
	}
	// A few real handles to start from: a channel of a permissive
	// schema and a timer.
	schema := sdk.Schema{
		{Type: 1, MaxData: 256},
		{Type: 2, MaxData: 16, Handles: []sdk.HandleSpec{{Type: abi.TypeAny}}},
		{Type: 3, Handles: []sdk.HandleSpec{{Type: abi.TypeChannel, Rights: abi.RightRead}, {Type: abi.TypeTimer}}},
	}
	if c0, c1, err := sdk.NewChannel(schema, 8); err == nil {
		f.keep(c0.Handle)
		f.keep(c1.Handle)
	} else {
		printf("sysfuzz: channel: %v\n", err)
	}
	if t, err := sdk.NewTimer(); err == nil {
		f.keep(t.Handle)
	} else {
		printf("sysfuzz: timer: %v\n", err)
	}
	return f
}

// keep adds a handle value to the pool, replacing an old one when full.
func (f *fuzzer) keep(h sdk.Handle) {
	if h == sdk.InvalidHandle {
		return
	}
	if len(f.handles) < maxPool {
		f.handles = append(f.handles, h)
		return
	}
	f.handles[f.next] = h
	f.next = (f.next + 1) % maxPool
}

// run makes n calls and prints progress and the counts.
func (f *fuzzer) run(n uint64) {
	step := max(n/10, 1)
	for i := range n {
		num, a := f.call()
		val, e := f.syscall(num, a)
		f.counts[e]++
		if e == 0 {
			f.learn(num, a, val)
		}
		if (i+1)%step == 0 && i+1 < n {
			printf("sysfuzz: %d/%d calls\n", i+1, n)
		}
	}
	var b strings.Builder
	for i, e := range slices.Sorted(maps.Keys(f.counts)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", e.String(), f.counts[e]) // status 0 is "OK"
	}
	printf("sysfuzz: %d calls done (%s)\n", n, b.String())
}

// learn keeps the handles a successful call returned.
func (f *fuzzer) learn(num uint64, a [6]uint64, val uint64) {
	switch num {
	case abi.SysHandleDuplicate, abi.SysHandleReplace, abi.SysTimerCreate, abi.SysProcessSpawn:
		f.keep(sdk.Handle(val))
	case abi.SysChannelCreate:
		if off := a[3] - f.base; a[3] >= f.base && off+8 <= arenaSize {
			f.keep(sdk.Handle(binary.LittleEndian.Uint32(arena[off:])))
			f.keep(sdk.Handle(binary.LittleEndian.Uint32(arena[off+4:])))
		}
	}
}

// call draws a call number and its arguments, made harmless to the
// fuzzer itself where they must be (see the package documentation).
func (f *fuzzer) call() (uint64, [6]uint64) {
	num := f.number()
	var a [6]uint64
	for i := range a {
		a[i] = f.value()
	}
	if f.r.IntN(2) == 0 {
		f.shape(num, &a)
	}
	switch num {
	case abi.SysChannelWrite, abi.SysChannelRead, abi.SysObjectWaitMany, abi.SysFutexWait:
		a[2] = f.deadline()
	case abi.SysChannelCall:
		a[3] = f.deadline()
	case abi.SysClockSleep:
		a[0] = f.deadline()
	case abi.SysIRQWait:
		a[1] = f.deadline()
	case abi.SysConsoleWrite:
		if f.mayBeMapped(a[0]) {
			a[1] = 0
		}
	case abi.SysVMMap:
		a[1] = f.pages()
	case abi.SysVMUnmap:
		a[0], a[1], a[2] = f.foreign(), f.pages(), f.r.Uint64N(3)
	case abi.SysThreadCreate:
		a[0], a[1] = f.refused(), f.refused()
	case abi.SysThreadSetFS, abi.SysFaultEntry:
		a[0] = f.refused()
	}
	return num, a
}

// shape gives the arguments of call num the kind its table entry says
// they have, with structures written for the pointers, so that calls get
// past the first checks and reach the deeper ones; the kernel still sees
// random sizes, types and values inside them.
func (f *fuzzer) shape(num uint64, a *[6]uint64) {
	switch num {
	case abi.SysHandleClose, abi.SysHandleRevoke, abi.SysTimerCancel, abi.SysIOPortAccess:
		a[0] = uint64(f.handle())
	case abi.SysHandleDuplicate, abi.SysHandleReplace:
		a[0], a[1] = uint64(f.handle()), f.r.Uint64N(256)
	case abi.SysTimerSet, abi.SysIRQWait:
		a[0] = uint64(f.handle())
	case abi.SysChannelCreate:
		a[0], a[1] = f.craft(kindSchema)
		a[2], a[3] = f.r.Uint64N(9), f.plain()
	case abi.SysChannelWrite, abi.SysChannelRead:
		a[0] = uint64(f.handle())
		a[1], _ = f.craft(kindDesc)
	case abi.SysChannelCall:
		a[0] = uint64(f.handle())
		a[1], _ = f.craft(kindDesc)
		a[2], _ = f.craft(kindDesc)
	case abi.SysObjectWaitMany:
		a[0], _ = f.craft(kindWaitItems)
		a[1] = 1 + f.r.Uint64N(8)
	case abi.SysLogWrite:
		a[0], a[1], a[2] = uint64(f.handle()), f.plain(), f.r.Uint64N(300)
	case abi.SysRandomGet, abi.SysSystemInfo:
		a[0], a[1] = f.plain(), f.r.Uint64N(100)
	case abi.SysProcessSpawn:
		a[0], a[1] = f.plain(), f.r.Uint64N(70)
		a[2], _ = f.craft(kindHandles)
		a[3], a[4], a[5] = f.r.Uint64N(5), f.plain(), f.r.Uint64N(300)
	case abi.SysFutexWait, abi.SysFutexWake:
		a[0], a[1] = f.plain(), f.r.Uint64N(3)
	}
}

// number draws a call number: mostly a real one, sometimes one past the
// table or any 64-bit value; never one that ends the process or thread.
func (f *fuzzer) number() uint64 {
	for {
		var n uint64
		switch x := f.r.IntN(20); {
		case x < 17:
			n = f.r.Uint64N(abi.NumCalls)
		case x < 19:
			n = abi.NumCalls + f.r.Uint64N(64)
		default:
			n = f.r.Uint64()
		}
		if n != abi.SysProcessExit && n != abi.SysThreadExit {
			return n
		}
	}
}

// value draws one argument of any kind.
func (f *fuzzer) value() uint64 {
	switch f.r.IntN(9) {
	case 0:
		return f.small()
	case 1:
		return uint64(f.handle())
	case 2:
		return f.r.Uint64()
	case 3, 4:
		return f.own()
	case 5:
		return f.kernel()
	case 6:
		return f.unmapped()
	case 7:
		return f.nearTop()
	}
	// A length or count near a limit.
	return []uint64{8, 12, 32, 40, 64, 65, 256, 1024, 1025, 4096, 4097, 65536, 65537}[f.r.IntN(13)]
}

func (f *fuzzer) small() uint64 { return f.r.Uint64N(17) }

// handle returns one of the fuzzer's handle values, or a forged one.
func (f *fuzzer) handle() sdk.Handle {
	if len(f.handles) == 0 || f.r.IntN(8) == 0 {
		return sdk.Handle(f.r.Uint32())
	}
	return f.handles[f.r.IntN(len(f.handles))]
}

// own returns a pointer into the used half of the arena, a third of the
// time to a structure just written there.
func (f *fuzzer) own() uint64 {
	if f.r.IntN(3) == 0 {
		p, _ := f.craft(f.r.IntN(numKinds))
		return p
	}
	return f.plain()
}

// plain returns a pointer into the used half of the arena, 8-aligned half
// of the time, with at least 1 KiB of the used half after it.
func (f *fuzzer) plain() uint64 {
	off := f.r.Uint64N(arenaUsed - 1024)
	if f.r.IntN(2) == 0 {
		off &^= 7
	}
	return f.base + off
}

// The structures craft writes.
const (
	kindDesc      = iota // a message descriptor with buffers in the arena
	kindWaitItems        // eight wait items on the fuzzer's handles
	kindHandles          // sixteen of the fuzzer's handle values
	kindSchema           // a schema of up to four types
	numKinds
)

// craft writes a well-formed structure of the kind given at an 8-aligned
// place in the arena and returns its address and length. Sizes, types and
// values inside it are random.
func (f *fuzzer) craft(kind int) (addr, n uint64) {
	addr = f.plain() &^ 7
	b := arena[addr-f.base:][:1024]
	le := binary.LittleEndian
	switch kind {
	case kindDesc:
		hs := f.plain()
		for i := range 4 {
			le.PutUint32(arena[hs-f.base+uint64(4*i):], uint32(f.handle()))
		}
		// The handles may overlap b: the descriptor goes last.
		le.PutUint32(b[0:], uint32(1+f.r.IntN(3)))
		le.PutUint32(b[4:], f.r.Uint32N(4))
		le.PutUint64(b[8:], f.plain())
		le.PutUint32(b[16:], f.r.Uint32N(300))
		le.PutUint32(b[20:], f.r.Uint32N(4))
		le.PutUint64(b[24:], hs)
		return addr, 32
	case kindWaitItems:
		for i := range 8 {
			le.PutUint32(b[12*i:], uint32(f.handle()))
			le.PutUint32(b[12*i+4:], 1+f.r.Uint32N(15))
			le.PutUint32(b[12*i+8:], 0)
		}
		return addr, 8 * 12
	case kindHandles:
		for i := range 16 {
			le.PutUint32(b[4*i:], uint32(f.handle()))
		}
		return addr, 16 * 4
	}
	types := 1 + f.r.IntN(4)
	w := le.AppendUint32(b[:0], uint32(types))
	for t := range types {
		nh := f.r.IntN(3)
		w = le.AppendUint32(w, uint32(t+1))
		w = le.AppendUint32(w, f.r.Uint32N(300))
		w = le.AppendUint32(w, uint32(nh))
		for range nh {
			w = le.AppendUint32(w, f.r.Uint32N(8))
			w = le.AppendUint32(w, f.r.Uint32N(256))
		}
	}
	return addr, uint64(len(w))
}

// kernel returns an address in the kernel's image or the kernel half.
func (f *fuzzer) kernel() uint64 {
	switch f.r.IntN(3) {
	case 0:
		return kernelImage + f.r.Uint64N(1<<20)
	case 1:
		return kernelHalf + f.r.Uint64N(1<<30)
	}
	return kernelImage
}

// unmapped returns an address in user space where nothing is mapped: in
// the megabyte below the program's image, which is linked at
// abi.UserBase plus 1 MiB and a page, low enough that no call the fuzzer
// draws reaches the image from there (vm_unmap's at most 17 pages, random_get's 4 KiB).
// Other gaps exist, but where the runtime puts its heap is its own
// business, and a write there would corrupt the fuzzer.
func (f *fuzzer) unmapped() uint64 {
	return abi.UserBase + f.r.Uint64N(0xe0000)
}

// nearTop returns an address around the top of the user range: the last
// 64 bytes below it (the end of the initial stack's strings) or up to
// a page above it, into the unmapped guard page and non-canonical space.
func (f *fuzzer) nearTop() uint64 {
	if f.r.IntN(4) == 0 {
		return nonCanon - 8 + f.r.Uint64N(16)
	}
	return abi.UserTop - 64 + f.r.Uint64N(64+abi.PageSize)
}

// foreign returns an address that is none of the fuzzer's memory: what
// vm_unmap may be given without harm to the fuzzer.
func (f *fuzzer) foreign() uint64 {
	var a uint64
	switch f.r.IntN(4) {
	case 0:
		a = f.kernel()
	case 1:
		a = f.unmapped()
	case 2:
		a = abi.UserTop + f.r.Uint64N(2*abi.PageSize)
	default:
		a = kernelHalf + f.r.Uint64()%(1<<46)
	}
	if f.r.IntN(4) != 0 {
		a &^= abi.PageSize - 1
	}
	return a
}

// refused returns an address that is not a user address, so that the
// kernel must refuse it as a thread's entry, stack or FS base.
func (f *fuzzer) refused() uint64 {
	switch f.r.IntN(3) {
	case 0:
		return f.kernel()
	case 1:
		return nonCanon + f.r.Uint64N(1<<40)
	}
	return f.r.Uint64N(abi.PageSize)
}

// pages returns a length for vm_map and vm_unmap: up to 16 pages, now and
// then not a multiple of the page size.
func (f *fuzzer) pages() uint64 {
	n := f.r.Uint64N(17) * abi.PageSize
	if f.r.IntN(8) == 0 {
		n += 1 + f.r.Uint64N(abi.PageSize-1)
	}
	return n
}

// deadline returns Now or a deadline at most 2 ms away.
func (f *fuzzer) deadline() uint64 {
	if f.r.IntN(3) == 0 {
		return uint64(sdk.Now)
	}
	return uint64(sdk.After(time.Duration(f.r.Int64N(int64(2 * time.Millisecond)))))
}

// mayBeMapped reports whether p is one of the addresses the fuzzer draws
// that may be mapped: in the arena or below the top of the user range.
func (f *fuzzer) mayBeMapped(p uint64) bool {
	return (p >= f.base && p-f.base < arenaSize) || (p >= abi.UserTop-abi.PageSize && p < abi.UserTop)
}
