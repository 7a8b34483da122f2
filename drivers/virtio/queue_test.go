package virtio_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/virtiotest"
)

func TestBuffersComeBackWithTheBytesTheDeviceWrote(t *testing.T) {
	for _, features := range []uint64{0, bitEventIdx} {
		t.Run(fmt.Sprintf("features %#x", features), func(t *testing.T) {
			f := newFake(t, echoOptions(16, features))
			_, q := ready(t, f, virtio.FeatureEventIdx, 16)
			type sent struct {
				msg []byte
				in  [][]byte
			}
			chains := map[uint16]sent{}
			for i := range 5 {
				msg := bytes.Repeat([]byte{byte('a' + i)}, 10+i)
				ob, out := buffer(t, f, len(msg))
				copy(ob, msg)
				ib1, in1 := buffer(t, f, 4)
				ib2, in2 := buffer(t, f, 64)
				head, err := q.Add([]virtio.Buffer{out}, []virtio.Buffer{in1, in2})
				if err != nil {
					t.Fatal(err)
				}
				chains[head] = sent{msg, [][]byte{ib1, ib2}}
			}
			if q.NumFree() != 1 || q.InFlight() != 5 {
				t.Fatalf("%d free, %d in flight; want 1 and 5", q.NumFree(), q.InFlight())
			}
			if err := q.Notify(); err != nil {
				t.Fatal(err)
			}
			n, err := q.Used(func(head uint16, written uint32) {
				c, ok := chains[head]
				if !ok {
					t.Fatalf("head %d was not added", head)
				}
				delete(chains, head)
				got := append(append([]byte(nil), c.in[0]...), c.in[1]...)[:written]
				if !bytes.Equal(got, c.msg) {
					t.Errorf("head %d: %d bytes %q, want %q", head, written, got, c.msg)
				}
			})
			if err != nil || n != 5 || len(chains) != 0 {
				t.Fatalf("Used: %d, %v, %d chains left", n, err, len(chains))
			}
			if q.NumFree() != 16 || q.InFlight() != 0 {
				t.Errorf("%d free, %d in flight after reaping; want 16 and 0", q.NumFree(), q.InFlight())
			}
		})
	}
}

func TestAddRefusesChainsTheSpecificationForbids(t *testing.T) {
	f := newFake(t, echoOptions(4, 0))
	_, q := ready(t, f, 0, 4)
	_, b := buffer(t, f, 8)
	for _, c := range []struct {
		name    string
		out, in []virtio.Buffer
		want    error
	}{
		{"empty", nil, nil, virtio.ErrInvalid},
		{"zero length", []virtio.Buffer{{Addr: b.Addr}}, nil, virtio.ErrInvalid},
		{"wrapping the address space", nil, []virtio.Buffer{{Addr: 1<<64 - 4, Len: 8}}, virtio.ErrInvalid},
		{"longer than the queue", []virtio.Buffer{b, b, b}, []virtio.Buffer{b, b}, virtio.ErrInvalid},
		{"more than 2^32 bytes", []virtio.Buffer{{Addr: 0, Len: 1 << 31}, {Addr: 1 << 31, Len: 1 << 31}}, []virtio.Buffer{{Addr: 1 << 32, Len: 1}}, virtio.ErrInvalid},
	} {
		if _, err := q.Add(c.out, c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if q.NumFree() != 4 || q.InFlight() != 0 {
		t.Fatalf("refused chains took descriptors: %d free, %d in flight", q.NumFree(), q.InFlight())
	}
	if _, err := q.Add([]virtio.Buffer{b, b, b}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Add([]virtio.Buffer{b}, []virtio.Buffer{b}); !errors.Is(err, virtio.ErrQueueFull) {
		t.Errorf("two buffers with one descriptor free: %v, want ErrQueueFull", err)
	}
}

// TestFreeListNeverLeaksOrDoubleFrees adds chains of random shapes, has
// the device take and complete them in random order with random lengths,
// and reaps at random. The device records a chain that reuses a
// descriptor in flight, loops or leaves memory; after every step the free
// descriptors and those of the chains in flight make up the queue, and
// every chain comes back once, with its head and the length written.
func TestFreeListNeverLeaksOrDoubleFrees(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		opts := echoOptions(16, bitEventIdx)
		opts.Defer = true
		f := newFake(t, opts)
		size := []int{2, 4, 8, 16}[rng.IntN(4)]
		var features uint64
		if rng.IntN(2) == 0 {
			features = virtio.FeatureEventIdx
		}
		_, q := ready(t, f, features, size)
		data, _ := buffer(t, f, 4096)
		_, base := buffer(t, f, 4096)
		_ = data

		type chainState struct {
			descs, writable int
			out, in         []virtio.Buffer
			completed       bool
			written         uint32
		}
		inFlight := map[uint16]*chainState{}
		var taken []*virtiotest.Request
		for step := range 400 {
			switch op := rng.IntN(10); {
			case op < 4:
				nOut, nIn := rng.IntN(3), rng.IntN(3)
				if nOut+nIn == 0 {
					nIn = 1
				}
				c := &chainState{descs: nOut + nIn}
				for i := range nOut + nIn {
					b := virtio.Buffer{Addr: base.Addr + uint64(rng.IntN(2048)), Len: uint32(1 + rng.IntN(2048))}
					if i < nOut {
						c.out = append(c.out, b)
					} else {
						c.in = append(c.in, b)
						c.writable += int(b.Len)
					}
				}
				free := q.NumFree()
				head, err := q.Add(c.out, c.in)
				if c.descs > size {
					if !errors.Is(err, virtio.ErrInvalid) {
						t.Fatalf("seed %d step %d: chain of %d in a queue of %d: %v, want ErrInvalid", seed, step, c.descs, size, err)
					}
					break
				}
				if c.descs > free {
					if !errors.Is(err, virtio.ErrQueueFull) {
						t.Fatalf("seed %d step %d: chain of %d with %d free: %v, want ErrQueueFull", seed, step, c.descs, free, err)
					}
					break
				}
				if err != nil {
					t.Fatalf("seed %d step %d: Add: %v", seed, step, err)
				}
				if inFlight[head] != nil {
					t.Fatalf("seed %d step %d: head %d handed out twice", seed, step, head)
				}
				inFlight[head] = c
				if rng.IntN(2) == 0 {
					if err := q.Notify(); err != nil {
						t.Fatal(err)
					}
				}
			case op < 6:
				for _, r := range f.Take(0) {
					c := inFlight[r.Head]
					if c == nil || len(r.Out) != len(c.out) || len(r.In) != len(c.in) || r.Writable() != c.writable {
						t.Fatalf("seed %d step %d: device took chain %d of %d+%d buffers, not what was added", seed, step, r.Head, len(r.Out), len(r.In))
					}
					taken = append(taken, r)
				}
			case op < 8:
				if len(taken) == 0 {
					break
				}
				i := rng.IntN(len(taken))
				r := taken[i]
				taken = append(taken[:i], taken[i+1:]...)
				written := uint32(rng.IntN(r.Writable() + 1))
				inFlight[r.Head].completed, inFlight[r.Head].written = true, written
				f.Complete(r, written)
			default:
				_, err := q.Used(func(head uint16, written uint32) {
					c := inFlight[head]
					if c == nil || !c.completed || c.written != written {
						t.Fatalf("seed %d step %d: Used gave head %d, %d bytes; not a completed chain", seed, step, head, written)
					}
					delete(inFlight, head)
				})
				if err != nil {
					t.Fatalf("seed %d step %d: Used: %v", seed, step, err)
				}
			}
			held := 0
			for _, c := range inFlight {
				held += c.descs
			}
			if q.NumFree()+held != size || q.InFlight() != len(inFlight) {
				t.Fatalf("seed %d step %d: %d free + %d in %d chains != %d (queue says %d chains)", seed, step, q.NumFree(), held, len(inFlight), size, q.InFlight())
			}
			if v := f.Violations(); len(v) != 0 {
				t.Fatalf("seed %d step %d: %v", seed, step, v)
			}
		}
		// Drain: everything comes back and every descriptor is free.
		if err := q.Notify(); err != nil {
			t.Fatal(err)
		}
		taken = append(taken, f.Take(0)...)
		for _, r := range taken {
			f.Complete(r, 0)
		}
		if _, err := q.Used(func(head uint16, _ uint32) { delete(inFlight, head) }); err != nil {
			t.Fatal(err)
		}
		if len(inFlight) != 0 || q.NumFree() != size {
			t.Fatalf("seed %d: after draining %d chains left, %d of %d free", seed, len(inFlight), q.NumFree(), size)
		}
	}
}

func TestAvailableNotificationsFollowAvailEvent(t *testing.T) {
	opts := echoOptions(8, bitEventIdx)
	opts.Defer = true
	f := newFake(t, opts)
	_, q := ready(t, f, virtio.FeatureEventIdx, 8)
	_, b := buffer(t, f, 8)
	add := func(n int) {
		t.Helper()
		for range n {
			if _, err := q.Add(nil, []virtio.Buffer{b}); err != nil {
				t.Fatal(err)
			}
		}
	}
	drain := func() {
		for _, r := range f.Take(0) {
			f.Complete(r, 0)
		}
		if _, err := q.Used(nil); err != nil {
			t.Fatal(err)
		}
	}
	// The device wants a notification when the entry at index 3 is
	// made available, not before.
	f.SetAvailEvent(0, 3)
	for i := range 3 {
		add(1)
		if err := q.Notify(); err != nil {
			t.Fatal(err)
		}
		if f.Kicks(0) != 0 {
			t.Fatalf("notified after entry %d, avail_event 3", i)
		}
	}
	add(1) // entry 3
	if err := q.Notify(); err != nil {
		t.Fatal(err)
	}
	if f.Kicks(0) != 1 {
		t.Fatalf("%d notifications after entry 3, want 1", f.Kicks(0))
	}
	drain()
	// A batch of entries 4 to 6 with avail_event 5 inside it: one
	// notification; a batch of 7 to 9 with 12 outside: none.
	f.SetAvailEvent(0, 5)
	add(3)
	q.Notify()
	if f.Kicks(0) != 2 {
		t.Fatalf("%d notifications after a batch holding avail_event, want 2", f.Kicks(0))
	}
	drain()
	f.SetAvailEvent(0, 12)
	add(3)
	q.Notify()
	if f.Kicks(0) != 2 {
		t.Fatalf("%d notifications after a batch before avail_event, want 2", f.Kicks(0))
	}
	// Nothing new since: nothing to notify.
	f.SetAvailEvent(0, 9)
	q.Notify()
	if f.Kicks(0) != 2 {
		t.Fatalf("notified with nothing new")
	}
	// With EVENT_IDX the used ring's NO_NOTIFY flag means nothing
	// (2.7.10.1).
	drain()
	f.SetNoNotify(0, true)
	f.SetAvailEvent(0, 10)
	add(1)
	q.Notify()
	if f.Kicks(0) != 3 {
		t.Fatalf("%d notifications; with EVENT_IDX the flag must be ignored", f.Kicks(0))
	}
}

func TestAvailableNotificationsFollowNoNotifyWithoutEventIdx(t *testing.T) {
	opts := echoOptions(8, 0)
	opts.Defer = true
	f := newFake(t, opts)
	_, q := ready(t, f, virtio.FeatureEventIdx, 8)
	_, b := buffer(t, f, 8)
	f.SetNoNotify(0, true)
	if _, err := q.Add(nil, []virtio.Buffer{b}); err != nil {
		t.Fatal(err)
	}
	q.Notify()
	if f.Kicks(0) != 0 {
		t.Fatal("notified with VIRTQ_USED_F_NO_NOTIFY set")
	}
	f.SetNoNotify(0, false)
	if _, err := q.Add(nil, []virtio.Buffer{b}); err != nil {
		t.Fatal(err)
	}
	q.Notify()
	if f.Kicks(0) != 1 {
		t.Fatalf("%d notifications with the flag clear, want 1", f.Kicks(0))
	}
}

func TestNothingIsNotifiedBeforeDriverOK(t *testing.T) {
	f := newFake(t, echoOptions(8, 0))
	d, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Negotiate(0); err != nil {
		t.Fatal(err)
	}
	q, err := d.SetupQueue(0, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, b := buffer(t, f, 8)
	if _, err := q.Add(nil, []virtio.Buffer{b}); err != nil {
		t.Fatal(err)
	}
	if err := q.Notify(); err != nil {
		t.Fatal(err)
	}
	if f.Kicks(0) != 0 {
		t.Fatal("notified before DRIVER_OK")
	}
	// Ready notifies the chains added before it.
	if err := d.Ready(); err != nil {
		t.Fatal(err)
	}
	if f.Kicks(0) != 1 {
		t.Fatalf("%d notifications after Ready, want 1", f.Kicks(0))
	}
	if n, err := q.Used(nil); n != 1 || err != nil {
		t.Fatalf("Used: %d, %v", n, err)
	}
}

// TestUsedNotificationsAreSuppressedAndNoneIsMissed checks both
// suppression mechanisms of 2.7.7: while disabled, completions send no
// notification; EnableInterrupts reports the completions that came
// meanwhile, so the driver reaps them instead of sleeping; once enabled,
// the next completion notifies.
func TestUsedNotificationsAreSuppressedAndNoneIsMissed(t *testing.T) {
	for _, features := range []uint64{0, bitEventIdx} {
		t.Run(fmt.Sprintf("features %#x", features), func(t *testing.T) {
			opts := echoOptions(8, features)
			opts.Defer = true
			f := newFake(t, opts)
			_, q := ready(t, f, virtio.FeatureEventIdx, 8)
			_, b := buffer(t, f, 8)
			add := func() {
				t.Helper()
				if _, err := q.Add(nil, []virtio.Buffer{b}); err != nil {
					t.Fatal(err)
				}
				q.Notify()
			}
			add()
			add()
			if features != 0 && f.AvailFlags(0) != 0 {
				t.Fatalf("avail flags %#x with EVENT_IDX, must be 0 (2.7.7.1)", f.AvailFlags(0))
			}
			reqs := f.Take(0)
			f.Complete(reqs[0], 0)
			if f.Interrupts(1) != 1 {
				t.Fatalf("%d notifications for a completion, want 1", f.Interrupts(1))
			}
			q.DisableInterrupts()
			if features != 0 && f.AvailFlags(0) != 0 {
				t.Fatalf("avail flags %#x with EVENT_IDX, must be 0 (2.7.7.1)", f.AvailFlags(0))
			}
			if _, err := q.Used(nil); err != nil {
				t.Fatal(err)
			}
			// Completed while disabled: no notification, and
			// EnableInterrupts says so.
			f.Complete(reqs[1], 0)
			if f.Interrupts(1) != 1 {
				t.Fatalf("%d notifications while disabled, want still 1", f.Interrupts(1))
			}
			if !q.EnableInterrupts() {
				t.Fatal("EnableInterrupts did not report a chain used while disabled")
			}
			if n, _ := q.Used(nil); n != 1 {
				t.Fatalf("reaped %d, want 1", n)
			}
			if q.EnableInterrupts() {
				t.Fatal("EnableInterrupts reported chains with none used")
			}
			add()
			for _, r := range f.Take(0) {
				f.Complete(r, 0)
			}
			if f.Interrupts(1) != 2 {
				t.Fatalf("%d notifications after enabling, want 2", f.Interrupts(1))
			}
		})
	}
}

func TestNotifyWritesEachQueueItsOwnAddress(t *testing.T) {
	for _, mul := range []uint32{0, 2, 4, 1024} {
		opts := echoOptions(8, 0)
		opts.QueueSizes = []uint16{8, 8, 8}
		opts.NotifyMultiplier = mul
		f := newFake(t, opts)
		d, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Negotiate(0); err != nil {
			t.Fatal(err)
		}
		var qs []*virtio.Queue
		for i := range 3 {
			q, err := d.SetupQueue(i, 8, uint16(i))
			if err != nil {
				t.Fatal(err)
			}
			qs = append(qs, q)
		}
		if err := d.Ready(); err != nil {
			t.Fatal(err)
		}
		_, b := buffer(t, f, 8)
		for i, q := range qs {
			for range i + 1 {
				q.Add(nil, []virtio.Buffer{b})
				q.Notify()
			}
		}
		for i := range qs {
			if f.Kicks(i) != i+1 || f.Interrupts(uint16(i)) != i+1 {
				t.Errorf("multiplier %d: queue %d had %d notifications and sent %d, want %d", mul, i, f.Kicks(i), f.Interrupts(uint16(i)), i+1)
			}
		}
	}
}

func TestMisbehavingDeviceYieldsErrDeviceBroken(t *testing.T) {
	for _, c := range []struct {
		name string
		// misbehave gets the heads of three chains in flight, each
		// with 8 writable bytes, none yet used.
		misbehave func(f *virtiotest.Device, heads []uint16)
		good      int // entries before the bad one
	}{
		{"id past the queue", func(f *virtiotest.Device, h []uint16) { f.PutUsed(0, 8, 0) }, 0},
		{"id far past the queue", func(f *virtiotest.Device, h []uint16) { f.PutUsed(0, 1<<31, 0) }, 0},
		{"id not a head", func(f *virtiotest.Device, h []uint16) { f.PutUsed(0, uint32(h[0])+1, 0) }, 0},
		{"id used twice", func(f *virtiotest.Device, h []uint16) {
			f.PutUsed(0, uint32(h[1]), 8)
			f.PutUsed(0, uint32(h[1]), 8)
		}, 1},
		{"length beyond the writable bytes", func(f *virtiotest.Device, h []uint16) { f.PutUsed(0, uint32(h[2]), 9) }, 0},
		{"length of all ones", func(f *virtiotest.Device, h []uint16) { f.PutUsed(0, uint32(h[0]), 0xffffffff) }, 0},
		{"used idx past the chains in flight", func(f *virtiotest.Device, h []uint16) { f.SetUsedIdx(0, 4) }, 0},
		{"used idx gone backwards", func(f *virtiotest.Device, h []uint16) { f.SetUsedIdx(0, 0xffff) }, 0},
		{"tampered completion", func(f *virtiotest.Device, h []uint16) {
			f.Tamper(func(_ int, id, n *uint32) { *id ^= 1 })
			f.Serve()
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := echoOptions(8, 0)
			opts.Defer = true
			f := newFake(t, opts)
			d, q := ready(t, f, 0, 8)
			_, out := buffer(t, f, 8)
			_, in := buffer(t, f, 8)
			var heads []uint16
			for range 3 {
				h, err := q.Add([]virtio.Buffer{out}, []virtio.Buffer{in})
				if err != nil {
					t.Fatal(err)
				}
				heads = append(heads, h)
			}
			c.misbehave(f, heads)
			got := 0
			n, err := q.Used(func(uint16, uint32) { got++ })
			if !errors.Is(err, virtio.ErrDeviceBroken) {
				t.Fatalf("Used: %v, want ErrDeviceBroken", err)
			}
			if n != c.good || got != c.good {
				t.Errorf("took %d entries (callback %d) before the bad one, want %d", n, got, c.good)
			}
			// The queue refuses use from now on.
			if _, err := q.Add(nil, []virtio.Buffer{in}); !errors.Is(err, virtio.ErrDeviceBroken) {
				t.Errorf("Add after: %v", err)
			}
			if _, err := q.Used(nil); !errors.Is(err, virtio.ErrDeviceBroken) {
				t.Errorf("Used after: %v", err)
			}
			if err := q.Notify(); !errors.Is(err, virtio.ErrDeviceBroken) {
				t.Errorf("Notify after: %v", err)
			}
			if !q.EnableInterrupts() {
				t.Error("EnableInterrupts on a broken queue says there is nothing to reap")
			}
			if !errors.Is(q.Err(), virtio.ErrDeviceBroken) {
				t.Errorf("Err: %v", q.Err())
			}
			// A reset brings the device back.
			f.Tamper(nil)
			if err := d.Negotiate(0); err != nil {
				t.Fatal(err)
			}
			if !errors.Is(q.Err(), virtio.ErrStopped) {
				t.Errorf("old queue after reset: %v, want ErrStopped", q.Err())
			}
			q2, err := d.SetupQueue(0, 8, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Ready(); err != nil {
				t.Fatal(err)
			}
			if _, err := q2.Add(nil, []virtio.Buffer{in}); err != nil {
				t.Fatal(err)
			}
			q2.Notify()
			f.Serve()
			if n, err := q2.Used(nil); n != 1 || err != nil {
				t.Fatalf("after reset: Used %d, %v", n, err)
			}
		})
	}
}

func TestUsedCannotBeCalledFromItsCallback(t *testing.T) {
	f := newFake(t, echoOptions(8, 0))
	_, q := ready(t, f, 0, 8)
	_, b := buffer(t, f, 8)
	q.Add(nil, []virtio.Buffer{b})
	q.Add(nil, []virtio.Buffer{b})
	q.Notify()
	var inner error
	n, err := q.Used(func(uint16, uint32) {
		_, inner = q.Used(nil)
		// Adding from the callback is allowed: the chain is free.
		if _, err := q.Add(nil, []virtio.Buffer{b}); err != nil {
			t.Errorf("Add from the callback: %v", err)
		}
	})
	if !errors.Is(inner, virtio.ErrState) || n != 2 || err != nil {
		t.Fatalf("nested Used: %v; outer took %d, %v", inner, n, err)
	}
}

// TestRingsAreSharedSafelyWithAConcurrentDevice runs the device in its
// own goroutine, serving as the driver adds, so that the race detector
// (go test -race) checks that the package publishes its rings with the
// ordering the device needs and reads what the device publishes after it.
func TestRingsAreSharedSafelyWithAConcurrentDevice(t *testing.T) {
	for _, features := range []uint64{0, bitEventIdx} {
		opts := echoOptions(8, features)
		opts.Defer = true
		f := newFake(t, opts)
		_, q := ready(t, f, virtio.FeatureEventIdx, 8)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					// Yield when idle: on one CPU the driver runs
					// only when the device does not.
					if f.Serve() == 0 {
						runtime.Gosched()
					}
				}
			}
		}()
		// Each chain in flight writes its own slot; the driver reads a
		// slot only after Used gave its chain back.
		ob, out := buffer(t, f, 4)
		copy(ob, "ping")
		var free []int
		for i := range 8 {
			free = append(free, i)
		}
		slotBytes, slotBuf := buffer(t, f, 4*8)
		slotOf := map[uint16]int{}
		const total = 2000
		sent, got := 0, 0
		for got < total {
			if sent < total && len(free) > 0 && q.NumFree() >= 2 {
				s := free[len(free)-1]
				in := virtio.Buffer{Addr: slotBuf.Addr + uint64(4*s), Len: 4}
				head, err := q.Add([]virtio.Buffer{out}, []virtio.Buffer{in})
				if err != nil {
					t.Fatal(err)
				}
				free = free[:len(free)-1]
				slotOf[head] = s
				sent++
				q.Notify()
			}
			q.DisableInterrupts()
			if n, err := q.Used(func(head uint16, written uint32) {
				s := slotOf[head]
				if written != 4 || string(slotBytes[4*s:4*s+4]) != "ping" {
					t.Errorf("chain %d: %d bytes %q", head, written, slotBytes[4*s:4*s+4])
				}
				clear(slotBytes[4*s : 4*s+4])
				free = append(free, s)
				got++
			}); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				runtime.Gosched()
			}
			q.EnableInterrupts()
		}
		close(stop)
		wg.Wait()
	}
}
