package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"clk/abi"
	"clk/sdk"
)

// program is the name the parent spawns its child by.
const program = "probe"

// kernelImage is where the kernel is linked: identity-mapped, never
// accessible from ring 3.
const kernelImage = 0x100000

// msrTSCAux is IA32_TSC_AUX, which wrmsr tries to write.
const msrTSCAux = 0xc0000103

// magic is what the child's variable holds.
const magic = 0x5afe_c0de_1501_a7ed

// msgAddr carries an address: 8 bytes, little-endian.
const msgAddr = 1

var schema = sdk.Schema{{Type: msgAddr, MaxData: 8}}

// probes are the subcommands, in the order usage lists them.
var probes = []struct {
	name string
	act  string
	run  func()
	// panics: the fault is one Go turns into a run-time panic, which
	// the kernel hands back to the program (fault_entry) instead of
	// killing it; unrecovered, it ends the program with status 2.
	panics bool
}{
	{"readkernel", fmt.Sprintf("reading a byte of the kernel image at %#x", kernelImage), readKernel, false},
	{"writekernel", fmt.Sprintf("writing a byte of the kernel image at %#x", kernelImage), writeKernel, false},
	{"jumpkernel", fmt.Sprintf("calling the kernel image at %#x", kernelImage), func() { callAddr(kernelImage) }, false},
	{"cli", "disabling interrupts with CLI", cli, false},
	{"hlt", "halting the CPU with HLT", hlt, false},
	{"wrmsr", fmt.Sprintf("writing MSR %#x with WRMSR", msrTSCAux), func() { wrmsr(msrTSCAux, 0) }, false},
	{"nil", "reading through a nil pointer", readNil, true},
	{"divzero", "dividing by zero with DIV", divZero, true},
	{"writeother", "", writeOther, false},
	{"g0guard", "writing just below the g0 stack of a thread other than the first", g0Guard, false},
}

// sink keeps the results of the probes that read from being optimized
// away.
var sink uint64

// nilPointer is nil, in a variable so that the compiler cannot see it.
var nilPointer *uint64

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

func usage() {
	printf("usage: probe badregs|recover, or probe NAME with NAME one of:")
	for _, p := range probes {
		printf(" %s", p.name)
	}
	printf("\n")
	sdk.Exit(2)
}

func main() {
	if len(os.Args) != 2 {
		usage()
	}
	if os.Args[1] == "child" {
		child()
	}
	if os.Args[1] == "badregs" {
		badRegs()
	}
	if os.Args[1] == "recover" {
		recoverNil()
	}
	for _, p := range probes {
		if p.name != os.Args[1] {
			continue
		}
		switch {
		case p.panics:
			printf("probe %s: %s; Go must panic\n", p.name, p.act)
		case p.act != "":
			printf("probe %s: %s; the kernel must kill this process\n", p.name, p.act)
		}
		p.run()
		printf("probe %s: still alive after %s: isolation FAILED\n", p.name, p.act)
		sdk.Exit(1)
	}
	usage()
}

// pointerAt returns addr as a pointer. The conversion goes through memory
// so that it is not taken for arithmetic on a Go pointer: addr is no Go
// object.
func pointerAt(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

func readKernel() {
	sink = uint64(*(*byte)(pointerAt(kernelImage)))
	printf("probe readkernel: read %#x\n", sink)
}

func writeKernel() { *(*byte)(pointerAt(kernelImage)) = 0 }

func readNil() {
	sink = *nilPointer
	printf("probe nil: read %#x\n", sink)
}

func divZero() {
	sink = divideByZero()
	printf("probe divzero: quotient %#x\n", sink)
}

// writeOther spawns the child, learns the address of its variable and
// writes there in this process's own address space.
func writeOther() {
	c, peer, err := sdk.NewChannel(schema, 0)
	if err != nil {
		printf("probe writeother: %v\n", err)
		sdk.Exit(1)
	}
	proc, err := sdk.Spawn(program, []string{"child"}, []sdk.Handle{peer.Handle})
	if err != nil {
		printf("probe writeother: %v\n", err)
		sdk.Exit(1)
	}
	buf := make([]byte, 8)
	m, err := c.Read(buf, nil, sdk.After(30*time.Second))
	if err != nil || len(m.Data) != 8 {
		printf("probe writeother: no address from the child: %v\n", err)
		sdk.Exit(1)
	}
	addr := uintptr(binary.LittleEndian.Uint64(m.Data))
	printf("probe writeother: writing at %#x, where the child keeps its variable, in this process; the kernel must kill this process\n", addr)
	*(*uint64)(pointerAt(addr)) = ^uint64(magic)

	// Alive: the address is mapped here too. Whether the write reached
	// the child, the child says once the channel closes.
	printf("probe writeother: still alive after writing at %#x, which is mapped in this process too: isolation FAILED\n", addr)
	c.Close()
	sdk.Wait(proc, abi.Signaled, sdk.After(5*time.Second))
	sdk.Exit(1)
}

// childVar is where the child keeps its variable: a page it maps at a
// fixed address far above where either process's heap and thread stacks
// grow from (the kernel's anonymous base) and below the main stack, so
// that the parent, a process of the same program, has nothing mapped
// there whatever its own allocations.
const childVar = 0x7ffe_0000_0000

// child sends the address of its variable, waits for the parent to go and
// checks the variable.
func child() {
	hs := sdk.StartupHandles()
	if len(hs) != 1 || hs[0] == sdk.InvalidHandle {
		printf("probe child: started with handles %v, want one channel\n", hs)
		sdk.Exit(2)
	}
	c := sdk.Channel{Handle: hs[0]}
	addr, errno := sdk.Syscall(abi.SysVMMap, [6]uint64{childVar, abi.PageSize, abi.ProtRead | abi.ProtWrite})
	if errno != abi.OK {
		printf("probe child: vm_map at %#x: %v\n", uint64(childVar), errno.String())
		sdk.Exit(1)
	}
	v := (*uint64)(pointerAt(uintptr(addr)))
	*v = magic
	buf := make([]byte, 8)
	binary.LittleEndian.PutUint64(buf, uint64(uintptr(unsafe.Pointer(v))))
	if err := c.Write(msgAddr, buf, nil, sdk.Never); err != nil {
		printf("probe child: %v\n", err)
		sdk.Exit(1)
	}
	for {
		_, err := c.Read(buf, nil, sdk.Never)
		if errors.Is(err, abi.EPEERCLOSED) {
			break
		}
		if err != nil {
			printf("probe child: %v\n", err)
			sdk.Exit(1)
		}
	}
	got := *v
	if got != magic {
		printf("child: CORRUPTED: %#x, want %#x\n", got, uint64(magic))
		sdk.Exit(1)
	}
	printf("child: intact\n")
	sdk.Exit(0)
}

// nonCanonical is an address in the hole between the two canonical halves:
// loaded into the FS base by the kernel's WRMSR it would fault in ring 0.
const nonCanonical = 0x8000_0000_0000_0000

// badRegs asks for register values that ring 0 would load on the thread's
// behalf and that would fault there: a non-canonical FS base for a new
// thread and for this one. The kernel must refuse both with EINVAL and
// live on; the process lives on too.
func badRegs() {
	fn := badRegs
	entry := **(**uintptr)(unsafe.Pointer(&fn))
	stack := make([]byte, 4096)
	top := uintptr(unsafe.Pointer(&stack[len(stack)-16]))
	_, e1 := sdk.Syscall(abi.SysThreadCreate, [6]uint64{uint64(entry), uint64(top), nonCanonical, 0})
	_, e2 := sdk.Syscall(abi.SysThreadSetFS, [6]uint64{nonCanonical})
	if e1 != abi.EINVAL || e2 != abi.EINVAL {
		printf("probe badregs: thread_create gave %v, thread_set_fs gave %v, want EINVAL for both: FAILED\n", e1, e2)
		sdk.Exit(1)
	}
	printf("probe badregs: a non-canonical FS base is refused by thread_create and thread_set_fs\n")
	sdk.Exit(0)
}

// recoverNil dereferences nil under a deferred recover: the fault must
// come back as Go's run-time panic, which recover stops, and the program
// goes on.
func recoverNil() {
	err := func() (err any) {
		defer func() { err = recover() }()
		sink = *nilPointer
		return nil
	}()
	if err == nil {
		printf("probe recover: read through nil without a panic: FAILED\n")
		sdk.Exit(1)
	}
	printf("probe recover: recovered %q and goes on\n", fmt.Sprint(err))
	sdk.Exit(0)
}

// g0Guard writes just below the g0 stack of a thread other than the
// first, where an overflow of that stack would write: the page there must
// be unmapped. Threads end first (a goroutine that ends locked to its
// thread ends the thread), so that the stack probed may be one a thread
// left behind and another took over.
func g0Guard() {
	for i := 0; i < 4; i++ {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(done)
		}()
		<-done
	}
	found := make(chan uintptr)
	start := func() {
		go func() {
			// Locked, the goroutine keeps its thread to itself, so
			// the next one runs on another.
			runtime.LockOSThread()
			lo, first := threadStackLow()
			if first {
				lo = 0
			}
			found <- lo
			select {}
		}()
	}
	start()
	lo := <-found
	if lo == 0 {
		start()
		lo = <-found
	}
	if lo == 0 {
		printf("probe g0guard: no thread but the first: FAILED\n")
		sdk.Exit(1)
	}
	printf("probe g0guard: the stack starts at %#x\n", lo)
	*(*uint64)(pointerAt(lo - 8)) = 0
}
