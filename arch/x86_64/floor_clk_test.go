//go:build clk

package x86

import "testing"

// bounceCode makes syscall 1 for ever, the least a ring-3 side of a round
// trip can do:
//
//	l: mov eax, 1; syscall; jmp l
var bounceCode = []byte{0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7}

// BenchmarkRing3BounceFloor is the floor under a round trip between two
// processes in clk's design, where a kernel goroutine drives each user
// thread: per operation, thread A's SYSCALL back into its goroutine, an
// entry into thread B (its CR3 loaded, SYSRET), B's SYSCALL, and the entry
// back into A. No channel, no scheduler hand-off between goroutines, no
// syscall decoding: whatever IPC adds on top of this is its own cost.
// make bench-ipc prints it next to the round trip of programs/ipcbench.
func BenchmarkRing3BounceFloor(b *testing.B) {
	a := NewUserContext(userProcess(b, bounceCode), codePage, stackPage+PageSize)
	c := NewUserContext(userProcess(b, bounceCode), codePage, stackPage+PageSize)
	runToSyscall(b, a)
	runToSyscall(b, c)
	b.ResetTimer()
	for range b.N {
		runToSyscall(b, a)
		runToSyscall(b, c)
	}
}

// BenchmarkRing3BounceOneSpace is BenchmarkRing3BounceFloor with both
// threads in one address space: the difference is the cost of switching
// CR3 twice (and, under TCG, of refilling its software TLB).
func BenchmarkRing3BounceOneSpace(b *testing.B) {
	space := userProcess(b, bounceCode)
	a := NewUserContext(space, codePage, stackPage+PageSize)
	c := NewUserContext(space, codePage, stackPage+PageSize)
	runToSyscall(b, a)
	runToSyscall(b, c)
	b.ResetTimer()
	for range b.N {
		runToSyscall(b, a)
		runToSyscall(b, c)
	}
}
