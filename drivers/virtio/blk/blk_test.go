package blk_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/blk"
	"clk/drivers/virtio/virtiotest"
)

// disk is a fake virtio block device (5.2) backed by a byte slice. Its
// configuration is struct virtio_blk_config (5.2.4): capacity at 0,
// size_max 8, seg_max 12, blk_size 20. Requests are parsed from the
// chain as the device sees it (5.2.6): the 16-byte header (le32 type,
// le32 reserved, le64 sector) in the readable buffers, data after it, the
// status byte last of the writable ones.
type disk struct {
	*virtiotest.Device
	mu       sync.Mutex
	image    []byte
	readOnly bool
	status   byte // when not 0, the status every request gets
	short    bool // reads report one byte fewer than they wrote
	flushes  int
	requests int
}

func newDisk(t *testing.T, sectors int, features uint64, mutate func(*virtiotest.Options)) *disk {
	t.Helper()
	k := &disk{image: make([]byte, sectors*512), readOnly: features&(1<<5) != 0}
	cfg := make([]byte, 64)
	binary.LittleEndian.PutUint64(cfg[0:], uint64(sectors))
	binary.LittleEndian.PutUint32(cfg[8:], 8192)
	binary.LittleEndian.PutUint32(cfg[12:], 4)
	binary.LittleEndian.PutUint32(cfg[20:], 4096)
	opts := virtiotest.Options{
		Type: 2, Features: 1<<32 | 1<<29 | features, QueueSizes: []uint16{64},
		Config: cfg, MSIXVectors: 2, NotifyMultiplier: 4, Defer: true,
		Handler: k.serve,
	}
	if mutate != nil {
		mutate(&opts)
	}
	k.Device = virtiotest.New(opts)
	t.Cleanup(func() {
		for _, v := range k.Violations() {
			t.Errorf("driver requirement broken: %s", v)
		}
	})
	return k
}

func (k *disk) serve(r *virtiotest.Request) uint32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests++
	out := r.Readable()
	if len(out) < 16 || r.Writable() < 1 {
		panic(fmt.Sprintf("request of %d readable and %d writable bytes", len(out), r.Writable()))
	}
	typ := binary.LittleEndian.Uint32(out)
	sector := binary.LittleEndian.Uint64(out[8:])
	status := byte(0)
	var data []byte
	switch typ {
	case 0: // VIRTIO_BLK_T_IN
		n := uint64(r.Writable() - 1)
		if n%512 != 0 || sector*512+n > uint64(len(k.image)) {
			status = 1
			break
		}
		data = k.image[sector*512 : sector*512+n]
	case 1: // VIRTIO_BLK_T_OUT
		in := out[16:]
		switch {
		case k.readOnly:
			status = 1 // IOERR for writes to a read-only disk (5.2.6.2)
		case len(in)%512 != 0 || sector*512+uint64(len(in)) > uint64(len(k.image)):
			status = 1
		default:
			copy(k.image[sector*512:], in)
		}
	case 4: // VIRTIO_BLK_T_FLUSH
		if sector != 0 || len(out) != 16 {
			status = 1
		}
		k.flushes++
	default:
		status = 2
	}
	if k.status != 0 {
		status, data = k.status, nil
	}
	p := append(append([]byte(nil), data...), status)
	if r.Writable() != len(p) {
		// The status byte is the last writable byte.
		p = append(make([]byte, r.Writable()-1), status)
		copy(p, data)
	}
	n := r.Fill(p)
	if typ != 0 {
		n = 1
	} else if k.short {
		n--
	}
	return n
}

func (k *disk) set(f func(k *disk)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f(k)
}

// open makes a blk.Disk of the fake whose Wait serves what the driver
// made available.
func (k *disk) open(t *testing.T) *blk.Disk {
	t.Helper()
	d, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, err := blk.New(d, blk.Config{Vector: 1, Wait: func() error { k.Serve(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buffers(t *testing.T, k *disk, sizes ...int) ([][]byte, []virtio.Buffer) {
	t.Helper()
	var bs [][]byte
	var vs []virtio.Buffer
	for _, n := range sizes {
		b, phys, err := k.Memory().Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b[:n])
		vs = append(vs, virtio.Buffer{Addr: phys, Len: uint32(n)})
	}
	return bs, vs
}

func TestNewReadsTheConfigurationTheFeaturesDescribe(t *testing.T) {
	k := newDisk(t, 1000, 1<<1|1<<2|1<<6|1<<9, nil)
	b := k.open(t)
	if b.Capacity() != 1000 || b.BlockSize() != 4096 || b.MaxSegments() != 4 || b.MaxSegmentSize() != 8192 || b.ReadOnly() || !b.CanFlush() {
		t.Errorf("capacity %d, block %d, segments %d of %d, read-only %v, flush %v",
			b.Capacity(), b.BlockSize(), b.MaxSegments(), b.MaxSegmentSize(), b.ReadOnly(), b.CanFlush())
	}
	// Without the features, the fields are not read: no limits, and
	// 512-byte blocks.
	k = newDisk(t, 1000, 0, nil)
	b = k.open(t)
	if b.BlockSize() != 512 || b.MaxSegments() != 62 || b.MaxSegmentSize() != 0 || b.CanFlush() {
		t.Errorf("without features: block %d, segments %d of %d, flush %v", b.BlockSize(), b.MaxSegments(), b.MaxSegmentSize(), b.CanFlush())
	}
}

func TestNewRefusesAConfigurationTooShortForItsFeatures(t *testing.T) {
	k := newDisk(t, 8, 1<<6, func(o *virtiotest.Options) { o.Config = o.Config[:20] })
	d, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blk.New(d, blk.Config{Wait: func() error { return nil }}); !errors.Is(err, virtio.ErrMalformed) {
		t.Fatalf("New: %v, want ErrMalformed", err)
	}
}

func TestWrittenSectorsReadBack(t *testing.T) {
	k := newDisk(t, 64, 1<<9, nil)
	b := k.open(t)
	w, wv := buffers(t, k, 512, 1024)
	for i := range w {
		for j := range w[i] {
			w[i][j] = byte(i*7 + j)
		}
	}
	if err := b.WriteSectors(10, wv...); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	r, rv := buffers(t, k, 1024, 512)
	if err := b.ReadSectors(10, rv...); err != nil {
		t.Fatal(err)
	}
	if got, want := append(r[0], r[1]...), append(w[0], w[1]...); !bytes.Equal(got, want) {
		t.Error("sectors read back differ from those written")
	}
	if !bytes.Equal(k.image[10*512:13*512], append(w[0], w[1]...)) {
		t.Error("the disk holds other bytes than those written")
	}
	if k.flushes != 1 {
		t.Errorf("%d flush requests, want 1", k.flushes)
	}
}

func TestRequestsBeyondTheDiskOrTheLimitsAreRefusedUnsent(t *testing.T) {
	k := newDisk(t, 100, 1<<1|1<<2, nil)
	b := k.open(t)
	_, v := buffers(t, k, 512, 1024, 8192, 8704, 100)
	one, two, big, tooBig, odd := v[0], v[1], v[2], v[3], v[4]
	for _, c := range []struct {
		name   string
		sector uint64
		data   []virtio.Buffer
		want   error
	}{
		{"at the capacity", 100, []virtio.Buffer{one}, blk.ErrOutOfRange},
		{"running past the capacity", 99, []virtio.Buffer{two}, blk.ErrOutOfRange},
		{"far past, wrapping 64 bits", 1<<64 - 1, []virtio.Buffer{two}, blk.ErrOutOfRange},
		{"no data", 0, nil, blk.ErrBadRequest},
		{"not whole sectors", 0, []virtio.Buffer{odd}, blk.ErrBadRequest},
		{"more segments than seg_max", 0, []virtio.Buffer{one, one, one, one, one}, blk.ErrBadRequest},
		{"a segment over size_max", 0, []virtio.Buffer{tooBig}, blk.ErrBadRequest},
	} {
		if err := b.ReadSectors(c.sector, c.data...); !errors.Is(err, c.want) {
			t.Errorf("read %s: %v, want %v", c.name, err, c.want)
		}
		if err := b.WriteSectors(c.sector, c.data...); !errors.Is(err, c.want) {
			t.Errorf("write %s: %v, want %v", c.name, err, c.want)
		}
	}
	if k.Kicks(0) != 0 || k.requests != 0 {
		t.Errorf("%d notifications, %d requests for refused requests", k.Kicks(0), k.requests)
	}
	if err := b.ReadSectors(81, big, one, one, one); err != nil {
		t.Errorf("the largest request that fits: %v", err)
	}
}

func TestAReadOnlyDiskRefusesWrites(t *testing.T) {
	k := newDisk(t, 8, 1<<5, nil)
	b := k.open(t)
	_, v := buffers(t, k, 512)
	if !b.ReadOnly() {
		t.Fatal("ReadOnly false with VIRTIO_BLK_F_RO")
	}
	if err := b.WriteSectors(0, v...); !errors.Is(err, blk.ErrReadOnly) {
		t.Errorf("WriteSectors: %v, want ErrReadOnly", err)
	}
	if err := b.ReadSectors(0, v...); err != nil {
		t.Errorf("ReadSectors: %v", err)
	}
}

func TestFlushWithoutTheFeatureSendsNothing(t *testing.T) {
	k := newDisk(t, 8, 0, nil)
	b := k.open(t)
	if err := b.Flush(); err != nil || k.requests != 0 {
		t.Errorf("Flush: %v, %d requests", err, k.requests)
	}
}

func TestDeviceStatusesBecomeTypedErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(k *disk)
		want error
	}{
		{"IOERR", func(k *disk) { k.status = 1 }, blk.ErrIO},
		{"UNSUPP", func(k *disk) { k.status = 2 }, blk.ErrUnsupported},
		{"undefined status", func(k *disk) { k.status = 9 }, blk.ErrIO},
		{"short read", func(k *disk) { k.short = true }, blk.ErrIO},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newDisk(t, 8, 0, nil)
			b := k.open(t)
			_, v := buffers(t, k, 1024)
			k.set(c.set)
			if err := b.ReadSectors(0, v...); !errors.Is(err, c.want) {
				t.Fatalf("ReadSectors: %v, want %v", err, c.want)
			}
			// A failed request leaves the disk usable.
			k.set(func(k *disk) { k.status, k.short = 0, false })
			if err := b.ReadSectors(0, v...); err != nil {
				t.Fatalf("next ReadSectors: %v", err)
			}
		})
	}
}

// TestSeveralRequestsAreInFlightAndCompleteOutOfOrder has n goroutines
// read at once. The Wait of whichever is waiting holds the device until
// all n requests are available, then completes them last first: each
// goroutine must get its own sectors.
func TestSeveralRequestsAreInFlightAndCompleteOutOfOrder(t *testing.T) {
	const n = 8
	k := newDisk(t, 64, 0, nil)
	for i := range k.image {
		k.image[i] = byte(i / 512)
	}
	d, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	var pending []*virtiotest.Request
	completed, most := 0, 0
	wait := func() error {
		for spins := 0; len(pending)+completed < n; spins++ {
			if spins > 1e7 {
				return errors.New("requests never all arrived")
			}
			pending = append(pending, k.Take(0)...)
			runtime.Gosched()
		}
		most = max(most, len(pending))
		for _, r := range slices.Backward(pending) {
			k.Complete(r, k.serve(r))
			completed++
		}
		pending = nil
		return nil
	}
	b, err := blk.New(d, blk.Config{Vector: 1, Wait: wait})
	if err != nil {
		t.Fatal(err)
	}
	bufs, vs := buffers(t, k, slices.Repeat([]int{512}, n)...)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = b.ReadSectors(uint64(3*i), vs[i]) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || bufs[i][0] != byte(3*i) || bufs[i][511] != byte(3*i) {
			t.Errorf("reader %d: %v, sector %d", i, errs[i], bufs[i][0])
		}
	}
	if most != n {
		t.Errorf("at most %d requests in flight, want %d", most, n)
	}
}

func TestRequestsWaitForRoomInAFullQueue(t *testing.T) {
	// A queue of 8 holds two requests of 3 buffers.
	k := newDisk(t, 64, 0, func(o *virtiotest.Options) { o.QueueSizes = []uint16{8} })
	b := k.open(t)
	const n = 12
	bufs, vs := buffers(t, k, slices.Repeat([]int{512}, n)...)
	for i := range n {
		for j := range bufs[i] {
			bufs[i][j] = byte(i)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = b.WriteSectors(uint64(i), vs[i]) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || k.image[512*i] != byte(i) {
			t.Errorf("writer %d: %v, disk has %d", i, errs[i], k.image[512*i])
		}
	}
}

func TestAFailedWaitEndsTheDisk(t *testing.T) {
	k := newDisk(t, 8, 0, nil)
	d, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	killed := errors.New("killed")
	b, err := blk.New(d, blk.Config{Vector: 1, Wait: func() error { return killed }})
	if err != nil {
		t.Fatal(err)
	}
	_, v := buffers(t, k, 512)
	for range 2 {
		if err := b.ReadSectors(0, v...); !errors.Is(err, killed) {
			t.Fatalf("ReadSectors: %v, want the wait's error", err)
		}
	}
	if k.Status() != 0 {
		t.Errorf("device_status %#x: the ended disk's device was not reset", k.Status())
	}
}

func TestABrokenDeviceEndsTheDisk(t *testing.T) {
	k := newDisk(t, 8, 0, nil)
	b := k.open(t)
	_, v := buffers(t, k, 512)
	k.Tamper(func(_ int, id, _ *uint32) { *id += 1 })
	if err := b.ReadSectors(0, v...); !errors.Is(err, virtio.ErrDeviceBroken) {
		t.Fatalf("ReadSectors: %v, want ErrDeviceBroken", err)
	}
	k.Tamper(nil)
	if err := b.ReadSectors(0, v...); !errors.Is(err, virtio.ErrDeviceBroken) {
		t.Fatalf("ReadSectors after: %v, want the disk ended", err)
	}
}

func TestINTxInterruptsAreAcknowledged(t *testing.T) {
	k := newDisk(t, 8, 0, func(o *virtiotest.Options) { o.MSIXVectors = 0 })
	d, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, err := blk.New(d, blk.Config{Vector: virtio.NoVector, Wait: func() error { k.Serve(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	_, v := buffers(t, k, 512)
	if err := b.ReadSectors(0, v...); err != nil {
		t.Fatal(err)
	}
	if k.INTx() == 0 || k.ISRPending() != 0 {
		t.Errorf("%d INTx interrupts, ISR %#x left", k.INTx(), k.ISRPending())
	}
}

func TestNewRefusesOtherDevicesAndMissingWaits(t *testing.T) {
	rng := virtiotest.New(virtiotest.Options{Type: 4, Features: 1 << 32, QueueSizes: []uint16{8}})
	d, err := rng.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blk.New(d, blk.Config{Wait: func() error { return nil }}); !errors.Is(err, blk.ErrNotBlock) {
		t.Errorf("New on an entropy device: %v, want ErrNotBlock", err)
	}
	k := newDisk(t, 8, 0, nil)
	if d, err = k.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := blk.New(d, blk.Config{}); !errors.Is(err, blk.ErrNoWait) {
		t.Errorf("New without Wait: %v, want ErrNoWait", err)
	}
}
