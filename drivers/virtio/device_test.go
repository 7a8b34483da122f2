package virtio_test

import (
	"errors"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/virtiotest"
)

func TestOpenFindsTheStructuresOfAModernDevice(t *testing.T) {
	f := newFake(t, virtiotest.Options{
		Type: 2, Features: bitVersion1, QueueSizes: []uint16{128, 64},
		Config: make([]byte, 60), MSIXVectors: 3, NotifyMultiplier: 4,
	})
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if d.Type() != virtio.TypeBlock || d.NumQueues() != 2 || d.DeviceConfigLen() != 60 {
		t.Errorf("type %v, %d queues, %d bytes of configuration; want block, 2, 60", d.Type(), d.NumQueues(), d.DeviceConfigLen())
	}
	// Memory decoding (bit 1) and bus mastering (bit 2), through the
	// command register.
	if cmd := f.Command(); cmd&6 != 6 {
		t.Errorf("command register %#x: memory decoding or bus mastering still off", cmd)
	}
	if f.Status() != 0 {
		t.Errorf("Open wrote device_status %#x; it only reads", f.Status())
	}
}

func TestTransitionalDeviceTakesItsTypeFromTheSubsystemID(t *testing.T) {
	f := newFake(t, virtiotest.Options{Type: 4, Transitional: true, Features: bitVersion1, QueueSizes: []uint16{8}})
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if d.Type() != virtio.TypeEntropy {
		t.Errorf("type %v, want entropy", d.Type())
	}
}

func TestFunctionsThatAreNotVirtioAreRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		poke func(f *virtiotest.Device)
	}{
		{"another vendor", func(f *virtiotest.Device) { f.SetConfig32(0, 0x10418086) }},
		{"device ID past the modern range", func(f *virtiotest.Device) { f.SetConfig32(0, 0x10801af4) }},
		{"device ID below the transitional range", func(f *virtiotest.Device) { f.SetConfig32(0, 0x0fff1af4) }},
		{"modern ID of the reserved type 0", func(f *virtiotest.Device) { f.SetConfig32(0, 0x10401af4) }},
		{"transitional ID with subsystem type 0", func(f *virtiotest.Device) {
			f.SetConfig32(0, 0x10001af4)
			f.SetConfig32(0x2c, 0x00001af4)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, echoOptions(8, 0))
			c.poke(f)
			if _, err := f.Open(); !errors.Is(err, virtio.ErrNotVirtio) {
				t.Fatalf("Open: %v, want ErrNotVirtio", err)
			}
		})
	}
}

func TestNegotiationRequiresVersion1(t *testing.T) {
	opts := echoOptions(8, 0)
	opts.Features = 1<<5 | bitEventIdx
	f := newFake(t, opts)
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Negotiate(1<<5 | virtio.FeatureEventIdx); !errors.Is(err, virtio.ErrLegacyOnly) {
		t.Fatalf("Negotiate: %v, want ErrLegacyOnly", err)
	}
	if f.Status()&0x80 == 0 || f.Status()&8 != 0 {
		t.Errorf("device_status %#x, want FAILED and no FEATURES_OK", f.Status())
	}
	if _, err := d.SetupQueue(0, 8, 0); !errors.Is(err, virtio.ErrState) {
		t.Errorf("SetupQueue after failed negotiation: %v, want ErrState", err)
	}
}

func TestNegotiationFailsCleanlyWhenFeaturesOKIsRefused(t *testing.T) {
	f := newFake(t, echoOptions(8, 1<<3|bitEventIdx))
	// The device will not work with feature 3 accepted.
	f.RefuseFeatures(func(accepted uint64) bool { return accepted&(1<<3) != 0 })
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	err = d.Negotiate(1<<3 | virtio.FeatureEventIdx)
	if !errors.Is(err, virtio.ErrFeaturesRefused) {
		t.Fatalf("Negotiate: %v, want ErrFeaturesRefused", err)
	}
	if f.Status()&0x80 == 0 {
		t.Errorf("device_status %#x without FAILED", f.Status())
	}
	if d.Features() != 0 {
		t.Errorf("Features %#x after a refusal, want 0", d.Features())
	}
	if _, err := d.SetupQueue(0, 8, 0); !errors.Is(err, virtio.ErrState) {
		t.Errorf("SetupQueue after refusal: %v, want ErrState", err)
	}
	if err := d.Ready(); !errors.Is(err, virtio.ErrState) {
		t.Errorf("Ready after refusal: %v, want ErrState", err)
	}
	// Negotiate starts over with a reset: with fewer features it works.
	if err := d.Negotiate(virtio.FeatureEventIdx); err != nil {
		t.Fatalf("second Negotiate: %v", err)
	}
	if want := uint64(bitVersion1 | bitEventIdx); d.Features() != want {
		t.Errorf("Features %#x, want %#x", d.Features(), want)
	}
}

func TestNegotiationAcceptsOnlyWhatIsOfferedAndSupported(t *testing.T) {
	const (
		indirect   = 1 << 28
		packed     = 1 << 34
		inOrder    = 1 << 35
		platform   = 1 << 33
		order      = 1 << 36
		reserved41 = 1 << 41
	)
	offered := uint64(1<<0 | 1<<5 | 1<<60 | indirect | bitEventIdx | bitVersion1 | platform | packed | inOrder | order | reserved41)
	f := newFake(t, echoOptions(8, offered))
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	// The driver claims more than the package implements; the package
	// accepts only device-type bits, EVENT_IDX and the bits it always
	// takes.
	if err := d.Negotiate(1<<0 | 1<<1 | 1<<60 | indirect | packed | inOrder | reserved41); err != nil {
		t.Fatal(err)
	}
	want := uint64(1<<0 | 1<<60 | bitVersion1 | platform | order)
	if d.Features() != want || f.DriverFeatures() != want {
		t.Errorf("negotiated %#x, device has %#x; want %#x", d.Features(), f.DriverFeatures(), want)
	}
	if d.Offered() != offered {
		t.Errorf("Offered %#x, want %#x", d.Offered(), offered)
	}
	if s := f.Status(); s != 1|2|8 {
		t.Errorf("device_status %#x, want ACKNOWLEDGE|DRIVER|FEATURES_OK", s)
	}
}

func TestResetWaitsForStatusZeroAndGivesUpBounded(t *testing.T) {
	f := newFake(t, echoOptions(8, 0))
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	f.SetResetDelay(1000)
	if err := d.Negotiate(0); err != nil {
		t.Fatalf("Negotiate with a slow reset: %v", err)
	}
	f.SetResetDelay(1 << 30)
	if err := d.Reset(); !errors.Is(err, virtio.ErrResetTimeout) {
		t.Fatalf("Reset of a device that never finishes: %v, want ErrResetTimeout", err)
	}
}

func TestSetupQueueTakesThePowerOfTwoNotAboveEitherSize(t *testing.T) {
	for _, c := range []struct {
		max       uint16
		requested int
		want      int
	}{
		{256, 100, 64}, {256, 1024, 256}, {256, 256, 256}, {64, 3, 2}, {32768, 40000, 32768},
	} {
		f := newFake(t, echoOptions(c.max, 0))
		_, q := ready(t, f, 0, c.requested)
		if q.Size() != c.want || f.QueueSize(0) != c.want || q.NumFree() != c.want {
			t.Errorf("max %d, asked %d: queue of %d (device %d, %d free), want %d", c.max, c.requested, q.Size(), f.QueueSize(0), q.NumFree(), c.want)
		}
	}
}

func TestSetupQueueRefusesWhatTheSpecificationForbids(t *testing.T) {
	opts := echoOptions(8, 0)
	opts.QueueSizes = []uint16{8, 0, 1}
	f := newFake(t, opts)
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetupQueue(0, 8, 0); !errors.Is(err, virtio.ErrState) {
		t.Errorf("before Negotiate: %v, want ErrState", err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name          string
		index, size   int
		vector        uint16
		want          error
		leavesNoQueue bool
	}{
		{"index past num_queues", 3, 8, 0, virtio.ErrNoQueue, true},
		{"negative index", -1, 8, 0, virtio.ErrNoQueue, true},
		{"queue of size 0", 1, 8, 0, virtio.ErrNoQueue, true},
		{"device's queue of 1", 2, 8, 0, virtio.ErrNoQueue, true},
		{"size below 2", 0, 1, 0, virtio.ErrInvalid, true},
		{"vector beyond the MSI-X table's 0x7ff", 0, 8, 0x800, virtio.ErrInvalid, true},
		{"vector the device does not have", 0, 8, 9, virtio.ErrVectorRefused, true},
	} {
		if _, err := d.SetupQueue(c.index, c.size, c.vector); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := d.SetupQueue(0, 8, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetupQueue(0, 8, 2); !errors.Is(err, virtio.ErrState) {
		t.Errorf("set up twice: %v, want ErrState", err)
	}
	if err := d.Ready(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetupQueue(0, 8, 2); !errors.Is(err, virtio.ErrState) {
		t.Errorf("after DRIVER_OK: %v, want ErrState", err)
	}
	if d.Queue(0) == nil || d.Queue(1) != nil || d.Queue(-1) != nil || f.QueueVector(0) != 2 {
		t.Errorf("Queue(0) %v, Queue(1) %v, vector %d", d.Queue(0), d.Queue(1), f.QueueVector(0))
	}
}

func TestRefusedVectorsAreReported(t *testing.T) {
	f := newFake(t, echoOptions(8, 0))
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetConfigVector(0); !errors.Is(err, virtio.ErrState) {
		t.Errorf("SetConfigVector before Negotiate, whose reset unmaps it: %v, want ErrState", err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	if err := d.SetConfigVector(0); err != nil {
		t.Fatalf("SetConfigVector(0): %v", err)
	}
	if f.ConfigVector() != 0 {
		t.Errorf("config_msix_vector %#x, want 0", f.ConfigVector())
	}
	if err := d.SetConfigVector(virtio.NoVector); err != nil {
		t.Errorf("unmapping: %v", err)
	}
	f.RefuseVectors()
	if err := d.SetConfigVector(1); !errors.Is(err, virtio.ErrVectorRefused) {
		t.Errorf("SetConfigVector on a refusing device: %v, want ErrVectorRefused", err)
	}
	if _, err := d.SetupQueue(0, 8, 1); !errors.Is(err, virtio.ErrVectorRefused) {
		t.Errorf("SetupQueue on a refusing device: %v, want ErrVectorRefused", err)
	}
	// A driver using INTx maps nothing, which a device cannot refuse.
	if _, err := d.SetupQueue(0, 8, virtio.NoVector); err != nil {
		t.Errorf("SetupQueue with NoVector: %v", err)
	}
}

func TestReadConfigRetriesUntilTheGenerationSettles(t *testing.T) {
	opts := echoOptions(8, 0)
	opts.Config = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	f := newFake(t, opts)
	d, _ := ready(t, f, 0, 8)
	reads := 0
	var lo, hi uint32
	f.ChurnGeneration(5)
	err := d.ReadConfig(func(cfg virtio.Registers) {
		reads++
		lo, hi = cfg.Read32(0), cfg.Read32(4)
	})
	if err != nil {
		t.Fatal(err)
	}
	if reads < 2 || lo != 0x04030201 || hi != 0x08070605 {
		t.Errorf("%d reads, %#x %#x; want retries and the bytes 1 to 8", reads, lo, hi)
	}
	// A field the driver reads while it changes is read again.
	reads = 0
	f.SetDeviceConfig(0, []byte{9})
	if err := d.ReadConfig(func(cfg virtio.Registers) { reads++; lo = cfg.Read32(0) }); err != nil || reads != 2 || lo != 0x04030209 {
		t.Errorf("after a change: %v, %d reads, %#x; want 2 reads of 0x04030209", err, reads, lo)
	}
	f.ChurnGeneration(1 << 20)
	if err := d.ReadConfig(func(virtio.Registers) {}); !errors.Is(err, virtio.ErrConfigUnstable) {
		t.Errorf("ReadConfig of a churning device: %v, want ErrConfigUnstable", err)
	}
	// Beyond the structure, reads are all ones: never another register.
	if v := d.DeviceConfig().Read32(8); v != 0xffffffff {
		t.Errorf("read past the device configuration: %#x", v)
	}
}

func TestISRAcknowledgesAnINTxInterrupt(t *testing.T) {
	opts := echoOptions(8, 0)
	opts.MSIXVectors = 0
	f := newFake(t, opts)
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	q, err := d.SetupQueue(0, 8, virtio.NoVector)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ready(); err != nil {
		t.Fatal(err)
	}
	_, in := buffer(t, f, 16)
	if _, err := q.Add(nil, []virtio.Buffer{in}); err != nil {
		t.Fatal(err)
	}
	if err := q.Notify(); err != nil {
		t.Fatal(err)
	}
	if f.INTx() != 1 {
		t.Fatalf("%d INTx interrupts, want 1", f.INTx())
	}
	if isr := d.ISR(); isr != virtio.ISRQueue {
		t.Errorf("ISR %#x, want the queue bit", isr)
	}
	if isr := d.ISR(); isr != 0 {
		t.Errorf("ISR %#x after the read that acknowledges, want 0", isr)
	}
	f.SetDeviceConfig(0, nil)
	if isr := d.ISR(); isr != virtio.ISRConfig {
		t.Errorf("ISR %#x after a configuration change, want the configuration bit", isr)
	}
}

func TestNeedsResetAndFailAreSeenAndStopQueues(t *testing.T) {
	f := newFake(t, echoOptions(8, 0))
	d, q := ready(t, f, 0, 8)
	if d.NeedsReset() {
		t.Fatal("NeedsReset on a healthy device")
	}
	f.Break()
	if !d.NeedsReset() {
		t.Fatal("NeedsReset false after DEVICE_NEEDS_RESET")
	}
	if f.Interrupts(virtio.NoVector) != 0 {
		t.Error("configuration change sent on an unmapped vector")
	}
	d.Fail()
	if f.Status()&0x80 == 0 {
		t.Errorf("device_status %#x without FAILED", f.Status())
	}
	_, in := buffer(t, f, 8)
	if _, err := q.Add(nil, []virtio.Buffer{in}); !errors.Is(err, virtio.ErrStopped) {
		t.Errorf("Add after Fail: %v, want ErrStopped", err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	if d.NeedsReset() {
		t.Error("NeedsReset after a reset")
	}
}

func TestRingMemoryIsReusedAcrossResets(t *testing.T) {
	f := newFake(t, echoOptions(64, 0))
	f.Memory().Limit = 4 * 4096
	d, q := ready(t, f, 0, 64)
	for range 10 {
		if err := d.Negotiate(0); err != nil {
			t.Fatal(err)
		}
		var err error
		if q, err = d.SetupQueue(0, 64, 1); err != nil {
			t.Fatalf("SetupQueue after a reset: %v", err)
		}
		if err := d.Ready(); err != nil {
			t.Fatal(err)
		}
	}
	if q.NumFree() != 64 {
		t.Errorf("%d free after setup, want 64", q.NumFree())
	}
}

// badDMA gives memory whose bus address is not 16-byte aligned.
type badDMA struct{ m *virtiotest.Memory }

func (b badDMA) Alloc(n int) ([]byte, uint64, error) {
	buf, phys, err := b.m.Alloc(n)
	return buf, phys + 8, err
}

func TestUnusableDMAMemoryIsRefused(t *testing.T) {
	f := newFake(t, echoOptions(64, 0))
	d, err := virtio.Open(f.Config(), f.BARs(), badDMA{f.Memory()})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetupQueue(0, 64, 1); !errors.Is(err, virtio.ErrDMA) {
		t.Errorf("SetupQueue with misaligned rings: %v, want ErrDMA", err)
	}
	f.Memory().Limit = 1
	d, err = f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetupQueue(0, 64, 1); !errors.Is(err, virtiotest.ErrNoMemory) {
		t.Errorf("SetupQueue without memory: %v, want the allocator's error", err)
	}
}
