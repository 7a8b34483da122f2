// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/abi"
	"internal/runtime/atomic"
	"unsafe"
)

// The CPU's own tables (GDT, TSS, IDT), the interrupt controllers, and the
// serial console: the hardware the runtime needs before a single goroutine
// runs. Section numbers refer to the Intel SDM, Vol. 3A.

// clkLoadAddr is where the image starts in physical memory; the linker puts
// the first byte there (cmd/link/internal/ld.ClkLoadAddr).
const clkLoadAddr = 0x100000

// Segment selectors (3.4.2): index<<3 | RPL. The user entries sit where
// SYSRET expects them (STAR[63:48]+8 for data, +16 for 64-bit code).
const (
	clkKernelCS = 0x08
	clkKernelDS = 0x10
	clkUserDS   = 0x18 | 3
	clkUserCS   = 0x20 | 3
	clkTSSSel   = 0x28
)

// GDT descriptors (3.4.5): flat segments; L=1 for 64-bit code.
const (
	gdtKernelCode = 0x00af9a000000ffff
	gdtKernelData = 0x00cf92000000ffff
	gdtUserData   = 0x00cff2000000ffff
	gdtUserCode   = 0x00affa000000ffff
)

// Interrupt stack table slots (6.14.5). Exceptions and interrupts always
// arrive on a known-good stack, never on a goroutine stack whose guard area
// they could overrun.
const (
	istDoubleFault = 1
	istNMI         = 2
	istException   = 3
	istInterrupt   = 4
	clkISTSize     = 16 << 10
)

// Vectors.
const (
	vecNMI         = 2
	vecDoubleFault = 8
	vecMachineChk  = 18
	clkVecFirstIRQ = 32
	clkVecTimer    = 32   // local APIC timer
	clkVecPICBase  = 0xe0 // the legacy PICs, remapped out of the way and masked
	clkVecSpurious = 0xff // local APIC spurious vector
)

type clkTSS [104]byte

var (
	clkIDT [256][2]uint64
	// clkIST is the boot CPU's interrupt stacks; the others get theirs
	// when they start (clkStartCPUs).
	clkIST [4][clkISTSize]byte

	// clkDescPtr is the 10-byte operand of LGDT and LIDT.
	clkDescPtr [2]uint64
)

// clkVecStride is the spacing of the vector stubs in vectors_clk_amd64.s,
// which scripts/mkvectors writes from this constant, clkVecFirstIRQ,
// clkVecTimer, clkVecShootdown and clkVecPreempt (run it after changing
// any of them).
const clkVecStride = 16

// clkCPUInit sets up the boot CPU: its GDT, TSS and idle thread, the
// shared IDT, the legacy PICs (masked) and its local APIC, and finds the
// other CPUs. Interrupts stay off until clkIntrInit.
func clkCPUInit() {
	for v := range clkIDT {
		ist := uint64(istInterrupt)
		switch {
		case v == vecDoubleFault:
			ist = istDoubleFault
		case v == vecNMI || v == vecMachineChk:
			ist = istNMI
		case v < clkVecFirstIRQ:
			ist = istException
		}
		h := uint64(abi.FuncPCABI0(clkVecBase) + uintptr(v)*clkVecStride)
		// 64-bit interrupt gate (6.14.1): type 0xe, present, DPL 0.
		clkIDT[v][0] = h&0xffff | clkKernelCS<<16 | ist<<32 | 0x8e<<40 | (h>>16&0xffff)<<48
		clkIDT[v][1] = h >> 32
	}
	cpu := &clkCPUs[0]
	clkIdleInit(cpu, uintptr(unsafe.Pointer(&clkIdleStack0)))
	clkTSSInit(cpu, uintptr(unsafe.Pointer(&clkIST)))
	clkCPULoad(cpu)
	clkPICDisable()
	clkLAPICInit()
	clkFindCPUs()
	clkEmulatedTLB = clkHypervisorIs("TCGTCGTCGTCG")
}

// clkHypervisorIs reports whether the CPU says it runs under the hypervisor
// whose CPUID signature (leaf 0x40000000) is sig. It runs before the heap
// exists, so it allocates nothing.
func clkHypervisorIs(sig string) bool {
	if _, _, c, _ := clkCpuid(1, 0); c&(1<<31) == 0 {
		return false
	}
	_, b, c, d := clkCpuid(0x40000000, 0)
	for i := 0; i < 4; i++ {
		if sig[i] != byte(b>>(8*i)) || sig[4+i] != byte(c>>(8*i)) || sig[8+i] != byte(d>>(8*i)) {
			return false
		}
	}
	return true
}

// clkTSSInit fills cpu's TSS, with its four interrupt stacks at ist, and
// its GDT.
func clkTSSInit(cpu *clkCPU, ist uintptr) {
	cpu.gdt[0] = 0
	cpu.gdt[1] = gdtKernelCode
	cpu.gdt[2] = gdtKernelData
	cpu.gdt[3] = gdtUserData
	cpu.gdt[4] = gdtUserCode
	for i := 1; i <= 4; i++ {
		top := ist + uintptr(i)*clkISTSize
		clkPut64(cpu.tss[:], 36+8*(i-1), uint64(top&^15)) // IST1..IST4, 7.7
	}
	cpu.tss[102] = byte(len(cpu.tss)) // no I/O bitmap
	base := uint64(uintptr(unsafe.Pointer(&cpu.tss)))
	limit := uint64(len(cpu.tss) - 1)
	// 64-bit TSS descriptor (7.2.3): type 9 (available TSS), present.
	cpu.gdt[5] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	cpu.gdt[6] = base >> 32
}

// clkCPULoad makes the calling CPU use cpu's GDT and TSS and the IDT.
//
// Nosplit: a starting CPU runs it before it has a g (clkAPMain).
//
//go:nosplit
func clkCPULoad(cpu *clkCPU) {
	clkLoadGDT(unsafe.Pointer(&cpu.gdt[0]), uint16(len(cpu.gdt)*8-1))
	clkLoadTR(clkTSSSel)
	clkLoadIDT(unsafe.Pointer(&clkIDT[0]), uint16(len(clkIDT)*16-1))
	clkSyscallInit(cpu)
	clkCPUProtect()
}

// Protections in CR4 (Intel SDM Vol. 3A, 2.5) and the CPUID bits that say
// the CPU has them (leaf 7, subleaf 0).
const (
	cr4UMIP      = 1 << 11 // SGDT, SIDT, SLDT, SMSW, STR: #GP in ring 3
	cr4SMEP      = 1 << 20 // ring 0 never executes a user page
	cr4SMAP      = 1 << 21 // ring 0 never reads or writes a user page
	cpuid7SMEP   = 1 << 7  // EBX
	cpuid7SMAP   = 1 << 20 // EBX
	cpuid7UMIP   = 1 << 2  // ECX
	rflagsAC     = 1 << 18 // lifts SMAP in ring 0; ring 3 may set it
	cpuidLeaf7   = 7
	cpuidMaxLeaf = 0 // EAX: the highest leaf
)

// clkCPUProtect turns on SMEP, SMAP and UMIP on the calling CPU where it
// has them. The kernel reaches user memory only through the identity map
// of its frames (arch/x86_64's AddressSpace), never through a user
// address, so it has no use for STAC: a kernel access to a user page is a
// bug, and with SMAP a page fault that the report names.
//
// Nosplit: part of clkCPULoad.
//
//go:nosplit
func clkCPUProtect() {
	if top, _, _, _ := clkCpuid(cpuidMaxLeaf, 0); top < cpuidLeaf7 {
		return
	}
	_, b, c, _ := clkCpuid(cpuidLeaf7, 0)
	cr4 := clkReadCR4()
	if b&cpuid7SMEP != 0 {
		cr4 |= cr4SMEP
	}
	if b&cpuid7SMAP != 0 {
		cr4 |= cr4SMAP
	}
	if c&cpuid7UMIP != 0 {
		cr4 |= cr4UMIP
	}
	clkWriteCR4(cr4)
}

func clkPut64(b []byte, off int, v uint64) {
	for i := 0; i < 8; i++ {
		b[off+i] = byte(v >> (8 * i))
	}
}

// 8259A PICs: remap to clkVecPICBase so a spurious legacy interrupt cannot
// look like an exception, then mask every line. Interrupts come through the
// APICs.
func clkPICDisable() {
	const (
		pic1Cmd, pic1Data = 0x20, 0x21
		pic2Cmd, pic2Data = 0xa0, 0xa1
		icw1Init          = 0x11 // edge, cascade, ICW4 follows
		icw48086          = 0x01
	)
	clkOutb(pic1Cmd, icw1Init)
	clkOutb(pic2Cmd, icw1Init)
	clkOutb(pic1Data, clkVecPICBase)
	clkOutb(pic2Data, clkVecPICBase+8)
	clkOutb(pic1Data, 4) // slave on IRQ2
	clkOutb(pic2Data, 2)
	clkOutb(pic1Data, icw48086)
	clkOutb(pic2Data, icw48086)
	clkOutb(pic1Data, 0xff)
	clkOutb(pic2Data, 0xff)
}

// Local APIC registers (11.4.1, table 11-1), as offsets from its base.
const (
	msrAPICBase     = 0x1b
	apicBaseEnable  = 1 << 11
	lapicTPR        = 0x80
	lapicEOI        = 0xb0
	lapicSVR        = 0xf0
	lapicLVTTimer   = 0x320
	lapicLVTError   = 0x370
	lapicTimerInit  = 0x380
	lapicTimerCount = 0x390
	lapicTimerDiv   = 0x3e0
	lapicSVREnable  = 1 << 8
	lapicMasked     = 1 << 16
	lapicDivBy1     = 0xb
)

// clkLAPICBase is the local APIC's address; the interrupt stubs read it to
// signal end of interrupt.
var clkLAPICBase uintptr

// Nosplit: used by the tick and IPI paths on the gsignal stack and by CPUs
// without a g.
//
//go:nosplit
func clkLAPICRead(reg uintptr) uint32 {
	return atomic.Load((*uint32)(unsafe.Pointer(clkLAPICBase + reg)))
}

// Nosplit: as clkLAPICRead.
//
//go:nosplit
func clkLAPICWrite(reg uintptr, v uint32) {
	atomic.Store((*uint32)(unsafe.Pointer(clkLAPICBase+reg)), v)
}

// Nosplit: a starting CPU runs it before it has a g (clkAPMain).
//
//go:nosplit
func clkLAPICInit() {
	base := clkRdmsr(msrAPICBase)
	clkWrmsr(msrAPICBase, base|apicBaseEnable)
	clkLAPICBase = uintptr(base &^ 0xfff & pteAddrMask)
	clkLAPICWrite(lapicSVR, lapicSVREnable|clkVecSpurious)
	clkLAPICWrite(lapicTPR, 0)
	clkLAPICWrite(lapicLVTTimer, lapicMasked|clkVecTimer)
	clkLAPICWrite(lapicLVTError, lapicMasked)
	clkLAPICWrite(lapicTimerDiv, lapicDivBy1)
}

// clkLAPICTimerStartCount and clkLAPICTimerElapsed measure the timer's rate
// during the TSC calibration.
func clkLAPICTimerStartCount() {
	clkLAPICWrite(lapicLVTTimer, lapicMasked|clkVecTimer)
	clkLAPICWrite(lapicTimerInit, 0xffffffff)
}

func clkLAPICTimerElapsed() uint32 {
	n := 0xffffffff - clkLAPICRead(lapicTimerCount)
	clkLAPICWrite(lapicTimerInit, 0)
	return n
}

// clkTimerArm makes the local APIC timer interrupt at the nanotime
// deadline, or stops it if deadline is 0.
//
// Nosplit: called by the idle loop (a g without an M) and by clkTick on the
// gsignal stack.
//
//go:nosplit
func clkTimerArm(deadline int64) {
	if deadline == 0 || clkLAPICHz == 0 {
		clkLAPICWrite(lapicTimerInit, 0)
		return
	}
	d := deadline - clkNanotime()
	if d < 1000 {
		d = 1000
	}
	ticks := uint64(d) * (clkLAPICHz / 1000) / 1_000_000
	if ticks == 0 {
		ticks = 1
	}
	if ticks > 0xffffffff {
		ticks = 0xffffffff
	}
	clkLAPICWrite(lapicLVTTimer, clkVecTimer) // one-shot, unmasked
	clkLAPICWrite(lapicTimerInit, uint32(ticks))
}

// clkIntrInit turns interrupts on: from here every stub may run.
func clkIntrInit() {
	clkSti()
	clkTimerArm(clkNanotime() + clkSliceNS)
}

// The console: COM1, a 16550 UART (PC16550D data sheet).
const (
	com1       = 0x3f8
	uartData   = 0
	uartIER    = 1
	uartFCR    = 2
	uartLCR    = 3
	uartMCR    = 4
	uartLSR    = 5
	lcrDLAB    = 0x80
	lcr8N1     = 0x03
	fcrEnable  = 0xc7 // enable and clear FIFOs, 14-byte trigger
	mcrDTRRTS  = 0x0b // DTR, RTS and OUT2 (which gates the IRQ line)
	lsrTHRE    = 0x20
	uart115200 = 1 // divisor of the 1.8432 MHz clock / 16
)

var clkConsoleLock uint32

func clkConsoleInit() {
	clkOutb(com1+uartIER, 0)
	clkOutb(com1+uartLCR, lcrDLAB)
	clkOutb(com1+uartData, uart115200)
	clkOutb(com1+uartIER, 0)
	clkOutb(com1+uartLCR, lcr8N1)
	clkOutb(com1+uartFCR, fcrEnable)
	clkOutb(com1+uartMCR, mcrDTRRTS)
}

// Nosplit: write1's body: print runs it anywhere, the exception report too.
//
//go:nosplit
func clkConsolePut(c byte) {
	for i := 0; i < 100000 && clkInb(com1+uartLSR)&lsrTHRE == 0; i++ {
		clkPause()
	}
	clkOutb(com1+uartData, c)
}

// clkConsoleWrite writes n bytes at p to the console, as a terminal with
// ONLCR would show them: "\n" goes out as "\r\n". The lock gives up after a
// while so that a crash report still gets out if its CPU held it.
//
// Nosplit: write1's body: print runs it anywhere, the exception report too.
//
//go:nosplit
func clkConsoleWrite(p unsafe.Pointer, n int32) {
	for i := 0; i < 1<<22 && !atomic.Cas(&clkConsoleLock, 0, 1); i++ {
		clkPause()
	}
	for i := int32(0); i < n; i++ {
		c := *(*byte)(unsafe.Add(p, i))
		if c == '\n' {
			clkConsolePut('\r')
		}
		clkConsolePut(c)
	}
	atomic.Store(&clkConsoleLock, 0)
}

// Nosplit: used where the runtime cannot print yet or any more (early boot,
// the early trap report).
//
//go:nosplit
func clkConsoleString(s string) {
	clkConsoleWrite(unsafe.Pointer(unsafe.StringData(s)), int32(len(s)))
}

// Nosplit: as clkConsoleString.
//
//go:nosplit
func clkConsoleHex(v uint64) {
	var b [18]byte
	b[0], b[1] = '0', 'x'
	for i := 0; i < 16; i++ {
		b[17-i] = "0123456789abcdef"[v&15]
		v >>= 4
	}
	clkConsoleWrite(unsafe.Pointer(&b[0]), int32(len(b)))
}

// clkEarlyPanic reports a failure before the runtime can print and halts.
//
// Nosplit: runs before the runtime has a g or stack bounds.
//
//go:nosplit
func clkEarlyPanic(msg string) {
	clkConsoleString(msg)
	clkConsoleString("\n")
	clkExit(3)
}

// isa-debug-exit, the exit device QEMU offers to test programs
// (-device isa-debug-exit,iobase=0xf4,iosize=4): writing v ends QEMU with
// status v<<1 | 1.
const clkDebugExitPort = 0xf4

// QEMU's isa-debugcon on Bochs' port 0xe9, which the host tools attach to
// take crash dumps (clk/internal/qemu.CrashDumps): a read of the port gives
// back clkCrashDumpPort when the device is there, 0xff when it is not. A
// line written to it asks the host for a dump of the guest's memory.
const clkCrashDumpPort = 0xe9

// clkExitPanic is the status a Go program exits with on a panic or a fatal
// error.
const clkExitPanic = 2

// Nosplit: exit's body, run by fatal paths.
//
//go:nosplit
func clkExit(code int32) {
	if code == clkExitPanic && clkInb(clkCrashDumpPort) == clkCrashDumpPort {
		// A crash-dump taker is attached: ask for the dump and stay
		// halted, with this CPU's registers and stack as the panic
		// left them, for the taker to dump and then end the machine.
		const request = "panic\n"
		for i := 0; i < len(request); i++ {
			clkOutb(clkCrashDumpPort, request[i])
		}
		clkHalt()
	}
	clkOutl(clkDebugExitPort, uint32(code))
	clkHalt()
}

// clkHalt stops this CPU for good.
//
// Nosplit: the end of fatal paths, whatever state the stack is in.
//
//go:nosplit
func clkHalt() {
	for {
		clkCli()
		clkHlt()
	}
}

// clkRandom fills r from RDRAND when the CPU has it, mixed with the TSC and
// the wall clock so that a missing or broken RDRAND still gives distinct
// seeds per boot. The wall clock is the one read at boot, once the clocks
// are calibrated; only calls before that read the RTC, which is slow and
// serialized.
func clkRandom(r []byte) {
	_, _, ecx, _ := clkCpuid(1, 0)
	hasRDRAND := ecx&(1<<30) != 0
	wall := clkWallBase
	if wall == 0 {
		wall = clkRTCUnix() * 1_000_000_000
	}
	x := clkRdtsc() ^ uint64(wall)<<20
	for i := 0; i < len(r); i += 8 {
		if hasRDRAND {
			if v, ok := clkRdrand(); ok {
				x ^= v
			}
		}
		x ^= clkRdtsc()
		// splitmix64 finalizer, to spread the TSC's low-entropy bits.
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		for j := 0; j < 8 && i+j < len(r); j++ {
			r[i+j] = byte(z >> (8 * j))
		}
	}
}
