package rng

import (
	"errors"
	"fmt"
	"sync"

	"clk/drivers/virtio"
)

// ErrNotEntropy: New was given a device of another type.
var ErrNotEntropy = errors.New("rng: not an entropy device")

// ErrNoWait: New was given no Config.Wait.
var ErrNoWait = errors.New("rng: no way to wait for interrupts")

// bufferSize is the DMA page a request fills: one allocation, one
// descriptor.
const bufferSize = 4096

// Config is how the driver takes interrupts.
type Config struct {
	// Vector is the MSI-X table entry the kernel programmed for the
	// request queue, or virtio.NoVector when the device interrupts
	// through INTx.
	Vector uint16
	// Wait blocks until the device interrupts, and returns at once if
	// it interrupted since the previous call. An error stops the
	// device.
	Wait func() error
}

// Device is a virtio entropy device.
type Device struct {
	mu   sync.Mutex
	dev  *virtio.Device
	q    *virtio.Queue
	buf  []byte
	phys uint64
	cfg  Config
	err  error // once set, every Read fails with it
}

// New initializes the entropy device d (3.1.1): features, the request
// queue (5.4.2), DRIVER_OK.
func New(d *virtio.Device, cfg Config) (*Device, error) {
	if d.Type() != virtio.TypeEntropy {
		return nil, fmt.Errorf("%v device: %w", d.Type(), ErrNotEntropy)
	}
	if cfg.Wait == nil {
		return nil, ErrNoWait
	}
	if err := d.Negotiate(virtio.FeatureEventIdx); err != nil {
		return nil, fmt.Errorf("rng: %w", err)
	}
	// One request is in flight at a time: the smallest queue holds it.
	q, err := d.SetupQueue(0, 2, cfg.Vector)
	if err != nil {
		d.Fail()
		return nil, fmt.Errorf("rng: %w", err)
	}
	buf, phys, err := d.DMA().Alloc(bufferSize)
	if err != nil || len(buf) < bufferSize {
		d.Fail()
		return nil, fmt.Errorf("rng: allocate %d bytes, got %d: %w", bufferSize, len(buf), errors.Join(err, virtio.ErrDMA))
	}
	if err := d.Ready(); err != nil {
		return nil, fmt.Errorf("rng: %w", err)
	}
	return &Device{dev: d, q: q, buf: buf[:bufferSize], phys: phys, cfg: cfg}, nil
}

// Read fills p with random bytes from the device and returns len(p), or
// fewer with the error that stopped it: the device broke the queue's
// protocol or returned no bytes (errors wrapping virtio.ErrDeviceBroken),
// or Wait failed.
func (r *Device) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		if r.err != nil {
			return n, r.err
		}
		got, err := r.request(min(len(p)-n, len(r.buf)))
		if err != nil {
			r.err = err
			return n, err
		}
		n += copy(p[n:], r.buf[:got])
		clear(r.buf[:got])
	}
	return n, nil
}

// request has the device fill the first size bytes of the buffer and
// returns how many it wrote.
func (r *Device) request(size int) (int, error) {
	if _, err := r.q.Add(nil, []virtio.Buffer{{Addr: r.phys, Len: uint32(size)}}); err != nil {
		return 0, fmt.Errorf("rng: %w", err)
	}
	if err := r.q.Notify(); err != nil {
		return 0, fmt.Errorf("rng: %w", err)
	}
	for {
		done, written := false, uint32(0)
		if _, err := r.q.Used(func(_ uint16, w uint32) { done, written = true, w }); err != nil {
			return 0, fmt.Errorf("rng: %w", err)
		}
		if done {
			// The device places one or more bytes (5.4.6.2).
			if written == 0 {
				return 0, fmt.Errorf("rng: device returned no bytes: %w", virtio.ErrDeviceBroken)
			}
			return int(written), nil
		}
		if r.q.EnableInterrupts() {
			continue
		}
		if err := r.cfg.Wait(); err != nil {
			return 0, fmt.Errorf("rng: wait: %w", err)
		}
		if r.cfg.Vector == virtio.NoVector {
			r.dev.ISR()
		}
	}
}
