package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"clk/abi"
	"clk/sdk"
)

// program is the name children are spawned by.
const program = "attack"

var attacks = map[string]func(){
	"chanflood":   chanFlood,
	"cycle":       cycle,
	"spawnstorm":  spawnStorm,
	"threadstorm": threadStorm,
	"touch":       touch,
	"sparseunmap": sparseUnmap,
	"sleep":       sleepForever,
	"child":       child,
	"devices":     devices,
}

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

// report prints how attack name ended and exits: 0 when the kernel
// refused it cleanly with one of want, 1 otherwise.
func report(name string, n int, err error, want ...abi.Errno) {
	var no abi.Errno
	if errors.As(err, &no) {
		for _, w := range want {
			if no == w {
				printf("attack %s: refused after %d with %s: %v\n", name, n, no.String(), err)
				sdk.Exit(0)
			}
		}
	}
	printf("attack %s: unexpected end after %d: %v\n", name, n, err)
	sdk.Exit(1)
}

func main() {
	if len(os.Args) != 2 || attacks[os.Args[1]] == nil {
		printf("usage: attack chanflood|cycle|spawnstorm|threadstorm|touch|sparseunmap|sleep|devices\n")
		sdk.Exit(2)
	}
	attacks[os.Args[1]]()
}

// chanFlood creates channels and fills their queues with the largest
// messages until the kernel refuses: the process's memory limit (ELIMIT),
// the kernel's reserve (ENOMEM), or the handle table (ENOSPACE).
func chanFlood() {
	schema := sdk.Schema{{Type: 1, MaxData: abi.MaxData}}
	data := make([]byte, abi.MaxData)
	var held []sdk.Channel // both ends stay open: nothing is ever read
	queued := 0
	for {
		a, b, err := sdk.NewChannel(schema, abi.MaxQueue)
		if err != nil {
			report("chanflood", queued, err, abi.ENOSPACE, abi.ELIMIT, abi.ENOMEM)
		}
		held = append(held, a, b)
		for range abi.MaxQueue {
			if err := a.Write(1, data, nil, sdk.Now); err != nil {
				if errors.Is(err, abi.EQUEUEFULL) {
					break
				}
				report("chanflood", queued, err, abi.ELIMIT, abi.ENOMEM)
			}
			queued++
		}
	}
}

// cycle sends endpoint x1 into y's queue, then tries to send y1 into x's:
// the kernel must refuse the send that would close a cycle of endpoints
// in flight, which would outlive every handle.
func cycle() {
	schema := sdk.Schema{{Type: 1, Handles: []sdk.HandleSpec{{Type: abi.TypeChannel}}}}
	x0, x1, err := sdk.NewChannel(schema, 0)
	if err != nil {
		report("cycle", 0, err)
	}
	y0, y1, err := sdk.NewChannel(schema, 0)
	if err != nil {
		report("cycle", 0, err)
	}
	if err := y0.Write(1, nil, []sdk.Handle{x1.Handle}, sdk.Now); err != nil {
		report("cycle", 0, err)
	}
	err = x0.Write(1, nil, []sdk.Handle{y1.Handle}, sdk.Now)
	if err == nil {
		printf("attack cycle: the kernel let a cycle of endpoints form\n")
		sdk.Exit(1)
	}
	report("cycle", 1, err, abi.EINVAL)
}

// spawnStorm spawns children that wait for the parent's end until the
// kernel refuses one. Each child holds the read end of a channel whose
// write end the parent keeps, so the children end with the parent.
func spawnStorm() {
	schema := sdk.Schema{{Type: 1}}
	var keep []sdk.Channel
	for n := 0; ; n++ {
		mine, theirs, err := sdk.NewChannel(schema, 1)
		if err != nil {
			report("spawnstorm", n, err, abi.ELIMIT, abi.ENOMEM, abi.ENOSPACE)
		}
		keep = append(keep, mine)
		if _, err := sdk.Spawn(program, []string{"child"}, []sdk.Handle{theirs.Handle}); err != nil {
			report("spawnstorm", n, err, abi.ELIMIT, abi.ENOMEM, abi.ENOSPACE)
		}
	}
}

// child waits until its parent's end of the channel it was given closes.
func child() {
	hs := sdk.StartupHandles()
	if len(hs) != 1 {
		sdk.Exit(2)
	}
	c := sdk.Channel{Handle: hs[0]}
	for {
		if _, err := c.Read(nil, nil, sdk.Never); err != nil {
			sdk.Exit(0)
		}
	}
}

// parking is what a parked thread waits on: a word that stays 0 and the
// number of futex_wait, for parkThread.
type parking struct {
	word uint32
	_    uint32
	call uint64
}

// threadStorm starts threads that park for ever until the kernel refuses
// one.
func threadStorm() {
	p := &parking{call: abi.SysFutexWait}
	var stacks [][]byte // kept alive: the threads' RSP points into them
	for n := 0; ; n++ {
		stack := make([]byte, 256)
		stacks = append(stacks, stack)
		top := uint64(uintptr(unsafe.Pointer(&stack[len(stack)-16])))
		entry := uint64(parkThreadPC)
		_, errno := sdk.Syscall(abi.SysThreadCreate, [6]uint64{entry, top, 0, uint64(uintptr(unsafe.Pointer(p)))})
		if errno != abi.OK {
			report("threadstorm", n, errno, abi.ELIMIT, abi.ENOMEM)
		}
	}
}

// pageSize is the unit vm_map counts in.
const pageSize = abi.PageSize

// vmMap maps n bytes of demand-zero memory anywhere.
func vmMap(n uint64) (uint64, abi.Errno) {
	return sdk.Syscall(abi.SysVMMap, [6]uint64{0, n, abi.ProtRead | abi.ProtWrite})
}

// touch maps memory in 64 MiB pieces and writes a byte to every page,
// more than any process may have: the kernel must refuse a mapping or kill
// the process at the fault that crosses its limit, with a report.
func touch() {
	const piece = 64 << 20
	pages := 0
	for {
		addr, errno := vmMap(piece)
		if errno != abi.OK {
			report("touch", pages, errno, abi.ELIMIT, abi.ENOMEM)
		}
		for off := uint64(0); off < piece; off += pageSize {
			*userByte(addr + off) = 1
			pages++
		}
	}
}

// sparseUnmap maps most of the user range, touches a page at each end and
// unmaps it all: the kernel must free the two pages without walking the
// empty middle page by page.
func sparseUnmap() {
	const size = 248 << 30
	addr, errno := vmMap(size)
	if errno != abi.OK {
		report("sparseunmap", 0, errno)
	}
	*userByte(addr) = 1
	*userByte(addr + size - pageSize) = 1
	start := time.Now()
	if _, errno := sdk.Syscall(abi.SysVMUnmap, [6]uint64{addr, size, 0}); errno != abi.OK {
		report("sparseunmap", 0, errno)
	}
	printf("attack sparseunmap: unmapped %d GiB with 2 pages touched in %v\n", size>>30, time.Since(start))
	sdk.Exit(0)
}

// sleepForever sleeps until the process is killed.
func sleepForever() {
	printf("attack sleep: sleeping\n")
	for {
		time.Sleep(time.Hour)
	}
}

// devices makes every device call with handles that are not devices: its
// mailbox, and values it guesses. A process the broker gave no device
// must get EBADH or EWRONGTYPE from each, never a mapping, DMA memory, an
// interrupt or a port.
func devices() {
	hs := sdk.StartupHandles()
	var phys uint64
	calls := []struct {
		name string
		num  uint64
		args func(h uint64) [6]uint64
	}{
		{"device_info", abi.SysDeviceInfo, func(h uint64) [6]uint64 {
			return [6]uint64{h, uint64(uintptr(unsafe.Pointer(&phys))), 8}
		}},
		{"device_config_read", abi.SysDeviceConfigRead, func(h uint64) [6]uint64 { return [6]uint64{h, 0, 4} }},
		{"device_config_write", abi.SysDeviceConfigWrite, func(h uint64) [6]uint64 { return [6]uint64{h, 4, 2, 7} }},
		{"device_map", abi.SysDeviceMap, func(h uint64) [6]uint64 { return [6]uint64{h, 0} }},
		{"device_dma_alloc", abi.SysDeviceDMAAlloc, func(h uint64) [6]uint64 {
			return [6]uint64{h, 4096, uint64(uintptr(unsafe.Pointer(&phys)))}
		}},
		{"device_irq", abi.SysDeviceIRQ, func(h uint64) [6]uint64 { return [6]uint64{h, 0} }},
		{"device_ioports", abi.SysDeviceIOPorts, func(h uint64) [6]uint64 { return [6]uint64{h, 0} }},
		{"irq_wait", abi.SysIRQWait, func(h uint64) [6]uint64 { return [6]uint64{h, abi.DeadlineNow} }},
		{"ioport_access", abi.SysIOPortAccess, func(h uint64) [6]uint64 { return [6]uint64{h, 0x80, 1} }},
	}
	var guesses []uint64
	for _, h := range hs {
		guesses = append(guesses, uint64(h))
	}
	var seed [8]byte
	sdk.Random(seed[:])
	x := uint64(seed[0]) | uint64(seed[1])<<8 | uint64(seed[2])<<16 | uint64(seed[3])<<24 | 1
	for range 256 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		guesses = append(guesses, x&0xffffffff, x>>32&0xffff)
	}
	n := 0
	for _, c := range calls {
		for _, h := range guesses {
			_, no := sdk.Syscall(c.num, c.args(h))
			runtime.KeepAlive(&phys)
			if no != abi.EBADH && no != abi.EWRONGTYPE {
				printf("attack devices: %s with handle %#x: %v\n", c.name, h, no)
				sdk.Exit(1)
			}
			n++
		}
	}
	printf("attack devices: refused %d calls\n", n)
	sdk.Exit(0)
}
