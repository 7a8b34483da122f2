//go:build clk

package x86

import "testing"

// fpuLeaveCode leaves x87 and MMX state behind (NASM syntax):
//
//	mov rax, 0x1122334455667788; movq mm0, rax ; MM0, which is ST0's mantissa
//	push 0x0c7f; fldcw [rsp]                   ; round toward zero
//	mov eax, 1; syscall
//	ud2
var fpuLeaveCode = []byte{
	0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	0x48, 0x0f, 0x6e, 0xc0, 0x68, 0x7f, 0x0c, 0x00, 0x00, 0xd9,
	0x2c, 0x24, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f,
	0x0b,
}

// fpuReadCode reports the x87 control word in RSI and MM0 in RDI:
//
//	push 0; fnstcw [rsp]; movzx esi, word [rsp]
//	movq rdi, mm0
//	mov eax, 2; syscall
//	ud2
var fpuReadCode = []byte{
	0x6a, 0x00, 0xd9, 0x3c, 0x24, 0x0f, 0xb7, 0x34, 0x24, 0x48,
	0x0f, 0x7e, 0xc7, 0xb8, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x05,
	0x0f, 0x0b,
}

// userProcess maps code and a stack into a new address space.
func userProcess(t testing.TB, code []byte) *AddressSpace {
	t.Helper()
	as, err := NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(as.Release)
	page, err := as.Map(codePage, false, true)
	if err != nil {
		t.Fatal(err)
	}
	copy(page, code)
	if _, err := as.Map(stackPage, true, false); err != nil {
		t.Fatal(err)
	}
	return as
}

// runToSyscall runs c until it leaves by a syscall, through interrupts.
func runToSyscall(t testing.TB, c *UserContext) {
	t.Helper()
	for {
		v := c.Run()
		if v == VecSyscall {
			return
		}
		if v < VecFirstIRQ {
			t.Fatalf("vector %d at RIP %#x, want a syscall", v, c.RIP)
		}
	}
}

// TestFPUStateStaysWithItsProcess checks that a thread never starts with
// the x87 and MMX registers another process's thread left on the CPU,
// even when its context is the memory of the old thread's, freed and
// allocated again. A thread that left by SYSCALL leaves its x87 state in
// the CPU (the syscall ABI does not keep it), and the next entry skips
// FXRSTOR when the CPU still holds that context's state. The danger is
// on one CPU, where both threads run in turn: make test-clk's first pass
// boots one; on more, the goroutine may move between the runs, and the
// check then passes without testing the skip.
func TestFPUStateStaysWithItsProcess(t *testing.T) {
	first := userProcess(t, fpuLeaveCode)
	second := userProcess(t, fpuReadCode)
	c := NewUserContext(first, codePage, stackPage+PageSize)
	runToSyscall(t, c)
	if c.RAX != 1 {
		t.Fatalf("first thread: syscall %d, want 1", c.RAX)
	}
	// The first thread is gone; the second process's new thread gets the
	// same memory for its context, as the collector may give it. It
	// starts as if it had begun on another CPU and left there by
	// SYSCALL, so its next entry may skip FXRSTOR: then only the CPU's
	// owner record stands between it and the first thread's registers.
	c.reset(second, codePage, stackPage+PageSize)
	c.fxvalid = 0
	runToSyscall(t, c)
	if c.RAX != 2 {
		t.Fatalf("second thread: syscall %d, want 2", c.RAX)
	}
	if c.RDI != 0 || c.RSI != 0x37f {
		t.Errorf("the second process's new thread sees MM0 %#x and FCW %#x, want a fresh FPU's 0 and 0x37f", c.RDI, c.RSI)
	}
}
