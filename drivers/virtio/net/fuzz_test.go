package net_test

import (
	"bytes"
	"errors"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/net"
	"clk/drivers/virtio/virtiotest"
)

// errOpsDone is what the fuzzer's WaitRX returns when it has no more to
// do.
var errOpsDone = errors.New("no more device operations")

// FuzzRXUsed makes the fuzzer the device of the receive path. Receive
// runs in the fuzzing goroutine; each time it waits for an interrupt the
// fuzzer does one thing a device might: fill the next buffer with a
// header and a frame of its choosing and any used length, write a used
// entry with any id and length, set the used index anywhere, or ask for
// a reset. Whatever it does, Receive must not panic and must end only
// with ErrDeviceBroken, ErrNeedsReset or the fuzzer's own error; every
// frame delivered is MinFrame to MaxFrame bytes and counted. As long as
// the fuzzer only fills buffers, each one's fate is the one the package
// documents: delivered byte for byte, counted as an error or a drop, or,
// with a length beyond the buffer, the end of the NIC; and the device
// holds every receive buffer again whenever Receive waits.
func FuzzRXUsed(f *testing.F) {
	packet := func(flags, gso byte, size uint16) []byte {
		return []byte{0x00, flags, gso, byte(size), byte(size >> 8)}
	}
	rawLen := func(flags, gso byte, size, written uint16) []byte {
		return []byte{0x80, flags, gso, byte(size), byte(size >> 8), byte(written), byte(written >> 8)}
	}
	f.Add(bytes.Join([][]byte{packet(0, 0, 60), packet(0, 0, 14), packet(0, 0, 1514), packet(0, 0, 1515)}, nil))
	f.Add(bytes.Join([][]byte{packet(1, 0, 60), packet(0, 1, 60), packet(2, 0, 60), rawLen(0, 0, 60, 20), rawLen(0, 0, 1514, 1537)}, nil))
	f.Add([]byte{0x01, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0x05, 0x00, 0x04})
	f.Add(bytes.Join([][]byte{packet(0, 0, 100), {0x03}}, nil))
	f.Fuzz(func(t *testing.T, ops []byte) {
		const buffers = 8
		w := makeWire(t, bitMAC|bitEventIdx, func(o *virtiotest.Options) { o.QueueSizes = []uint16{buffers, buffers} })
		d, err := w.Open()
		if err != nil {
			t.Fatal(err)
		}
		next := func() byte {
			if len(ops) == 0 {
				return 0
			}
			b := ops[0]
			ops = ops[1:]
			return b
		}
		next16 := func() uint16 { return uint16(next()) | uint16(next())<<8 }

		var (
			delivered [][]byte
			want      [][]byte // frames to deliver, in order, while the fuzzer only fills buffers
			errs      uint64
			drops     uint64
			raw       bool  // the fuzzer wrote the used ring itself: fates are no longer predictable
			ending    error // what must end Receive, once known
			steps     int
			n         *net.NIC
		)
		check := func() {
			s := n.Stats()
			if s.InFrames != uint64(len(delivered)) {
				t.Fatalf("InFrames %d with %d frames delivered", s.InFrames, len(delivered))
			}
			if raw || ending != nil {
				return
			}
			if len(delivered) != len(want) || s.InErrors != errs || s.InDropped != drops {
				t.Fatalf("%d frames delivered, %d errors, %d dropped; want %d, %d, %d", len(delivered), s.InErrors, s.InDropped, len(want), errs, drops)
			}
			for i := range want {
				if !bytes.Equal(delivered[i], want[i]) {
					t.Fatalf("frame %d delivered as %d bytes, want %d", i, len(delivered[i]), len(want[i]))
				}
			}
			if got := w.held(); got != buffers {
				t.Fatalf("Receive waits with %d receive buffers in the device, want %d", got, buffers)
			}
		}
		step := func() error {
			check()
			if len(ops) == 0 || ending != nil || steps >= 256 {
				return errOpsDone
			}
			steps++
			switch op := next(); op & 3 {
			case 0: // fill the next buffer
				flags, gso, size := next(), next(), int(next16()%1540)
				written := uint32(hdrLen + size)
				if op&0x80 != 0 {
					written = uint32(next16())
				}
				data := append([]byte{flags, gso, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, frame(size, uint32(steps))...)
				if pad := int(min(written, 1536)) - len(data); pad > 0 {
					data = append(data, make([]byte, pad)...)
				}
				switch {
				case written > 1536:
					ending = virtio.ErrDeviceBroken
				case written < hdrLen+net.MinFrame || flags&1 != 0 || gso != 0:
					errs++
				case written-hdrLen > net.MaxFrame:
					drops++
				default:
					want = append(want, data[hdrLen:written])
				}
				w.pushRaw(data, written)
			case 1: // a used entry of the fuzzer's
				raw = true
				w.PutUsed(0, uint32(next16()), uint32(next16()))
			case 2: // the used index anywhere
				raw = true
				w.SetUsedIdx(0, next16())
			case 3:
				w.Break()
				ending = net.ErrNeedsReset
			}
			return nil
		}
		n, err = net.New(d, net.Config{RXVector: 0, TXVector: 0, WaitRX: step, RXBuffers: buffers})
		if err != nil {
			t.Fatal(err)
		}
		err = n.Receive(func(f []byte) {
			if len(f) < net.MinFrame || len(f) > net.MaxFrame {
				t.Fatalf("delivered a frame of %d bytes", len(f))
			}
			delivered = append(delivered, append([]byte(nil), f...))
		})
		switch {
		case errors.Is(err, errOpsDone):
			if ending != nil && !raw {
				t.Fatalf("Receive waited again after the device %v", ending)
			}
		case errors.Is(err, virtio.ErrDeviceBroken):
			if !raw && !errors.Is(ending, virtio.ErrDeviceBroken) {
				t.Fatalf("Receive: %v, with only good used entries", err)
			}
		case errors.Is(err, net.ErrNeedsReset):
			if !errors.Is(ending, net.ErrNeedsReset) {
				t.Fatalf("Receive: %v, with no reset asked for", err)
			}
		default:
			t.Fatalf("Receive: %v wraps none of the expected causes", err)
		}
		check()
		if err := n.Send(frame(60, 0)); err == nil {
			t.Fatal("Send succeeded after Receive ended")
		}
		if s := w.Status(); s != 0 {
			t.Fatalf("device_status %#x after the NIC ended: not reset", s)
		}
	})
}
