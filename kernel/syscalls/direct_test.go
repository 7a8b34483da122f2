package syscalls

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"unsafe"

	"clk/abi"
	"clk/kernel/ipc"
	"clk/kernel/object"
)

// addrOf returns the address of b's first byte, as kernel-linked code
// passes it.
// addrOf returns the address of b's first byte, as a syscall argument.
// b is kept in pinned so that it lives on the heap: a buffer on a
// goroutine's stack could move while the call runs (the stack grows),
// and the kernel would write where it used to be.
func addrOf(b []byte) uint64 {
	pinned = append(pinned, b)
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

// pinned holds every buffer addrOf has given out.
var pinned [][]byte

func TestKernelSpaceCopies(t *testing.T) {
	var s KernelSpace
	mem := []byte("0123456789")
	got := make([]byte, 4)
	if err := s.CopyIn(got, addrOf(mem)+3); err != nil || string(got) != "3456" {
		t.Fatalf("CopyIn: %q, %v", got, err)
	}
	if err := s.CopyOut(addrOf(mem)+6, []byte("abcd")); err != nil || string(mem) != "012345abcd" {
		t.Fatalf("CopyOut: %q, %v", mem, err)
	}
}

func TestKernelSpaceRefusals(t *testing.T) {
	var s KernelSpace
	for _, tc := range []struct {
		name string
		addr uint64
		n    int
	}{
		{"nil", 0, 1},
		{"nil page", 4095, 1},
		{"wraps", math.MaxUint64 - 2, 4},
		{"wraps from the last byte", math.MaxUint64, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, tc.n)
			if err := s.CopyIn(buf, tc.addr); !errors.Is(err, abi.EFAULT) {
				t.Errorf("CopyIn: %v, want abi.EFAULT", err)
			}
			if err := s.CopyOut(tc.addr, buf); !errors.Is(err, abi.EFAULT) {
				t.Errorf("CopyOut: %v, want abi.EFAULT", err)
			}
			if ErrnoOf(s.CopyIn(buf, tc.addr)) != abi.EFAULT {
				t.Errorf("not abi.EFAULT")
			}
		})
	}
	// Nothing is dereferenced for zero bytes, wherever they are.
	if err := s.CopyIn(nil, 0); err != nil {
		t.Errorf("CopyIn of nothing at 0: %v", err)
	}
	if err := s.CopyOut(math.MaxUint64, nil); err != nil {
		t.Errorf("CopyOut of nothing at the top: %v", err)
	}
}

// TestDirectChannel drives channel_create, channel_write and channel_read
// through Direct with descriptors and buffers in Go memory, as package
// sdk does for code linked into the kernel.
func TestDirectChannel(t *testing.T) {
	k := NewDispatcher()
	var out bytes.Buffer
	p := object.NewProcess("direct", 0, &out)
	defer p.Exit(0)
	sys := Direct(k, &Caller{Proc: p, Mem: KernelSpace{}})

	if e, v := sys(abi.SysProcessSelf, [6]uint64{}); e != 0 || v != p.PID() {
		t.Fatalf("process_self: status %d, pid %d, want %d", e, v, p.PID())
	}
	if e, _ := sys(math.MaxUint32, [6]uint64{}); abi.Errno(e) != abi.ENOSYS {
		t.Errorf("unknown call: status %d, want abi.ENOSYS", e)
	}

	s, err := ipc.NewSchema(ipc.MessageSpec{Type: 1, MaxData: 16})
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := s.MarshalBinary()
	hs := make([]byte, 8)
	if e, _ := sys(abi.SysChannelCreate, [6]uint64{addrOf(schema), uint64(len(schema)), 0, addrOf(hs)}); e != 0 {
		t.Fatalf("channel_create: %v", abi.Errno(e))
	}
	h0, h1 := binary.LittleEndian.Uint32(hs), binary.LittleEndian.Uint32(hs[4:])
	if h0 == 0 || h1 == 0 || h0 == h1 || p.Handles.Len() != 2 {
		t.Fatalf("endpoints %#x %#x, %d handles", h0, h1, p.Handles.Len())
	}

	data := []byte("direct")
	wd := descBytes(abi.MsgDesc{Type: 1, Data: addrOf(data), DataLen: uint32(len(data))})
	if e, _ := sys(abi.SysChannelWrite, [6]uint64{uint64(h0), addrOf(wd), abi.DeadlineNow}); e != 0 {
		t.Fatalf("channel_write: %v", abi.Errno(e))
	}
	buf := make([]byte, 16)
	rd := descBytes(abi.MsgDesc{Data: addrOf(buf), DataLen: uint32(len(buf))})
	if e, _ := sys(abi.SysChannelRead, [6]uint64{uint64(h1), addrOf(rd), abi.DeadlineNow}); e != 0 {
		t.Fatalf("channel_read: %v", abi.Errno(e))
	}
	var got abi.MsgDesc
	got.Unmarshal((*[abi.MsgDescSize]byte)(rd))
	if got.Type != 1 || got.DataLen != uint32(len(data)) || string(buf[:got.DataLen]) != "direct" {
		t.Fatalf("read %+v, data %q", got, buf)
	}

	// A bad pointer is abi.EFAULT, as from ring 3.
	if e, _ := sys(abi.SysChannelWrite, [6]uint64{uint64(h0), 8, abi.DeadlineNow}); abi.Errno(e) != abi.EFAULT {
		t.Errorf("descriptor in the nil page: %v, want abi.EFAULT", abi.Errno(e))
	}

	if e, _ := sys(abi.SysProcessExit, [6]uint64{7}); e != 0 {
		t.Fatalf("process_exit: %v", abi.Errno(e))
	}
	if code, exited := p.ExitStatus(); !exited || code != 7 || p.Handles.Len() != 0 {
		t.Errorf("after process_exit: code %d, exited %v, %d handles", code, exited, p.Handles.Len())
	}
}
