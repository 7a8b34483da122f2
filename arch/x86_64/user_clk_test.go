//go:build clk

package x86

import (
	"testing"
	"time"
)

// userCode is a ring-3 program in machine code (NASM syntax):
//
//	mov eax, 42; mov edi, 7; syscall       ; the kernel answers RDX = 8
//	mov rdi, rdx; mov eax, 43; syscall     ; RDI carries the answer back
//	mov rax, 0x0123456789abcdef; movq xmm3, rax
//	mov ecx, 50000000
//	spin: dec ecx; jnz spin                ; long enough for timer ticks
//	movq rdi, xmm3; mov eax, 44; syscall   ; XMM3 survived the ticks?
//	mov rax, 0x7f0000200000; mov [rax], rdi ; a page fault, then a retry
//	hlt                                    ; privileged: #GP
//	ud2                                    ; #UD
var userCode = []byte{
	0xb8, 0x2a, 0x00, 0x00, 0x00, 0xbf, 0x07, 0x00, 0x00, 0x00, 0x0f, 0x05,
	0x48, 0x89, 0xd7, 0xb8, 0x2b, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0xb8,
	0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x66, 0x48, 0x0f, 0x6e,
	0xd8, 0xb9, 0x80, 0xf0, 0xfa, 0x02, 0xff, 0xc9, 0x75, 0xfc, 0x66, 0x48,
	0x0f, 0x7e, 0xdf, 0xb8, 0x2c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0xb8,
	0x00, 0x00, 0x20, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x48, 0x89, 0x38, 0xf4,
	0x0f, 0x0b,
}

// spinAt is the offset in userCode of the spin's "mov ecx, 50000000".
const spinAt = 37

const (
	codePage  = UserBase + 0x100000
	stackPage = UserBase + 0x300000
	dataPage  = UserBase + 0x200000
)

// TestUserThread runs userCode in ring 3 and checks each way it comes
// back: syscalls with their registers, interrupts that leave its vector
// registers intact while the kernel uses its own, a page fault that the
// kernel resolves and retries, and the exceptions of a privileged and an
// undefined instruction.
func TestUserThread(t *testing.T) {
	as, err := NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	defer as.Release()
	code, err := as.Map(codePage, false, true)
	if err != nil {
		t.Fatal(err)
	}
	copy(code, userCode)
	if _, err := as.Map(stackPage, true, false); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := as.Frame(dataPage); ok {
		t.Fatalf("page %#x is mapped before the test maps it", uint64(dataPage))
	}
	c := NewUserContext(as, codePage, stackPage+PageSize)

	interrupts := 0
	src, dst := make([]byte, 1<<14), make([]byte, 1<<14)
	// next runs the thread to its next exit that is not an interrupt;
	// after each interrupt the kernel copies memory, which uses the
	// vector registers.
	next := func() uint64 {
		t.Helper()
		for {
			v := c.Run()
			if v >= VecFirstIRQ && v != VecSyscall {
				interrupts++
				for i := range src {
					src[i] = byte(i + interrupts)
				}
				copy(dst, src)
				continue
			}
			return v
		}
	}

	if v := next(); v != VecSyscall || c.RAX != 42 || c.RDI != 7 {
		t.Fatalf("first exit: vector %d, RAX %d, RDI %d; want a syscall 42 with RDI 7", v, c.RAX, c.RDI)
	}
	c.RDX = 8
	if v := next(); v != VecSyscall || c.RAX != 43 || c.RDI != 8 {
		t.Fatalf("second exit: vector %d, RAX %d, RDI %d; want a syscall 43 with RDI 8", v, c.RAX, c.RDI)
	}
	// The spin must see an interrupt: a timer due in a millisecond is
	// armed before each pass, and a pass that saw none is run again from
	// the loop's start (spinAt) with XMM3 still holding its value.
	for pass := 1; ; pass++ {
		tick := time.AfterFunc(time.Millisecond, func() {})
		v := next()
		tick.Stop()
		if v != VecSyscall || c.RAX != 44 || c.RDI != 0x0123456789abcdef {
			t.Fatalf("third exit, pass %d: vector %d, RAX %d, RDI %#x; want a syscall 44 with RDI 0x123456789abcdef (XMM3)", pass, v, c.RAX, c.RDI)
		}
		if interrupts > 0 {
			break
		}
		if pass == 20 {
			t.Fatalf("no interrupt came in %d passes of the spin, each with a timer due", pass)
		}
		c.RIP = codePage + spinAt
	}
	if v := next(); v != VecPageFault {
		t.Fatalf("fourth exit: vector %d, want a page fault", v)
	}
	if addr, write, exec, present := c.PageFault(); addr != dataPage || !write || exec || present {
		t.Fatalf("page fault at %#x write %v exec %v present %v; want a write to %#x, not present", addr, write, exec, present, uint64(dataPage))
	}
	data, err := as.Map(dataPage, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if v := next(); v != VecGeneralProt {
		t.Fatalf("after the retried store: vector %d, want #GP for HLT", v)
	}
	if got := uint64(data[0]) | uint64(data[7])<<56; got != 0x01000000000000ef {
		t.Errorf("the retried store wrote %#x..., want the bytes of 0x0123456789abcdef", data[:8])
	}
	c.RIP++ // past the HLT
	if v := next(); v != VecInvalidOp {
		t.Fatalf("after HLT: vector %d, want #UD", v)
	}
	t.Logf("%d interrupts while the thread ran", interrupts)
}
