package virtio_test

import (
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/virtiotest"
)

// Feature bits spelled out from the specification (6), so that a wrong
// constant in the package does not agree with itself.
const (
	bitEventIdx = 1 << 29
	bitVersion1 = 1 << 32
)

// newFake returns a fake device as opts say, checked at the end of the
// test for breaches of the driver requirements.
func newFake(t testing.TB, opts virtiotest.Options) *virtiotest.Device {
	t.Helper()
	f := virtiotest.New(opts)
	t.Cleanup(func() {
		for _, v := range f.Violations() {
			t.Errorf("driver requirement broken: %s", v)
		}
	})
	return f
}

// echoOptions is a device of one queue of max entries that copies what it
// reads into what it may write.
func echoOptions(max uint16, features uint64) virtiotest.Options {
	return virtiotest.Options{
		Type:             4,
		Features:         bitVersion1 | features,
		QueueSizes:       []uint16{max},
		MSIXVectors:      4,
		NotifyMultiplier: 4,
		Handler:          func(r *virtiotest.Request) uint32 { return r.Fill(r.Readable()) },
	}
}

// ready opens the fake, negotiates features, sets queue 0 up with size
// entries on MSI-X vector 1 and sets DRIVER_OK.
func ready(t testing.TB, f *virtiotest.Device, features uint64, size int) (*virtio.Device, *virtio.Queue) {
	t.Helper()
	d, err := f.Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := d.Negotiate(features); err != nil {
		t.Fatalf("Negotiate: %v", err)
	}
	q, err := d.SetupQueue(0, size, 1)
	if err != nil {
		t.Fatalf("SetupQueue: %v", err)
	}
	if err := d.Ready(); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	return d, q
}

// buffer allocates n bytes of the fake's memory.
func buffer(t testing.TB, f *virtiotest.Device, n int) ([]byte, virtio.Buffer) {
	t.Helper()
	b, phys, err := f.Memory().Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	return b[:n], virtio.Buffer{Addr: phys, Len: uint32(n)}
}
