package virtio_test

import (
	"errors"
	"strings"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/virtiotest"
)

// The fake's configuration space (virtiotest.buildConfigSpace) for a
// device without device-specific configuration: the capability pointer at
// 0x34 names 0x40; virtio structure capabilities (cap_vndr 0x09, cap_next
// +1, cap_len +2, cfg_type +3, bar +4, offset +8, length +12) at 0x40
// (common), 0x50 (ISR), 0x70 (notify, notify_off_multiplier +16), 0x84
// (PCI configuration access); MSI-X at 0x98; everything in BAR 4.
func TestMalformedCapabilityListsAreRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		poke func(f *virtiotest.Device)
		want error
	}{
		{"list that loops", func(f *virtiotest.Device) { f.SetConfig8(0x99, 0x50) }, virtio.ErrMalformed},
		{"list that loops on itself", func(f *virtiotest.Device) { f.SetConfig8(0x41, 0x40) }, virtio.ErrMalformed},
		{"first pointer into the header", func(f *virtiotest.Device) { f.SetConfig8(0x34, 0x3c) }, virtio.ErrMalformed},
		{"next pointer into the header", func(f *virtiotest.Device) { f.SetConfig8(0x51, 0x10) }, virtio.ErrMalformed},
		{"capability running past byte 255", func(f *virtiotest.Device) {
			f.SetConfig8(0x99, 0xf8)
			f.SetConfig32(0xf8, 0x01_10_00_09) // vendor, end of list, 16 bytes, common
		}, virtio.ErrMalformed},
		{"no capability list", func(f *virtiotest.Device) { f.SetConfig8(0x06, 0) }, virtio.ErrLegacyOnly},
		{"no common configuration", func(f *virtiotest.Device) { f.SetConfig8(0x43, 6) }, virtio.ErrLegacyOnly},
		{"common configuration in a reserved BAR", func(f *virtiotest.Device) { f.SetConfig8(0x44, 6) }, virtio.ErrLegacyOnly},
		{"common configuration past its BAR", func(f *virtiotest.Device) { f.SetConfig32(0x48, 0x3fd0) }, virtio.ErrMalformed},
		{"common configuration wrapping around", func(f *virtiotest.Device) {
			f.SetConfig32(0x48, 0xfffffffc)
			f.SetConfig32(0x4c, 0xffffffff)
		}, virtio.ErrMalformed},
		{"common configuration misaligned", func(f *virtiotest.Device) { f.SetConfig32(0x48, 2) }, virtio.ErrMalformed},
		{"common configuration too short", func(f *virtiotest.Device) { f.SetConfig32(0x4c, 0x30) }, virtio.ErrMalformed},
		{"no ISR status", func(f *virtiotest.Device) { f.SetConfig8(0x53, 0) }, virtio.ErrMalformed},
		{"ISR status of no bytes", func(f *virtiotest.Device) { f.SetConfig32(0x5c, 0) }, virtio.ErrMalformed},
		{"no notification structure", func(f *virtiotest.Device) { f.SetConfig8(0x73, 7) }, virtio.ErrMalformed},
		{"notification capability without its multiplier", func(f *virtiotest.Device) { f.SetConfig8(0x72, 16) }, virtio.ErrMalformed},
		{"odd notify_off_multiplier", func(f *virtiotest.Device) { f.SetConfig32(0x80, 3) }, virtio.ErrMalformed},
		{"notify_off_multiplier not a power of two", func(f *virtiotest.Device) { f.SetConfig32(0x80, 12) }, virtio.ErrMalformed},
		{"notification structure misaligned", func(f *virtiotest.Device) { f.SetConfig32(0x78, 0x3001) }, virtio.ErrMalformed},
		{"notification structure of one byte", func(f *virtiotest.Device) { f.SetConfig32(0x7c, 1) }, virtio.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := virtiotest.New(echoOptions(8, 0))
			c.poke(f)
			if _, err := f.Open(); !errors.Is(err, c.want) {
				t.Fatalf("Open: %v, want %v", err, c.want)
			}
		})
	}
}

func TestStructureInAnUnmappableBARIsRefusedWithTheMappingError(t *testing.T) {
	f := virtiotest.New(echoOptions(8, 0))
	f.SetConfig8(0x44, 0) // the fake has no BAR 0
	_, err := f.Open()
	if err == nil || errors.Is(err, virtio.ErrMalformed) || !strings.Contains(err.Error(), "BAR0") {
		t.Fatalf("Open: %v, want the error of mapping BAR0", err)
	}
}

func TestALaterStructureIsUsedWhenTheFirstCannotBe(t *testing.T) {
	f := newFake(t, echoOptions(8, 0))
	// The first common configuration lies outside the BAR; the PCI
	// configuration access capability at 0x84 becomes a second, good
	// one (cfg_type 1, BAR 4, offset 0, length 0x38).
	f.SetConfig32(0x48, 0x10000)
	f.SetConfig8(0x87, 1)
	f.SetConfig8(0x88, 4)
	f.SetConfig32(0x8c, 0)
	f.SetConfig32(0x90, 0x38)
	_, q := ready(t, f, 0, 8)
	if q.Size() != 8 {
		t.Fatalf("queue of %d", q.Size())
	}
}

func TestQueueNotifyOutsideTheNotificationStructureIsRefused(t *testing.T) {
	opts := echoOptions(8, 0)
	opts.QueueSizes = []uint16{8, 8}
	f := virtiotest.New(opts)
	f.SetConfig32(0x7c, 2) // room for queue 0's notify only
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetupQueue(0, 8, 0); err != nil {
		t.Fatalf("queue 0: %v", err)
	}
	if _, err := d.SetupQueue(1, 8, 1); !errors.Is(err, virtio.ErrMalformed) {
		t.Fatalf("queue 1 notifying at 4 of 2 bytes: %v, want ErrMalformed", err)
	}
}
