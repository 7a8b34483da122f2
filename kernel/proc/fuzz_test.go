package proc

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/object"
	"clk/kernel/syscalls"
)

// FuzzSyscallsOfAProcess runs a process on the scripted machine whose
// thread makes the syscalls the input describes, through the real thread
// driver, address space and machine side (the calls on threads, memory
// and processes that a bare dispatcher answers with ENOSYS). It checks
// that nothing panics, that every status is one the call's entry in the
// ABI lists, and that once the process is killed everything it held is
// released. Each call takes 16 bytes of input: the number, flags that turn
// an argument into an address in the process's scratch memory or into one
// of its handles, and the arguments' low bytes; deadlines are at most
// 100 µs ahead.
func FuzzSyscallsOfAProcess(f *testing.F) {
	f.Add([]byte{abi.SysVMMap, 0, 0, 0, 0, 0x10, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{abi.SysThreadCreate, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, abi.SysFutexWake, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{abi.SysProcessSpawn, 0x15, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{abi.SysChannelCreate, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 16*16 {
			in = in[:16*16]
		}
		var hv [2]uint64 // the process's handles, once it has started
		var statuses []abi.Errno
		var nums []uint64
		done := make(chan struct{})
		var s *System
		s, m := newSystem(t, func(n int, regs Regs) []step {
			if n > 0 {
				return nil // threads and children it starts compute for ever
			}
			var steps []step
			for off := 0; off+16 <= len(in); off += 16 {
				rec := in[off : off+16]
				num := uint64(rec[0]) % (abi.NumCalls + 2)
				ptrs, hsel := rec[1], rec[2]
				steps = append(steps, step{
					see: func(r Regs) {
						if len(nums) > len(statuses) {
							statuses = append(statuses, abi.Errno(r.RAX))
						}
					},
					trap: func(r *Regs) Trap {
						var a [6]uint64
						for i := range a {
							a[i] = uint64(binary.LittleEndian.Uint16(rec[4+2*i:]))
						}
						if num < abi.NumCalls {
							for i, arg := range abi.Calls()[num].Args {
								switch {
								case arg.Kind == abi.ArgPtr && ptrs&(1<<i) != 0:
									a[i] = scratchVA + a[i]%0x800
								case arg.Kind == abi.ArgHandle && hsel&(1<<i) != 0:
									a[i] = hv[a[i]%2]
								case arg.Kind == abi.ArgDeadline && a[i] != abi.DeadlineNow:
									a[i] = s.kernel.Monotonic() + a[i]%uint64(100*time.Microsecond)
								}
							}
						}
						nums = append(nums, num)
						return sys(num, a[:]...).trap(r)
					},
				})
			}
			return append(steps, step{see: func(r Regs) {
				if len(nums) > len(statuses) {
					statuses = append(statuses, abi.Errno(r.RAX))
				}
				close(done)
			}, after: make(chan struct{})})
		})
		timer := cap.New(object.NewTimer(), syscalls.TimerRights)
		p, err := s.Spawn(progName, SpawnOptions{Handles: []*cap.Cap{timer}})
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range p.Object().Handles.List() {
			hv[i%2] = uint64(h.Handle)
		}
		select {
		case <-done:
		case <-p.Done():
		case <-time.After(stuck):
			t.Fatalf("the script did not finish: %+v", p.Info())
		}
		p.KillTree("the fuzz run is over")
		for _, q := range s.List() {
			q.Kill("the fuzz run is over")
			waitEnd(t, q)
		}
		waitEnd(t, p)
		for i, st := range statuses {
			if i >= len(nums) || st == abi.OK || nums[i] == abi.SysProcessExit || nums[i] == abi.SysThreadExit {
				continue
			}
			if nums[i] >= abi.NumCalls {
				if st != abi.ENOSYS {
					t.Fatalf("syscall %d: %v, want ENOSYS", nums[i], st)
				}
				continue
			}
			if c := abi.Calls()[nums[i]]; !slices.Contains(c.Errors, st) {
				t.Fatalf("%s returned %v, which its entry does not list", c.Name, st)
			}
		}
		checkFreed(t, s, m)
	})
}
