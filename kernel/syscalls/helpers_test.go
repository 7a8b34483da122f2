package syscalls

import (
	"bytes"
	"encoding/binary"
	"testing"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/object"
)

const (
	memBase = 0x40_0000
	memSize = 1 << 20
)

// proc is a process with a flat address space and a bump allocator in it.
type proc struct {
	t    testing.TB
	k    *Dispatcher
	p    *object.Process
	mem  *SliceSpace
	next uint64
	out  bytes.Buffer
}

func newProc(t testing.TB, k *Dispatcher, name string) *proc {
	pr := &proc{t: t, k: k, mem: &SliceSpace{Base: memBase, Mem: make([]byte, memSize)}, next: memBase}
	pr.p = object.NewProcess(name, 0, &pr.out)
	return pr
}

func (pr *proc) caller() *Caller { return &Caller{Proc: pr.p, Mem: pr.mem} }

func (pr *proc) sys(num uint64, args ...uint64) Result {
	var a Args
	copy(a[:], args)
	return pr.k.Dispatch(pr.caller(), num, a)
}

// must runs a call that must succeed and returns its value.
func (pr *proc) must(num uint64, args ...uint64) uint64 {
	pr.t.Helper()
	r := pr.sys(num, args...)
	if r.Errno != abi.OK {
		pr.t.Fatalf("%s: %v", abi.Calls()[num].Name, r.Errno)
	}
	return r.Value
}

// alloc reserves n bytes (8-aligned) and returns their address.
func (pr *proc) alloc(n int) uint64 {
	a := pr.next
	pr.next += uint64(n+7) &^ 7
	if pr.next > memBase+memSize {
		pr.t.Fatal("test address space exhausted")
	}
	return a
}

// put copies b into fresh user memory.
func (pr *proc) put(b []byte) uint64 {
	a := pr.alloc(len(b))
	pr.mem.CopyOut(a, b)
	return a
}

func (pr *proc) get(addr uint64, n int) []byte {
	b := make([]byte, n)
	if err := pr.mem.CopyIn(b, addr); err != nil {
		pr.t.Fatal(err)
	}
	return b
}

func (pr *proc) u32s(addr uint64, n int) []uint32 {
	b := pr.get(addr, 4*n)
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

// desc writes a message descriptor for data and handles.
func (pr *proc) desc(typ uint32, data []byte, hs ...uint32) uint64 {
	d := abi.MsgDesc{Type: typ, DataLen: uint32(len(data)), HandlesLen: uint32(len(hs))}
	if len(data) > 0 {
		d.Data = pr.put(data)
	}
	if len(hs) > 0 {
		d.Handles = pr.put(putU32s(hs))
	}
	return pr.put(descBytes(d))
}

// rdesc writes a descriptor with room for n bytes and m handles.
func (pr *proc) rdesc(n, m int) uint64 {
	d := abi.MsgDesc{Data: pr.alloc(n), DataLen: uint32(n), Handles: pr.alloc(4 * m), HandlesLen: uint32(m)}
	return pr.put(descBytes(d))
}

func (pr *proc) readDesc(addr uint64) abi.MsgDesc {
	d, err := readDesc(pr.mem, addr)
	if err != nil {
		pr.t.Fatal(err)
	}
	return d
}

// Message types of the test schema.
const (
	tPing  = 1 // up to 64 bytes
	tGrant = 2 // one channel endpoint with read and write
	tLog   = 3 // one log with write
)

func testSchemaBytes(t testing.TB) []byte {
	s, err := ipc.NewSchema(
		ipc.MessageSpec{Type: tPing, MaxData: 64},
		ipc.MessageSpec{Type: tGrant, MaxData: 0, Handles: []ipc.HandleSpec{{Type: abi.TypeChannel, Rights: abi.RightRead | abi.RightWrite}}},
		ipc.MessageSpec{Type: tLog, MaxData: 0, Handles: []ipc.HandleSpec{{Type: abi.TypeLog, Rights: abi.RightWrite}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.MarshalBinary()
	return b
}

// channel creates a channel in pr through channel_create.
func (pr *proc) channel() (uint32, uint32) {
	pr.t.Helper()
	sb := testSchemaBytes(pr.t)
	out := pr.alloc(8)
	pr.must(abi.SysChannelCreate, pr.put(sb), uint64(len(sb)), 4, out)
	hs := pr.u32s(out, 2)
	return hs[0], hs[1]
}

// bootstrap connects a and b with a channel the kernel installs, as a
// process spawn with handles will.
func bootstrap(t testing.TB, a, b *proc) (uint32, uint32) {
	s, err := ipc.ParseSchema(testSchemaBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	ea, eb, err := ipc.NewChannel(s, 4)
	if err != nil {
		t.Fatal(err)
	}
	ha, _ := a.p.Handles.Install(cap.New(ea, EndpointRights))
	hb, _ := b.p.Handles.Install(cap.New(eb, EndpointRights))
	return uint32(ha), uint32(hb)
}

// descBytes returns d as it lies in user memory.
func descBytes(d abi.MsgDesc) []byte {
	b := d.Marshal()
	return b[:]
}
