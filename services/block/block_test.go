package block

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"clk/abi"
	"clk/kernel/object"
	"clk/kernel/syscalls"
	"clk/sdk"
)

// memDisk is a disk in memory that can be told to fail.
type memDisk struct {
	data     []byte
	readOnly bool
	fail     bool
	flushes  int
}

func (d *memDisk) SectorSize() int { return 512 }
func (d *memDisk) Sectors() int64  { return int64(len(d.data) / 512) }
func (d *memDisk) ReadOnly() bool  { return d.readOnly }
func (d *memDisk) ReadSectors(p []byte, first int64) error {
	if d.fail {
		return errors.New("device gone")
	}
	copy(p, d.data[first*512:])
	return nil
}
func (d *memDisk) WriteSectors(p []byte, first int64) error {
	if d.fail {
		return errors.New("device gone")
	}
	copy(d.data[first*512:], p)
	return nil
}
func (d *memDisk) Flush() error { d.flushes++; return nil }

// serve starts a service over disk in a kernel on the host and returns
// the client's end; both ends speak through the direct backend as one
// process.
func serve(t *testing.T, disk Device) sdk.Channel {
	t.Helper()
	p := object.NewProcess(t.Name(), 0, nil)
	sdk.SetBackend(syscalls.Direct(syscalls.NewDispatcher(), &syscalls.Caller{Proc: p, Mem: syscalls.KernelSpace{}}))
	t.Cleanup(func() {
		p.Exit(0)
		sdk.SetBackend(nil)
	})
	mine, theirs, err := sdk.NewChannel(Schema, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Serve(theirs, disk) }()
	t.Cleanup(func() {
		mine.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return mine
}

func TestClientReadsWhatItWroteAcrossChunks(t *testing.T) {
	disk := &memDisk{data: make([]byte, 1<<20)}
	c, err := Dial(serve(t, disk))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sectors() != 2048 || c.SectorSize() != 512 || c.ReadOnly() {
		t.Fatalf("info: %d sectors of %d, read-only %v", c.Sectors(), c.SectorSize(), c.ReadOnly())
	}
	want := make([]byte, 3*abi.BlockMaxIO+512) // more than three requests' worth
	rand.NewChaCha8([32]byte{1}).Read(want)
	if err := c.WriteSectors(want, 7); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if err := c.ReadSectors(got, 7); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || !bytes.Equal(disk.data[7*512:7*512+len(want)], want) {
		t.Fatal("read back differs from what was written")
	}
	if err := c.Flush(); err != nil || disk.flushes != 1 {
		t.Fatalf("flush: %v, device saw %d", err, disk.flushes)
	}
}

func TestServiceRefusesWhatLiesOutsideTheDisk(t *testing.T) {
	disk := &memDisk{data: make([]byte, 64*512)}
	ch := serve(t, disk)
	rb := make([]byte, abi.BlockStatusSize+abi.BlockMaxIO)
	for _, tc := range []struct {
		name string
		typ  uint32
		data []byte
		want abi.Errno
	}{
		{"past the end", abi.BlockRead, abi.BlockRequest{Sector: 63, Count: 2}.Marshal(nil), abi.EINVAL},
		{"wrapping", abi.BlockRead, abi.BlockRequest{Sector: 1<<64 - 1, Count: 2}.Marshal(nil), abi.EINVAL},
		{"zero sectors", abi.BlockRead, abi.BlockRequest{Sector: 0, Count: 0}.Marshal(nil), abi.EINVAL},
		{"too many sectors", abi.BlockRead, abi.BlockRequest{Sector: 0, Count: abi.BlockMaxIO/512 + 1}.Marshal(nil), abi.EINVAL},
		{"short header", abi.BlockRead, []byte{1, 2, 3}, abi.EINVAL},
		{"data shorter than its count", abi.BlockWrite, append(abi.BlockRequest{Sector: 0, Count: 2}.Marshal(nil), make([]byte, 512)...), abi.EINVAL},
		{"unknown type", 99, nil, abi.EINVAL},
	} {
		typ := tc.typ
		if typ == 99 {
			// The schema stops unknown types at the kernel: nothing to reply.
			if _, err := ch.Call(typ, tc.data, nil, rb, nil, sdk.Never); !errors.Is(err, abi.ESCHEMA) {
				t.Errorf("%s: %v, want ESCHEMA", tc.name, err)
			}
			continue
		}
		m, err := ch.Call(typ, tc.data, nil, rb, nil, sdk.Never)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := abi.BlockStatusOf(m.Data); got != tc.want {
			t.Errorf("%s: status %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDeviceErrorsAndReadOnlyDisksAreStatuses(t *testing.T) {
	disk := &memDisk{data: make([]byte, 64*512), readOnly: true}
	c, err := Dial(serve(t, disk))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteSectors(make([]byte, 512), 0); !errors.Is(err, abi.EACCES) {
		t.Fatalf("write to a read-only disk: %v", err)
	}
	disk.fail = true
	if err := c.ReadSectors(make([]byte, 512), 0); !errors.Is(err, abi.EIO) {
		t.Fatalf("read from a failed device: %v", err)
	}
	disk.fail = false
	if err := c.ReadSectors(make([]byte, 512), 0); err != nil {
		t.Fatalf("the service did not survive a device error: %v", err)
	}
	if err := c.ReadSectors(make([]byte, 100), 0); !errors.Is(err, ErrRange) {
		t.Fatalf("part of a sector: %v", err)
	}
}
