//go:build clk

package x86

import "testing"

// tfSyscallCode sets TF with POPF right before a SYSCALL:
//
//	pushfq; or qword [rsp], 0x100; mov eax, 7; popfq
//	syscall
//	mov eax, 8; syscall
//	ud2
var tfSyscallCode = []byte{
	0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0xb8,
	0x07, 0x00, 0x00, 0x00, 0x9d, 0x0f, 0x05, 0xb8, 0x08, 0x00,
	0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b,
}

// TestSyscallWithTrapFlag checks that a SYSCALL made with TF set brings
// no debug exception into the kernel's entry path: the thread sees its
// syscall, then at most a single-step trap in ring 3.
func TestSyscallWithTrapFlag(t *testing.T) {
	as := userProcess(t, tfSyscallCode)
	c := NewUserContext(as, codePage, stackPage+PageSize)
	var seen []uint64
	for len(seen) < 6 {
		v := c.Run()
		if v >= VecFirstIRQ && v != VecSyscall {
			continue
		}
		if v == VecSyscall {
			seen = append(seen, 1000+c.RAX)
			if c.RAX == 8 {
				break
			}
			continue
		}
		seen = append(seen, v)
		if v != VecDebug {
			t.Fatalf("vector %d at RIP %#x, want only syscalls and single-step traps", v, c.RIP)
		}
	}
	// Syscalls are 1000 plus their number; a single-step trap in ring 3
	// may come between them.
	var calls []uint64
	for _, e := range seen {
		if e != VecDebug {
			calls = append(calls, e)
		}
	}
	if len(calls) != 2 || calls[0] != 1007 || calls[1] != 1008 {
		t.Fatalf("exits %v, want syscalls 7 and 8 (1007, 1008), with #DB (1) at most between", seen)
	}
	t.Logf("exits: %v", seen)
}
