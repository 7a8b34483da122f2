package syscalls

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/object"
)

// FuzzDispatch feeds arbitrary registers and memory to Dispatch. It checks
// that no input panics the kernel and that every status a call returns is
// one its table entry documents. To reach past the first checks, the
// harness may redirect arguments: a bit of hsel turns that argument, when
// it is a handle, into one of the process's real handles; a bit of psel
// turns a pointer argument into an address inside the process's memory.
// Deadlines are clamped to at most 100µs ahead so that no call blocks for
// long, and the first words of memory hold the real handle values, so
// that handle arrays in memory can name them too.
func FuzzDispatch(f *testing.F) {
	sb := testSchemaBytes(f)
	d := abi.MsgDesc{Type: tPing, Data: memBase + 256, DataLen: 8}
	seedMem := make([]byte, 512)
	copy(seedMem[64:], descBytes(d))
	copy(seedMem[128:], sb)
	for num := range uint8(abi.NumCalls + 2) {
		f.Add(num, uint64(0), uint64(1), uint64(64), uint64(2), uint64(0), uint64(0), uint8(0xff), uint8(0xff), seedMem)
	}
	f.Add(uint8(abi.SysChannelCreate), uint64(128), uint64(len(sb)), uint64(4), uint64(480), uint64(0), uint64(0), uint8(0), uint8(0x9), seedMem)
	f.Add(uint8(abi.SysChannelWrite), uint64(0), uint64(64), uint64(0), uint64(0), uint64(0), uint64(0), uint8(1), uint8(2), seedMem)
	f.Add(uint8(abi.SysObjectWaitMany), uint64(0), uint64(2), uint64(1), uint64(0), uint64(0), uint64(0), uint8(0), uint8(1), seedMem)
	f.Fuzz(func(t *testing.T, num uint8, a0, a1, a2, a3, a4, a5 uint64, hsel, psel uint8, mem []byte) {
		k := NewDispatcher()
		var out bytes.Buffer
		p := object.NewProcess("fuzz", 32, &out)
		s, err := ipc.ParseSchema(sb)
		if err != nil {
			t.Fatal(err)
		}
		e0, e1, _ := ipc.NewChannel(s, 2)
		var hs []cap.Handle
		for _, c := range []*cap.Cap{
			cap.New(e0, EndpointRights),
			cap.New(e1, abi.RightRead|abi.RightTransfer),
			cap.New(object.NewLog("fuzz", &out), abi.RightWrite|abi.RightTransfer),
			cap.New(object.NewTimer(), TimerRights),
		} {
			h, _ := p.Handles.Install(c)
			hs = append(hs, h)
		}
		if len(mem) > 1<<16 {
			mem = mem[:1<<16]
		}
		space := &SliceSpace{Base: memBase, Mem: append(make([]byte, 0, len(mem)), mem...)}
		for i, h := range hs {
			if 4*i+4 <= len(space.Mem) {
				binary.LittleEndian.PutUint32(space.Mem[4*i:], uint32(h))
			}
		}
		args := Args{a0, a1, a2, a3, a4, a5}
		if int(num) < len(abi.Calls()) {
			for j, arg := range abi.Calls()[num].Args {
				switch arg.Kind {
				case abi.ArgHandle:
					if hsel&(1<<j) != 0 {
						args[j] = uint64(hs[args[j]%uint64(len(hs))])
					}
				case abi.ArgPtr:
					if psel&(1<<j) != 0 && len(space.Mem) > 0 {
						args[j] = memBase + args[j]%uint64(len(space.Mem))
					}
				case abi.ArgDeadline:
					if args[j] != abi.DeadlineNow {
						args[j] = k.Monotonic() + args[j]%uint64(100*time.Microsecond)
					}
				}
			}
		}
		r := k.Dispatch(&Caller{Proc: p, Mem: space}, uint64(num), args)
		if r.Errno == abi.OK {
			return
		}
		if int(num) >= len(abi.Calls()) {
			if r.Errno != abi.ENOSYS {
				t.Fatalf("syscall %d: %v, want abi.ENOSYS", num, r.Errno)
			}
			return
		}
		if !slices.Contains(abi.Calls()[num].Errors, r.Errno) {
			t.Fatalf("%s(%#x) returned %v, which its entry does not list", abi.Calls()[num].Name, args, r.Errno)
		}
	})
}
