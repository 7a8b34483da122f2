package rng_test

import (
	"bytes"
	"errors"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/rng"
	"clk/drivers/virtio/virtiotest"
)

// entropy is a fake entropy device (type 4, one queue, 5.4) whose handler
// fills at most limit bytes of each request with a counter, so that the
// test can tell each byte's request and place.
func entropy(t *testing.T, msix int, limit int) (*virtiotest.Device, *byte) {
	t.Helper()
	var next byte
	f := virtiotest.New(virtiotest.Options{
		Type: 4, Features: 1 << 32, QueueSizes: []uint16{64},
		MSIXVectors: msix, NotifyMultiplier: 4, Defer: true,
		Handler: func(r *virtiotest.Request) uint32 {
			if len(r.Out) != 0 {
				t.Errorf("request with device-readable buffers (5.4.6.1)")
			}
			p := make([]byte, min(r.Writable(), limit))
			for i := range p {
				next++
				p[i] = next
			}
			return r.Fill(p)
		},
	})
	t.Cleanup(func() {
		for _, v := range f.Violations() {
			t.Errorf("driver requirement broken: %s", v)
		}
	})
	return f, &next
}

func TestReadFillsTheSliceWithWhatTheDeviceWrote(t *testing.T) {
	for _, c := range []struct {
		name         string
		msix         int
		vector       uint16
		limit, total int
	}{
		{"MSI-X, whole pages", 2, 1, 1 << 20, 10000},
		{"MSI-X, the device writing 100 bytes a request", 2, 1, 100, 1000},
		{"INTx", 0, virtio.NoVector, 333, 5000},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, _ := entropy(t, c.msix, c.limit)
			d, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			waits := 0
			r, err := rng.New(d, rng.Config{Vector: c.vector, Wait: func() error {
				waits++
				f.Serve()
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			p := make([]byte, c.total)
			n, err := r.Read(p)
			if err != nil || n != c.total {
				t.Fatalf("Read: %d, %v", n, err)
			}
			// The counter runs on across requests: every byte the
			// device wrote arrived, in order, and nothing else.
			for i, b := range p {
				if b != byte(i+1) {
					t.Fatalf("byte %d is %d, want %d", i, b, byte(i+1))
				}
			}
			if waits == 0 {
				t.Error("Read never waited for an interrupt")
			}
			if c.msix == 0 && f.ISRPending() != 0 {
				t.Errorf("ISR %#x left unacknowledged", f.ISRPending())
			}
		})
	}
}

func TestReadLeavesNoRandomBytesInDMAMemory(t *testing.T) {
	f, _ := entropy(t, 2, 1<<20)
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	r, err := rng.New(d, rng.Config{Vector: 1, Wait: func() error { f.Serve(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 64)
	if _, err := r.Read(p); err != nil {
		t.Fatal(err)
	}
	// The rings and the buffer are the fake's allocations: find the
	// random bytes anywhere.
	for phys := uint64(0x10_0000); phys < 0x10_0000+16*4096; phys += 4096 {
		if b, ok := f.Memory().Slice(phys, 4096); ok && bytes.Contains(b, p[:16]) {
			t.Fatalf("random bytes still at %#x", phys)
		}
	}
}

func TestAnEntropyDeviceThatGivesNothingIsBroken(t *testing.T) {
	f, _ := entropy(t, 2, 0)
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	r, err := rng.New(d, rng.Config{Vector: 1, Wait: func() error { f.Serve(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 8)); !errors.Is(err, virtio.ErrDeviceBroken) {
		t.Fatalf("Read: %v, want ErrDeviceBroken", err)
	}
}

func TestAFailedWaitStopsTheDevice(t *testing.T) {
	f, _ := entropy(t, 2, 1<<20)
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	killed := errors.New("killed")
	r, err := rng.New(d, rng.Config{Vector: 1, Wait: func() error { return killed }})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if n, err := r.Read(make([]byte, 8)); n != 0 || !errors.Is(err, killed) {
			t.Fatalf("Read: %d, %v; want 0 and the wait's error", n, err)
		}
	}
}

func TestNewRefusesOtherDevicesAndMissingWaits(t *testing.T) {
	blk := virtiotest.New(virtiotest.Options{Type: 2, Features: 1 << 32, QueueSizes: []uint16{8}, Config: make([]byte, 8)})
	d, err := blk.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rng.New(d, rng.Config{Wait: func() error { return nil }}); !errors.Is(err, rng.ErrNotEntropy) {
		t.Errorf("New on a block device: %v, want ErrNotEntropy", err)
	}
	f, _ := entropy(t, 2, 1)
	if d, err = f.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := rng.New(d, rng.Config{}); !errors.Is(err, rng.ErrNoWait) {
		t.Errorf("New without Wait: %v, want ErrNoWait", err)
	}
}
