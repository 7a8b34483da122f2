//go:build clk

package x86

import (
	"runtime/debug"
	"testing"
	"unsafe"
)

// The CPU protections: CR4 bits and the CPUID bits (leaf 7, subleaf 0)
// that say the CPU has them.
const (
	cr4UMIP    = 1 << 11
	cr4SMEP    = 1 << 20
	cr4SMAP    = 1 << 21
	cpuid7SMEP = 1 << 7  // EBX
	cpuid7SMAP = 1 << 20 // EBX
	cpuid7UMIP = 1 << 2  // ECX
	rflagsAC   = 1 << 18
)

// protections returns which of SMEP, SMAP and UMIP the CPU has.
func protections() (smep, smap, umip bool) {
	if top, _, _, _ := cpuid(0, 0); top < 7 {
		return false, false, false
	}
	_, b, c, _ := cpuid(7, 0)
	return b&cpuid7SMEP != 0, b&cpuid7SMAP != 0, c&cpuid7UMIP != 0
}

// TestCPUProtectionsOn checks that CR4 has every protection the CPU has.
func TestCPUProtectionsOn(t *testing.T) {
	smep, smap, umip := protections()
	cr4 := readCR4()
	t.Logf("CPUID: SMEP %v, SMAP %v, UMIP %v; CR4 %#x", smep, smap, umip, cr4)
	for _, p := range []struct {
		name   string
		has    bool
		cr4Bit uint64
	}{
		{"SMEP", smep, cr4SMEP},
		{"SMAP", smap, cr4SMAP},
		{"UMIP", umip, cr4UMIP},
	} {
		if p.has && cr4&p.cr4Bit == 0 {
			t.Errorf("the CPU has %s but CR4 (%#x) does not turn it on", p.name, cr4)
		}
	}
}

// TestKernelReadOfUserPageFaults reads a mapped user page through its
// user address from the kernel, with the page's address space loaded: with
// SMAP that faults (a panic here, where the goroutine asked for one with
// debug.SetPanicOnFault; a report and a halt elsewhere), without it the
// read silently returns the page's contents.
func TestKernelReadOfUserPageFaults(t *testing.T) {
	if _, smap, _ := protections(); !smap {
		t.Skip("the CPU has no SMAP")
	}
	as := userProcess(t, fpuLeaveCode)
	data, err := as.Map(dataPage, true, false)
	if err != nil {
		t.Fatal(err)
	}
	const mark = 0x5a5a_1234_5678_a5a5
	*(*uint64)(unsafe.Pointer(&data[0])) = mark
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	loaded := 0
	for i := 0; i < 10; i++ {
		c := NewUserContext(as, codePage, stackPage+PageSize)
		runToSyscall(t, c) // leaves the user space's CR3 loaded
		before := readCR3()
		got, faulted := readUser(dataPage)
		after := readCR3()
		if before != as.pml4 || after != as.pml4 {
			continue // another CPU, or the space dropped: not a test of SMAP
		}
		loaded++
		if !faulted {
			t.Fatalf("the kernel read %#x at user address %#x without a fault", got, uint64(dataPage))
		}
	}
	if loaded == 0 {
		t.Skip("the user space was never loaded around the read")
	}
}

// readUser reads the word at the user address va from the kernel and
// reports whether that faulted.
func readUser(va uint64) (v uint64, faulted bool) {
	defer func() {
		if recover() != nil {
			faulted = true
		}
	}()
	// The read through a user address is what the test is about.
	return *(*uint64)(unsafe.Pointer(uintptr(va))), false
}

// umipCode runs each instruction UMIP makes privileged, then syscall 3:
//
//	sgdt [rsp-16]; sidt [rsp-16]; sldt eax; smsw eax; str eax
//	mov eax, 3; syscall
//	ud2
var umipCode = []byte{
	0x0f, 0x01, 0x44, 0x24, 0xf0, 0x0f, 0x01, 0x4c, 0x24, 0xf0,
	0x0f, 0x00, 0xc0, 0x0f, 0x01, 0xe0, 0x0f, 0x00, 0xc8, 0xb8,
	0x03, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b,
}

// TestUMIPInRing3 checks that SGDT, SIDT, SLDT, SMSW and STR raise #GP in
// ring 3, where without UMIP they would tell a program where the kernel's
// tables lie.
func TestUMIPInRing3(t *testing.T) {
	if _, _, umip := protections(); !umip {
		t.Skip("the CPU has no UMIP")
	}
	as := userProcess(t, umipCode)
	c := NewUserContext(as, codePage, stackPage+PageSize)
	for _, insn := range []struct {
		name string
		at   uint64
		size uint64
	}{
		{"SGDT", 0, 5}, {"SIDT", 5, 5}, {"SLDT", 10, 3}, {"SMSW", 13, 3}, {"STR", 16, 3},
	} {
		v := c.Run()
		for v >= VecFirstIRQ && v != VecSyscall {
			v = c.Run()
		}
		if v != VecGeneralProt || c.RIP != codePage+insn.at {
			t.Fatalf("%s: vector %d at RIP %#x, want #GP (13) at %#x", insn.name, v, c.RIP, codePage+insn.at)
		}
		c.RIP += insn.size
	}
	runToSyscall(t, c)
	if c.RAX != 3 {
		t.Fatalf("syscall %d after the five instructions, want 3", c.RAX)
	}
}

// acCode sets RFLAGS.AC, which ring 3 may, then spins long enough for
// timer interrupts and makes syscall 4:
//
//	pushfq; or dword [rsp], 0x40000; popfq
//	mov ecx, 100000000
//	spin: dec ecx; jnz spin
//	mov eax, 4; syscall
//	ud2
var acCode = []byte{
	0x9c, 0x81, 0x0c, 0x24, 0x00, 0x00, 0x04, 0x00, 0x9d, 0xb9,
	0x00, 0xe1, 0xf5, 0x05, 0xff, 0xc9, 0x75, 0xfc, 0xb8, 0x04,
	0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b,
}

// TestRing3ACStaysInRing3 checks that the kernel does not keep running
// with the AC flag a user thread set when an interrupt took it out of
// ring 3: AC lifts SMAP in ring 0.
func TestRing3ACStaysInRing3(t *testing.T) {
	as := userProcess(t, acCode)
	c := NewUserContext(as, codePage, stackPage+PageSize)
	interrupts := 0
	for {
		v := c.Run()
		flags := readFlags()
		if v == VecSyscall {
			break
		}
		if v < VecFirstIRQ {
			t.Fatalf("vector %d at RIP %#x", v, c.RIP)
		}
		interrupts++
		if flags&rflagsAC != 0 {
			t.Fatalf("after interrupt %d from ring 3 (user RFLAGS %#x), the kernel runs with AC set: RFLAGS %#x", interrupts, c.RFLAGS, flags)
		}
	}
	if interrupts == 0 {
		t.Skip("no interrupt came while the thread spun with AC set")
	}
	t.Logf("%d interrupts, the kernel's AC clear after each", interrupts)
}

// leafEntry walks the page tables at cr3 through the identity map and
// returns the entry that maps va (a large page's or a 4 KiB page's), or 0.
func leafEntry(cr3 uintptr, va uint64) uint64 {
	const pageSizeBit = 1 << 7
	table := uint64(cr3) & pteAddrMask
	for shift := 39; shift >= 12; shift -= 9 {
		// Page tables are RAM, which the identity map covers.
		e := *(*uint64)(unsafe.Pointer(uintptr(table + (va>>shift&511)*8)))
		if e&ptePresent == 0 {
			return 0
		}
		if shift == 12 || (shift < 39 && e&pageSizeBit != 0) {
			return e
		}
		table = e & pteAddrMask
	}
	return 0
}

// TestRAMNotExecutable checks that the kernel's map of RAM outside its
// text is not executable: a user frame, which a program fills, seen
// through the identity map, and the kernel's own data.
func TestRAMNotExecutable(t *testing.T) {
	as, err := NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	defer as.Release()
	frame, err := as.Map(dataPage, true, false)
	if err != nil {
		t.Fatal(err)
	}
	var local uint64
	for _, c := range []struct {
		what string
		pa   uint64
	}{
		// The addresses are only looked up in the page tables.
		{"a user frame", uint64(uintptr(unsafe.Pointer(&frame[0])))},
		{"the kernel's data", uint64(uintptr(unsafe.Pointer(&userCode[0])))},
		{"a heap object", uint64(uintptr(unsafe.Pointer(&local)))},
	} {
		e := leafEntry(readCR3(), c.pa)
		if e == 0 {
			t.Errorf("%s at %#x is not mapped", c.what, c.pa)
			continue
		}
		if e&pteNoExec == 0 {
			t.Errorf("%s at %#x is mapped executable for the kernel (entry %#x)", c.what, c.pa, e)
		}
	}
}
