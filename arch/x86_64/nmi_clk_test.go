//go:build clk

package x86

import (
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"
)

// syscallLoopCode makes syscall 5 100000 times, then syscall 6:
//
//	mov r12d, 100000
//	l: mov eax, 5; syscall; dec r12d; jnz l
//	mov eax, 6; syscall
//	ud2
var syscallLoopCode = []byte{
	0x41, 0xbc, 0xa0, 0x86, 0x01, 0x00, 0xb8, 0x05, 0x00, 0x00,
	0x00, 0x0f, 0x05, 0x41, 0xff, 0xcc, 0x75, 0xf4, 0xb8, 0x06,
	0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b,
}

// forgedTLS is what a hostile thread's FS base points just past: a word
// that an entry path trusting FS would take for the current g.
var forgedTLS = [2]uint64{0x4141_4141_4141_4141, 0}

// TestNMIAnywhere sends NMIs to every CPU while a user thread, whose FS
// base points at a forged g, enters and leaves ring 3 by syscalls as fast
// as it can. NMIs land in ring 3, in kernel Go code and, with more than
// one CPU, inside the windows where the CPU runs kernel code with the
// user's FS base (after SYSCALL, before SYSRET). Each must be counted and
// resume what it interrupted: the thread never sees one, and the kernel
// survives.
func TestNMIAnywhere(t *testing.T) {
	as := userProcess(t, syscallLoopCode)
	c := NewUserContext(as, codePage, stackPage+PageSize)
	// The address is the point: the thread's FS base is kernel data.
	c.FSBase = uint64(uintptr(unsafe.Pointer(&forgedTLS[1])))

	before := irqCount(VecNMI)
	var done atomic.Bool
	sent := make(chan int)
	go func() {
		n := 0
		for !done.Load() {
			for _, id := range CPUs() {
				sendNMI(id)
				n++
			}
			runtime.Gosched()
		}
		sent <- n
	}()
	syscalls := 0
	for {
		v := c.Run()
		if v == VecSyscall {
			if c.RAX == 6 {
				break
			}
			if c.RAX != 5 {
				t.Fatalf("syscall %d at RIP %#x, want 5 or 6", c.RAX, c.RIP)
			}
			syscalls++
			continue
		}
		if v < VecFirstIRQ {
			done.Store(true)
			<-sent
			t.Fatalf("the thread left ring 3 with vector %d at RIP %#x after %d syscalls", v, c.RIP, syscalls)
		}
	}
	done.Store(true)
	n := <-sent
	got := irqCount(VecNMI) - before
	t.Logf("%d NMIs sent, %d taken, across %d syscalls on %d CPUs", n, got, syscalls, len(CPUs()))
	if got == 0 {
		t.Errorf("%d NMIs sent, none counted", n)
	}
}
